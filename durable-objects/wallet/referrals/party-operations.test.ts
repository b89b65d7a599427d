import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { WalletTx } from "../core/wallet-tx";
import type { EarnTerms } from "../events/post-reward";
import { listEntries, readBalance } from "../ledger/ledger-store";
import { DEFAULT_VALIDITY } from "../points/validity";
import { creditParty, type PartyCredit } from "./party-credit";
import { findPartyMoney, referralMoneyHeld } from "./party-money-store";
import { applyPartyOperation, type PartyOperation } from "./party-operations";

/**
 * Confirm, reverse and restore of one party's bonus inside a real wallet object's storage,
 * each repeated: the ledger moves once, and a restore gives back exactly what its take took.
 */

const NOW_MS = 1_796_000_000_000;
const USER = "ana-ops";
const EARN: EarnTerms = { validity: DEFAULT_VALIDITY, pendingDays: 0, timeZone: "UTC" };
const CREDIT: PartyCredit = {
  referralId: "ref_b",
  party: "referrer",
  ruleId: "ref",
  ruleVersion: 3,
  eventId: "dep-1",
  occurredAtMs: NOW_MS,
  reward: { amountMinor: 1_000, currency: "INR" },
};
const confirm: PartyOperation = { kind: "confirm", referralId: "ref_b", party: "referrer" };
const reverse = (cause: string, num = 1, den = 1): PartyOperation => ({
  kind: "reverse",
  referralId: "ref_b",
  party: "referrer",
  causeEventId: cause,
  fraction: { num, den },
});
const restore = (cause: string, takeOf: string): PartyOperation => ({
  kind: "restore",
  referralId: "ref_b",
  party: "referrer",
  causeEventId: cause,
  takeOfEventId: takeOf,
});

function inFreshWallet<R>(fn: (storage: DurableObjectStorage) => R | Promise<R>): Promise<R> {
  const stub = env.WALLET.get(env.WALLET.newUniqueId());
  return runInDurableObject(stub, (_instance, state) => fn(state.storage));
}

function inTx<R>(storage: DurableObjectStorage, work: (tx: WalletTx) => R): R {
  return storage.transactionSync(() => {
    const tx = new WalletTx(storage.sql);
    tx.bindUser(USER);
    const result = work(tx);
    tx.close();
    return result;
  });
}

const bal = (storage: DurableObjectStorage) => ({
  bonus: readBalance(storage.sql, "referral_bonus", "INR"),
  confirmed: readBalance(storage.sql, "confirmed", "INR"),
  debt: readBalance(storage.sql, "debt", "INR"),
});

/** 600 of the confirmed bonus paid out (a payout's two legs), under `key`. */
function payOut600(tx: WalletTx, key: string) {
  return tx.post(
    {
      key,
      kind: "payout",
      txnId: null,
      legs: [
        { bucket: "confirmed", currency: "INR", amountMinor: -600 },
        { bucket: "paid_out", currency: "INR", amountMinor: 600 },
      ],
    },
    NOW_MS,
  );
}

describe("party operations in the wallet that holds the bonus", () => {
  test("confirm twice moves the bonus once", async () => {
    await inFreshWallet((storage) => {
      inTx(storage, (tx) => creditParty(tx, CREDIT, EARN, NOW_MS));
      const first = inTx(storage, (tx) => applyPartyOperation(tx, confirm, NOW_MS));
      const again = inTx(storage, (tx) => applyPartyOperation(tx, confirm, NOW_MS + 1));
      expect([first.status, again.status]).toEqual(["applied", "exists"]);
      expect(bal(storage)).toEqual({ bonus: 0, confirmed: 1_000, debt: 0 });
      expect(referralMoneyHeld(storage.sql, "INR")).toEqual({
        bonusMinor: 0,
        confirmedMinor: 1_000,
      });
    });
  });

  test("a partial reverse from the unconfirmed bonus, the same cause again, then the confirmation of the rest", async () => {
    await inFreshWallet((storage) => {
      inTx(storage, (tx) => creditParty(tx, CREDIT, EARN, NOW_MS));
      const first = inTx(storage, (tx) => applyPartyOperation(tx, reverse("rf-1", 1, 4), NOW_MS));
      const again = inTx(storage, (tx) => applyPartyOperation(tx, reverse("rf-1", 1, 4), NOW_MS));
      expect(first).toEqual({ status: "applied", amount: 250, debt: 0 });
      expect(again.status).toBe("exists");
      expect(bal(storage)).toEqual({ bonus: 750, confirmed: 0, debt: 0 });
      inTx(storage, (tx) => applyPartyOperation(tx, confirm, NOW_MS));
      expect(bal(storage)).toEqual({ bonus: 0, confirmed: 750, debt: 0 });
      expect(findPartyMoney(storage.sql, "ref_b", "referrer")).toMatchObject({
        credited: 1_000,
        taken: 250,
      });
    });
  });

  test("a chargeback after the confirmed bonus was partly spent: debt; restored exactly, the debt cancelled", async () => {
    await inFreshWallet((storage) => {
      inTx(storage, (tx) => creditParty(tx, CREDIT, EARN, NOW_MS));
      inTx(storage, (tx) => applyPartyOperation(tx, confirm, NOW_MS));
      // 600 of it is paid out.
      inTx(storage, (tx) => payOut600(tx, "payout-1"));
      const taken = inTx(storage, (tx) => applyPartyOperation(tx, reverse("cb-1"), NOW_MS));
      expect(taken).toEqual({ status: "applied", amount: 1_000, debt: 600 });
      expect(bal(storage)).toEqual({ bonus: 0, confirmed: 0, debt: 600 });
      const back = inTx(storage, (tx) => applyPartyOperation(tx, restore("cbr-1", "cb-1"), NOW_MS));
      const backAgain = inTx(storage, (tx) =>
        applyPartyOperation(tx, restore("cbr-1", "cb-1"), NOW_MS),
      );
      expect(back).toEqual({ status: "applied", amount: 1_000, debt: 600 });
      expect(backAgain.status).toBe("exists");
      expect(bal(storage)).toEqual({ bonus: 0, confirmed: 400, debt: 0 });
      expect(
        listEntries(storage.sql, null, 20)
          .map((e) => e.idempotencyKey.replace(/#\d+$/, ""))
          .filter((k, i, all) => all.indexOf(k) === i)
          .reverse(),
      ).toEqual([
        "referral:ref_b:referrer",
        "referral:ref_b:referrer:confirm",
        "payout-1",
        "referral:ref_b:referrer:reverse:cb-1",
        "referral:ref_b:referrer:restore:cbr-1",
      ]);
    });
  });

  test("a refund during an open chargeback moves its share out of the chargeback's take, once; the restore gives back the rest", async () => {
    await inFreshWallet((storage) => {
      inTx(storage, (tx) => creditParty(tx, CREDIT, EARN, NOW_MS));
      inTx(storage, (tx) => applyPartyOperation(tx, confirm, NOW_MS));
      inTx(storage, (tx) => payOut600(tx, "payout-2"));
      inTx(storage, (tx) => applyPartyOperation(tx, reverse("cb-2"), NOW_MS));
      expect(bal(storage)).toEqual({ bonus: 0, confirmed: 0, debt: 600 });
      const refund: PartyOperation = {
        kind: "reverse",
        referralId: "ref_b",
        party: "referrer",
        causeEventId: "rf-2",
        fraction: { num: 1, den: 4 },
        takeOfEventId: "cb-2",
      };
      const moved = inTx(storage, (tx) => applyPartyOperation(tx, refund, NOW_MS));
      const again = inTx(storage, (tx) => applyPartyOperation(tx, refund, NOW_MS));
      // A quarter of the 1,000, out of the 400 the chargeback took (its 600 of debt stays).
      expect(moved).toEqual({ status: "applied", amount: 250, debt: 0, moved: true });
      expect(again.status).toBe("exists");
      expect(bal(storage)).toEqual({ bonus: 0, confirmed: 0, debt: 600 });
      expect(findPartyMoney(storage.sql, "ref_b", "referrer")).toMatchObject({ taken: 1_000 });
      const back = inTx(storage, (tx) => applyPartyOperation(tx, restore("cbr-2", "cb-2"), NOW_MS));
      expect(back).toEqual({ status: "applied", amount: 750, debt: 600 });
      expect(bal(storage)).toEqual({ bonus: 0, confirmed: 150, debt: 0 });
      expect(findPartyMoney(storage.sql, "ref_b", "referrer")).toMatchObject({ taken: 250 });
      expect(referralMoneyHeld(storage.sql, "INR")).toEqual({ bonusMinor: 0, confirmedMinor: 750 });
      // Nothing was posted for the refund: the money was already taken.
      const keys = listEntries(storage.sql, null, 20).map((e) => e.idempotencyKey);
      expect(keys.some((k) => k.includes("rf-2"))).toBe(false);
    });
  });

  test("operations on a bonus this wallet never got change nothing", async () => {
    await inFreshWallet((storage) => {
      for (const op of [confirm, reverse("x"), restore("y", "x")]) {
        expect(inTx(storage, (tx) => applyPartyOperation(tx, op, NOW_MS))).toEqual({
          status: "nothing",
        });
      }
      expect(listEntries(storage.sql, null, 10)).toEqual([]);
    });
  });

  test("points: pending until confirmed, then active; a reverse takes them back", async () => {
    await inFreshWallet((storage) => {
      const points = { ...CREDIT, reward: { points: 300 }, pendingUntilMs: NOW_MS + 86_400_000 };
      inTx(storage, (tx) => creditParty(tx, points, EARN, NOW_MS));
      const pending = () =>
        storage.sql
          .exec<{ b: string; n: number }>(
            `SELECT bucket AS b, balance_minor AS n FROM buckets WHERE currency = 'points' AND balance_minor != 0`,
          )
          .toArray()
          .map((r) => [r.b, r.n]);
      expect(pending()).toEqual([["points_pending", 300]]);
      inTx(storage, (tx) => applyPartyOperation(tx, confirm, NOW_MS + 5));
      expect(pending()).toEqual([["points_active", 300]]);
      const taken = inTx(storage, (tx) => applyPartyOperation(tx, reverse("rf-9"), NOW_MS + 6));
      expect(taken).toEqual({ status: "applied", amount: 300, debt: 0 });
      expect(pending()).toEqual([["points_reversed", 300]]);
    });
  });
});
