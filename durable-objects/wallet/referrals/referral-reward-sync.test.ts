import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { createLogger } from "#shared/observability/logger";
import type { AppliedEffect } from "#shared/rules/index";
import { WalletTx } from "../core/wallet-tx";
import { findEvent, insertEvent } from "../events/event-store";
import type { EarnTerms } from "../events/post-reward";
import { DEFAULT_VALIDITY } from "../points/validity";
import { dueRefs } from "../schedule/schedule-store";
import type { QualificationScores } from "./qualification-scoring";
import { findReferralReward } from "./referral-reward-store";
import { ReferralRewardSync, type ReferrerWallet } from "./referral-reward-sync";
import { qualifyReferral } from "./referral-rewards";
import { findReferral, insertReferral, readReferralHistory } from "./referral-store";
import type { ReferrerCreditStatus } from "./referrer-credit";
import { REFUSAL_ALERT_EVERY } from "./refusal-alert";

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
 * The referee's sync of the referrer's reward against a stand-in referrer wallet, inside a real
 * wallet object's storage: a `capped` answer is final, a tier's reward is what is recorded, and
 * a reward refused again and again raises the operator alert at every REFUSAL_ALERT_EVERY-th
 * attempt.
 */

const NOW_MS = 1_796_000_000_000;
const REFEREE = "bea-sync";
const REFERRAL = `ref_${REFEREE}`;
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
      referrerMonthlyCap: 3,
    },
  },
];

function inTx<R>(storage: DurableObjectStorage, work: (tx: WalletTx) => R): R {
  return storage.transactionSync(() => {
    const tx = new WalletTx(storage.sql);
    tx.bindUser(REFEREE);
    const result = work(tx);
    tx.close();
    return result;
  });
}

/** A referral qualified in this wallet, its referrer's reward owed. */
function qualified(storage: DurableObjectStorage): void {
  inTx(storage, (tx) =>
    insertReferral(
      tx.sql,
      {
        referralId: REFERRAL,
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
  inTx(storage, (tx) => qualifyReferral(tx, stored, APPLIED, EARN, NOW_MS, SCORED));
}

function syncWith(
  storage: DurableObjectStorage,
  answer: () => ReferrerCreditStatus,
  lines: string[],
  asked: unknown[] = [],
) {
  const wallet: ReferrerWallet = {
    async creditReferralReward(_referrerId, credit) {
      asked.push(credit);
      return answer();
    },
    async applyReferrerOperation() {
      return { status: "nothing" };
    },
  };
  return new ReferralRewardSync({
    sql: storage.sql,
    log: createLogger({ worker: "wallet" }, (_level, line) => lines.push(line)),
    clock: () => NOW_MS + 1_000,
    env,
    userId: () => "u_referee",
    earnTerms: async () => ({ validity: DEFAULT_VALIDITY, pendingDays: 0, timeZone: "UTC" }),
    walletOf: () => wallet,
    commit: (work) => inTx(storage, work),
  });
}

function inFreshWallet<R>(fn: (storage: DurableObjectStorage) => R | Promise<R>): Promise<R> {
  const stub = env.WALLET.get(env.WALLET.newUniqueId());
  return runInDurableObject(stub, (_instance, state) => fn(state.storage));
}

describe("the referrer-reward sync", () => {
  test("sends the campaign's terms, and records the tier's reward the referrer was credited", async () => {
    await inFreshWallet(async (storage) => {
      qualified(storage);
      const asked: unknown[] = [];
      const tier = { amountMinor: 2_500, currency: "INR" };
      await syncWith(
        storage,
        () => ({ status: "created", credited: tier, nth: 5 }),
        [],
        asked,
      ).sync();
      expect(asked).toEqual([
        expect.objectContaining({
          referralId: REFERRAL,
          reward: { amountMinor: 1_000, currency: "INR" },
          terms: { monthlyCap: 3, tiers: [] },
        }),
      ]);
      const row = findReferralReward(storage.sql, REFERRAL, "referrer");
      expect([row?.status, row?.reward]).toEqual(["delivered", tier]);
      expect(findReferral(storage.sql)).toMatchObject({
        state: "rewarded",
        reason: "reward_credited",
        ruleId: "ref",
        ruleVersion: 7,
      });
    });
  });

  test("a capped answer is final: the reward capped, the referral rewarded for the referee, nothing left to retry", async () => {
    await inFreshWallet(async (storage) => {
      qualified(storage);
      const lines: string[] = [];
      await syncWith(
        storage,
        () => ({ status: "capped", reason: "referrer_cap_reached" }),
        lines,
      ).sync();
      expect(findReferralReward(storage.sql, REFERRAL, "referrer")).toMatchObject({
        status: "capped",
        attempts: 0,
      });
      expect(dueRefs(storage.sql, "referral_reward", NOW_MS + 10 ** 9, 10)).toEqual([]);
      expect(readReferralHistory(storage.sql, REFERRAL).map((h) => [h.state, h.reason])).toEqual([
        ["signed_up", "code_at_signup"],
        ["qualified", "qualifying_event"],
        ["rewarded", "referrer_cap_reached"],
      ]);
      expect(lines).toEqual([]);
    });
  });

  test("the rule's budgets spent: the answer is final and the referral says why", async () => {
    await inFreshWallet(async (storage) => {
      qualified(storage);
      await syncWith(
        storage,
        () => ({ status: "capped", reason: "referral_budget_exhausted" }),
        [],
      ).sync();
      expect(findReferralReward(storage.sql, REFERRAL, "referrer")).toMatchObject({
        status: "capped",
        attempts: 0,
      });
      expect(dueRefs(storage.sql, "referral_reward", NOW_MS + 10 ** 9, 10)).toEqual([]);
      expect(readReferralHistory(storage.sql, REFERRAL).at(-1)).toMatchObject({
        state: "rewarded",
        reason: "referral_budget_exhausted",
      });
    });
  });

  test("a reward the rule's budgets reduced: what was paid is recorded, and the referral says why", async () => {
    await inFreshWallet(async (storage) => {
      qualified(storage);
      const part = { amountMinor: 400, currency: "INR" };
      await syncWith(
        storage,
        () => ({ status: "created", credited: part, nth: 1, reduced: true }),
        [],
      ).sync();
      const row = findReferralReward(storage.sql, REFERRAL, "referrer");
      expect([row?.status, row?.reward]).toEqual(["delivered", part]);
      expect(findReferral(storage.sql)).toMatchObject({
        state: "rewarded",
        reason: "referral_budget_exhausted",
      });
    });
  });

  test(`a reward refused again and again raises the operator alert at the ${REFUSAL_ALERT_EVERY}th attempt, not before`, async () => {
    await inFreshWallet(async (storage) => {
      qualified(storage);
      storage.sql.exec(
        `UPDATE referral_rewards SET attempts = ? WHERE referral_id = ? AND party = 'referrer'`,
        REFUSAL_ALERT_EVERY - 2,
        REFERRAL,
      );
      const lines: string[] = [];
      const refuse = (): ReferrerCreditStatus => ({ status: "refused", detail: "key taken" });
      const alerts = () =>
        lines.map((l) => JSON.parse(l)).filter((l) => l.event === "referral.referrer_reward_alert");
      await syncWith(storage, refuse, lines).sync();
      expect(alerts()).toEqual([]);
      // Due again (postponed 30 s): the next failure is the Nth.
      storage.sql.exec(`UPDATE schedule SET due_at_ms = 0 WHERE kind = 'referral_reward'`);
      await syncWith(storage, refuse, lines).sync();
      expect(alerts()).toEqual([
        expect.objectContaining({
          level: "error",
          referralId: REFERRAL,
          referrerId: "ana",
          attempts: REFUSAL_ALERT_EVERY,
        }),
      ]);
      expect(findReferralReward(storage.sql, REFERRAL, "referrer")?.status).toBe("owed");
    });
  });
});
