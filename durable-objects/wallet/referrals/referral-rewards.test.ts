import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import type { AppliedEffect } from "#shared/rules/index";
import { WalletTx } from "../core/wallet-tx";
import { findEvent, insertEvent, type StoredEvent } from "../events/event-store";
import type { EarnTerms } from "../events/post-reward";
import { listEntries } from "../ledger/ledger-store";
import { DEFAULT_VALIDITY } from "../points/validity";
import { creditParty } from "./party-credit";
import type { QualificationScores } from "./qualification-scoring";
import { referralRewardsOf } from "./referral-reward-store";
import { acknowledgeReferrerReward, qualifyReferral } from "./referral-rewards";
import { findReferral, insertReferral, readReferralHistory } from "./referral-store";

/** Scoring's answer to the qualification: assessed, nothing to hold. */
const SCORED: QualificationScores = (observation) => ({
  status: "assessed",
  observation,
  assessment: {
    userId: observation.userId,
    score: 0,
    reasons: [],
    effects: [],
    ruleVersion: 1,
    assessedAtMs: observation.atMs,
  },
});

/**
 * Qualification, the referee's credit and the acknowledgement inside a real wallet object's
 * storage, each repeated: nothing is credited or moved twice.
 */

const NOW_MS = 1_796_000_000_000;
const REFEREE = "bea-rew";
const EARN: EarnTerms = { validity: DEFAULT_VALIDITY, pendingDays: 0, timeZone: "UTC" };
const APPLIED: AppliedEffect[] = [
  {
    ruleId: "ref",
    ruleVersion: 7,
    group: "base",
    budgetKeys: [],
    effect: {
      kind: "referral_reward",
      referrer: { amountMinor: 1_000, currency: "INR" },
      referee: { amountMinor: 500, currency: "INR" },
      // Not confirmed yet: the bonus stays in referral_bonus (referral-money.test.ts confirms).
      minAccountAgeDays: 30,
    },
  },
];

function inFreshWallet<R>(fn: (storage: DurableObjectStorage) => R | Promise<R>): Promise<R> {
  const stub = env.WALLET.get(env.WALLET.newUniqueId());
  return runInDurableObject(stub, (_instance, state) => fn(state.storage));
}

function inTx<R>(storage: DurableObjectStorage, work: (tx: WalletTx) => R): R {
  return storage.transactionSync(() => {
    const tx = new WalletTx(storage.sql);
    tx.bindUser(REFEREE);
    const result = work(tx);
    tx.close();
    return result;
  });
}

function setUp(storage: DurableObjectStorage): StoredEvent {
  inTx(storage, (tx) =>
    insertReferral(
      tx.sql,
      {
        referralId: `ref_${REFEREE}`,
        programId: "default",
        referrerId: "ana",
        refereeId: REFEREE,
        method: "code",
        clickId: null,
        state: "signed_up",
        reason: "code_at_signup",
        refereeNameMasked: "B***",
        signupEventId: "su-1",
        attributedAtMs: NOW_MS - 60_000,
      },
      "su-1",
      NOW_MS,
    ),
  );
  const data = { amountMinor: 60_000, currency: "INR" };
  insertEvent(
    storage.sql,
    { id: "dep-1", type: "deposit.completed", userId: REFEREE, occurredAtMs: NOW_MS, data },
    { digest: "d", keyName: "test", data, receivedAtMs: NOW_MS },
  );
  const stored = findEvent(storage.sql, "dep-1");
  if (!stored) throw new Error("not stored");
  return stored;
}

describe("referral rewards in the referee's wallet", () => {
  test("qualifying twice credits the referee once and owes the referrer once", async () => {
    await inFreshWallet((storage) => {
      const dep = setUp(storage);
      const first = inTx(storage, (tx) => qualifyReferral(tx, dep, APPLIED, EARN, NOW_MS, SCORED));
      const again = inTx(storage, (tx) => qualifyReferral(tx, dep, APPLIED, EARN, NOW_MS, SCORED));
      expect(first.action).toBe("qualify");
      expect(again).toEqual({ action: "none", why: "not_signed_up" });
      const entries = listEntries(storage.sql, null, 10);
      expect(
        entries.map((e) => [e.bucket, e.amountMinor, e.idempotencyKey, e.ruleVersion]),
      ).toEqual([["referral_bonus", 500, `referral:ref_${REFEREE}:referee#0`, 7]]);
      expect(
        referralRewardsOf(storage.sql, `ref_${REFEREE}`).map((r) => [r.party, r.status]),
      ).toEqual([
        ["referee", "posted"],
        ["referrer", "owed"],
      ]);
      expect(findReferral(storage.sql)?.state).toBe("qualified");

      // The acknowledgement, twice: one move to rewarded.
      inTx(storage, (tx) => acknowledgeReferrerReward(tx, `ref_${REFEREE}`, NOW_MS + 1));
      inTx(storage, (tx) => acknowledgeReferrerReward(tx, `ref_${REFEREE}`, NOW_MS + 2));
      expect(readReferralHistory(storage.sql, `ref_${REFEREE}`).map((h) => h.state)).toEqual([
        "signed_up",
        "qualified",
        "rewarded",
      ]);
      expect(findReferral(storage.sql)?.version).toBe(3);
    });
  });

  test("the referrer's credit again is `exists` and writes nothing", async () => {
    await inFreshWallet((storage) => {
      const credit = {
        referralId: "ref_x",
        party: "referrer" as const,
        ruleId: "ref",
        ruleVersion: 7,
        eventId: "dep-1",
        occurredAtMs: NOW_MS,
        reward: { amountMinor: 1_000, currency: "INR" },
      };
      const credit1 = inTx(storage, (tx) => creditParty(tx, credit, EARN, NOW_MS));
      const credit2 = inTx(storage, (tx) => creditParty(tx, credit, EARN, NOW_MS + 5));
      expect([credit1.status, credit2.status]).toEqual(["created", "exists"]);
      expect(listEntries(storage.sql, null, 10)).toHaveLength(1);
      // The same key with another amount is refused, never a second credit.
      const other = inTx(storage, (tx) =>
        creditParty(
          tx,
          { ...credit, reward: { amountMinor: 2_000, currency: "INR" } },
          EARN,
          NOW_MS,
        ),
      );
      expect(other.status).toBe("refused");
      expect(listEntries(storage.sql, null, 10)).toHaveLength(1);
    });
  });
});
