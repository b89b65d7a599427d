import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, test } from "vitest";
import { applyPosting } from "#durable-objects/wallet/index";
import { eventId, sendEvents } from "./events-client";
import { balances, eventually, uniqueUser, userGet, walletStub } from "./helpers";
import { publishRuleSet, referralCode, sendAccepted } from "./referral-helpers";

/**
 * Referral money after qualification, end to end (docs/referrals.md, "After qualification"):
 * through the real events worker into the referee's wallet and, by its referral-reward sync,
 * the referrer's. The bonuses move from referral_bonus to confirmed when the campaign's
 * conditions hold (at once by default, at the account-age date, on the qualifying event's
 * confirmation); a refund or chargeback of the qualifying event takes them back from both
 * parties (visible debt when already spent), a partial refund proportionally when the campaign
 * says so; a chargeback the member wins gives them back.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const rule = (id: string, eventTypes: string[], conditions: unknown[], effect: object) => ({
  id,
  name: id,
  eventTypes,
  conditions: { all: [{ attr: "referral.state", op: "eq", value: "signed_up" }, ...conditions] },
  effects: [
    {
      kind: "referral_reward",
      programId: "default",
      referrer: { amountMinor: 1_000, currency: "INR" },
      referee: { amountMinor: 500, currency: "INR" },
      ...effect,
    },
  ],
  priority: 10,
  group: "base",
  active: true,
});

const between = (fromMinor: number, toMinor: number) => [
  { attr: "event.amountMinor", op: "gte", value: fromMinor },
  { attr: "event.amountMinor", op: "lt", value: toMinor },
];

/** Campaigns told apart by the deposit's amount (one live rule set for the whole file). */
const RULES = [
  // Defaults: confirmed at once, a partial refund keeps the bonuses.
  rule("ref-default", ["deposit.completed"], between(10_000, 20_000), {}),
  rule("ref-proportional", ["deposit.completed"], between(20_000, 30_000), {
    partialRefund: "proportional",
  }),
  rule("ref-age", ["deposit.completed"], between(30_000, 40_000), { minAccountAgeDays: 7 }),
  rule("ref-await", ["purchase.completed"], between(10_000, 1_000_000), {
    awaitEventConfirmation: true,
  }),
  rule("ref-points", ["bill.paid"], between(10_000, 1_000_000), {
    referrer: { points: 300 },
    referee: { points: 100 },
  }),
];

beforeAll(async () => {
  await publishRuleSet(
    {
      timeZone: "Asia/Kolkata",
      groups: [{ name: "base", mode: "stackable" }],
      rules: RULES,
    },
    "referral money test",
  );
});

const at = (ms: number) => new Date(ms).toISOString();

/**
 * A referrer and a referee who signed up with their code an hour ago and then made the
 * qualifying event (`type`, `amountMinor`) 50 minutes ago, rewarded once.
 */
async function rewardedPair(label: string, type: string, amountMinor: number) {
  const referrer = uniqueUser(`${label}-rr`);
  const referee = uniqueUser(`${label}-re`);
  const code = await referralCode(referrer);
  const t0 = Date.now() - 60 * MINUTE_MS;
  await sendAccepted({
    id: eventId("su"),
    type: "user.signed_up",
    userId: referee,
    occurredAt: at(t0),
    data: { displayName: "Ravi", referralCode: code },
  });
  const qualifying = {
    id: eventId("q"),
    type,
    userId: referee,
    occurredAt: at(t0 + 10 * MINUTE_MS),
    data: {
      amountMinor,
      currency: "INR",
      ...(type === "purchase.completed" ? { orderId: eventId("o") } : {}),
    },
  };
  await sendAccepted(qualifying);
  const record = await eventually(async () => {
    const r = await walletStub(referee).getReferral();
    return r?.referral.state === "rewarded" ? r : null;
  });
  expect(record.terms?.eventId).toBe(qualifying.id);
  return {
    referrer,
    referee,
    qualifying,
    referralId: `ref_${referee}`,
    /** An event after the qualifying one, `minutes` after the signup. */
    follow: (followType: string, data: object, minutes: number) => ({
      id: eventId(followType.split(".")[0] ?? "f"),
      type: followType,
      userId: referee,
      occurredAt: at(t0 + minutes * MINUTE_MS),
      data: { originalEventId: qualifying.id, ...data },
    }),
  };
}

/** The money buckets of one user, zeros left out. */
async function money(userId: string): Promise<Record<string, number>> {
  const all = await balances(userId);
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== 0));
}

/** Waits until the referrer's wallet holds `want` (its operations arrive by RPC). */
async function referrerHolds(userId: string, want: Record<string, number>) {
  await eventually(async () => JSON.stringify(await money(userId)) === JSON.stringify(want));
  expect(await money(userId)).toEqual(want);
}

async function audited(...users: string[]) {
  for (const user of users) {
    expect(await walletStub(user).audit()).toEqual({ ok: true, violations: [] });
  }
}

/** Keys of one user's ledger postings for a referral, oldest first. */
async function referralPostings(userId: string, referralId: string): Promise<string[]> {
  const entries = await walletStub(userId).listLedger(null, 200);
  const keys = entries
    .filter((e) => e.idempotencyKey.startsWith(`referral:${referralId}:`))
    .sort((a, b) => a.seq - b.seq)
    .map((e) => e.idempotencyKey.replace(/#\d+$/, ""));
  return [...new Set(keys)];
}

describe("confirmation", () => {
  test("with the defaults both bonuses are confirmed at once", async () => {
    const p = await rewardedPair("conf-now", "deposit.completed", 15_000);
    expect(await money(p.referee)).toEqual({ confirmed: 500 });
    await referrerHolds(p.referrer, { confirmed: 1_000 });
    expect(await referralPostings(p.referee, p.referralId)).toEqual([
      `referral:${p.referralId}:referee`,
      `referral:${p.referralId}:referee:confirm`,
    ]);
    expect(await referralPostings(p.referrer, p.referralId)).toEqual([
      `referral:${p.referralId}:referrer`,
      `referral:${p.referralId}:referrer:confirm`,
    ]);
    const record = await walletStub(p.referee).getReferral();
    expect(record?.terms?.confirmedAtMs).not.toBeNull();
    expect(record?.referrerOperations.map((o) => [o.operation.kind, o.status])).toEqual([
      ["confirm", "delivered"],
    ]);
    await audited(p.referee, p.referrer);
  });

  test("a minimum account age keeps both bonuses in referral_bonus until the date, then confirms them once", async () => {
    const p = await rewardedPair("conf-age", "deposit.completed", 35_000);
    expect(await money(p.referee)).toEqual({ referral_bonus: 500 });
    await referrerHolds(p.referrer, { referral_bonus: 1_000 });
    // Six days on: not yet.
    await walletStub(p.referee).runDue(Date.now() + 6 * DAY_MS);
    expect(await money(p.referee)).toEqual({ referral_bonus: 500 });
    // Past the seventh day (counted from the signup): both confirmed, the referrer's by RPC.
    await walletStub(p.referee).runDue(Date.now() + 7 * DAY_MS);
    expect(await money(p.referee)).toEqual({ confirmed: 500 });
    await referrerHolds(p.referrer, { confirmed: 1_000 });
    // Running the schedule again changes nothing.
    await walletStub(p.referee).runDue(Date.now() + 8 * DAY_MS);
    expect(await money(p.referee)).toEqual({ confirmed: 500 });
    await referrerHolds(p.referrer, { confirmed: 1_000 });
    await audited(p.referee, p.referrer);
  });

  test("awaiting the event's confirmation: a purchase.confirmed naming the qualifying purchase confirms both", async () => {
    const p = await rewardedPair("conf-await", "purchase.completed", 50_000);
    await walletStub(p.referee).runDue(Date.now() + 400 * DAY_MS);
    expect(await money(p.referee)).toEqual({ referral_bonus: 500 });
    await referrerHolds(p.referrer, { referral_bonus: 1_000 });
    await sendAccepted(p.follow("purchase.confirmed", {}, 20));
    expect(await money(p.referee)).toEqual({ confirmed: 500 });
    await referrerHolds(p.referrer, { confirmed: 1_000 });
    await audited(p.referee, p.referrer);
  });
});

describe("reversals", () => {
  test("a refund after the reward reverses both once; 10 redeliveries change nothing", async () => {
    const p = await rewardedPair("rev-refund", "deposit.completed", 15_000);
    await referrerHolds(p.referrer, { confirmed: 1_000 });
    const refund = p.follow("refund.completed", { amountMinor: 15_000, currency: "INR" }, 20);
    await sendAccepted(refund);
    const again = await Promise.all(Array.from({ length: 10 }, () => sendEvents(refund)));
    expect(again.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(await money(p.referee)).toEqual({});
    await referrerHolds(p.referrer, {});
    const record = await walletStub(p.referee).getReferral();
    expect(record?.referral.state).toBe("reversed");
    expect(record?.history.at(-1)).toMatchObject({
      fromState: "rewarded",
      state: "reversed",
      reason: "refund_reversed",
      eventId: refund.id,
    });
    for (const [user, party] of [
      [p.referee, "referee"],
      [p.referrer, "referrer"],
    ] as const) {
      expect(await referralPostings(user, p.referralId)).toEqual([
        `referral:${p.referralId}:${party}`,
        `referral:${p.referralId}:${party}:confirm`,
        `referral:${p.referralId}:${party}:reverse:${refund.id}`,
      ]);
    }
    // The referrer's view no longer counts it as earned.
    const earned = await eventually(async () => {
      const body = (await (await userGet(p.referrer, "/v1/me/referrals")).json()) as {
        friends: Array<{ state: string }>;
        earned: { money: unknown[] };
      };
      return body.friends[0]?.state === "reversed" ? body.earned : null;
    });
    expect(earned.money).toEqual([]);
    await audited(p.referee, p.referrer);
  });

  test("a refund after the bonus was redeemed leaves visible debt, never a negative balance", async () => {
    const p = await rewardedPair("rev-debt", "deposit.completed", 15_000);
    await referrerHolds(p.referrer, { confirmed: 1_000 });
    // The referee redeems the 500 (payouts move confirmed → paid_out).
    await runInDurableObject(walletStub(p.referee), (_i, state) =>
      state.storage.transactionSync(() =>
        applyPosting(
          state.storage.sql,
          {
            key: "test-payout-ref",
            kind: "payout",
            txnId: null,
            legs: [
              { bucket: "confirmed", currency: "INR", amountMinor: -500 },
              { bucket: "paid_out", currency: "INR", amountMinor: 500 },
            ],
          },
          Date.now(),
        ),
      ),
    );
    await sendAccepted(p.follow("refund.completed", { amountMinor: 15_000, currency: "INR" }, 20));
    expect(await money(p.referee)).toEqual({ paid_out: 500, debt: 500 });
    await referrerHolds(p.referrer, {});
    await audited(p.referee, p.referrer);
  });

  test("a partial refund keeps the bonuses by default; a proportional campaign takes its share", async () => {
    const kept = await rewardedPair("rev-keep", "deposit.completed", 15_000);
    await sendAccepted(
      kept.follow("refund.completed", { amountMinor: 5_000, currency: "INR" }, 20),
    );
    expect(await money(kept.referee)).toEqual({ confirmed: 500 });
    await referrerHolds(kept.referrer, { confirmed: 1_000 });
    expect((await walletStub(kept.referee).getReferral())?.referral.state).toBe("rewarded");

    // 25,000 deposited, 5,000 refunded: a fifth of each bonus, then the rest completes it.
    const p = await rewardedPair("rev-prop", "deposit.completed", 25_000);
    const first = p.follow("refund.completed", { amountMinor: 5_000, currency: "INR" }, 20);
    await sendAccepted(first);
    expect(await money(p.referee)).toEqual({ confirmed: 400 });
    await referrerHolds(p.referrer, { confirmed: 800 });
    const record = await walletStub(p.referee).getReferral();
    expect(record?.referral.state).toBe("rewarded");
    expect(record?.history.at(-1)).toMatchObject({
      fromState: "rewarded",
      state: "rewarded",
      reason: "refund_partially_reversed",
      eventId: first.id,
    });
    await sendAccepted(p.follow("refund.completed", { amountMinor: 20_000, currency: "INR" }, 30));
    expect(await money(p.referee)).toEqual({});
    await referrerHolds(p.referrer, {});
    expect((await walletStub(p.referee).getReferral())?.referral.state).toBe("reversed");
    await audited(kept.referee, kept.referrer, p.referee, p.referrer);
  });

  test("a chargeback reverses both; resolved for the member, both bonuses come back and the referral is rewarded again", async () => {
    const p = await rewardedPair("rev-cb", "deposit.completed", 35_000);
    await referrerHolds(p.referrer, { referral_bonus: 1_000 });
    const chargeback = p.follow("chargeback.created", {}, 20);
    await sendAccepted(chargeback);
    expect(await money(p.referee)).toEqual({});
    await referrerHolds(p.referrer, {});
    expect((await walletStub(p.referee).getReferral())?.referral.state).toBe("reversed");
    // Confirmation is not due while reversed, even past the account age.
    await walletStub(p.referee).runDue(Date.now() + 8 * DAY_MS);
    expect(await money(p.referee)).toEqual({});

    const won = p.follow("chargeback.resolved", { outcome: "user_won" }, 30);
    await sendAccepted(won);
    const record = await walletStub(p.referee).getReferral();
    expect(record?.referral.state).toBe("rewarded");
    expect(record?.history.slice(-2).map((h) => [h.state, h.reason, h.eventId])).toEqual([
      ["reversed", "chargeback_reversed", chargeback.id],
      ["rewarded", "chargeback_won", won.id],
    ]);
    // Given back where they were taken from (referral_bonus: the account is not 7 days old).
    expect(await money(p.referee)).toEqual({ referral_bonus: 500 });
    await referrerHolds(p.referrer, { referral_bonus: 1_000 });
    // And at the account-age date, confirmed.
    await walletStub(p.referee).runDue(Date.now() + 8 * DAY_MS);
    expect(await money(p.referee)).toEqual({ confirmed: 500 });
    await referrerHolds(p.referrer, { confirmed: 1_000 });
    expect(
      (await walletStub(p.referee).getReferral())?.referrerOperations.map((o) => [
        o.operation.kind,
        o.status,
      ]),
    ).toEqual([
      ["reverse", "delivered"],
      ["restore", "delivered"],
      ["confirm", "delivered"],
    ]);
    await audited(p.referee, p.referrer);
  });

  // BUG-SIM-5 (docs/testing.md): the refund used to find nothing held and take nothing, and
  // the won dispute gave back all the chargeback took (500 and 1,000: the refunded share kept).
  test("a refund while the chargeback is open is final: the won dispute gives back only the rest, on both sides", async () => {
    // 25,000 deposited (proportional): charged back, a fifth refunded meanwhile, then won.
    const p = await rewardedPair("rev-cb-refund", "deposit.completed", 25_000);
    await referrerHolds(p.referrer, { confirmed: 1_000 });
    const chargeback = p.follow("chargeback.created", {}, 20);
    await sendAccepted(chargeback);
    await referrerHolds(p.referrer, {});
    const refund = p.follow("refund.completed", { amountMinor: 5_000, currency: "INR" }, 25);
    await sendAccepted(refund);
    const again = await Promise.all(Array.from({ length: 5 }, () => sendEvents(refund)));
    expect(again.map((r) => r.status)).toEqual(Array(5).fill(200));
    // Already taken by the chargeback: nothing more to take, nothing posted.
    expect(await money(p.referee)).toEqual({});
    const won = p.follow("chargeback.resolved", { outcome: "user_won" }, 30);
    await sendAccepted(won);
    await sendEvents(won);
    expect(await money(p.referee)).toEqual({ confirmed: 400 });
    await referrerHolds(p.referrer, { confirmed: 800 });
    const record = await walletStub(p.referee).getReferral();
    expect(record?.referral.state).toBe("rewarded");
    expect(record?.rewards.map((r) => [r.party, r.taken])).toEqual(
      expect.arrayContaining([
        ["referee", 100],
        ["referrer", 200],
      ]),
    );
    // The referrer's refund names the chargeback; the chargeback's expected take is lowered.
    await eventually(async () =>
      (await walletStub(p.referee).getReferral())?.referrerOperations.every(
        (o) => o.status === "delivered",
      ),
    );
    const ops = (await walletStub(p.referee).getReferral())?.referrerOperations ?? [];
    expect(ops.map((o) => [o.operation.kind, o.amount])).toEqual([
      ["confirm", null],
      ["reverse", 800],
      ["reverse", 200],
      ["restore", null],
    ]);
    expect(ops[2]?.operation).toMatchObject({
      causeEventId: refund.id,
      takeOfEventId: chargeback.id,
    });
    for (const [user, party] of [
      [p.referee, "referee"],
      [p.referrer, "referrer"],
    ] as const) {
      expect(await referralPostings(user, p.referralId)).toEqual([
        `referral:${p.referralId}:${party}`,
        `referral:${p.referralId}:${party}:confirm`,
        `referral:${p.referralId}:${party}:reverse:${chargeback.id}`,
        `referral:${p.referralId}:${party}:restore:${won.id}`,
      ]);
    }
    await audited(p.referee, p.referrer);

    // Refunded in whole while the chargeback is open: the win gives nothing back, and the
    // referral stays reversed.
    const whole = await rewardedPair("rev-cb-refund-all", "deposit.completed", 25_000);
    await referrerHolds(whole.referrer, { confirmed: 1_000 });
    await sendAccepted(whole.follow("chargeback.created", {}, 20));
    await sendAccepted(
      whole.follow("refund.completed", { amountMinor: 25_000, currency: "INR" }, 25),
    );
    await sendAccepted(whole.follow("chargeback.resolved", { outcome: "user_won" }, 30));
    await eventually(async () =>
      (await walletStub(whole.referee).getReferral())?.referrerOperations.every(
        (o) => o.status === "delivered",
      ),
    );
    expect(await money(whole.referee)).toEqual({});
    await referrerHolds(whole.referrer, {});
    expect((await walletStub(whole.referee).getReferral())?.referral.state).toBe("reversed");
    await audited(whole.referee, whole.referrer);
  });

  test("a signup processed after the deposit and its full refund ends as in order: rewarded, then reversed", async () => {
    const referrer = uniqueUser("rev-late-rr");
    const referee = uniqueUser("rev-late-re");
    const code = await referralCode(referrer);
    const t0 = Date.now() - 60 * MINUTE_MS;
    const dep = {
      id: eventId("dep"),
      type: "deposit.completed",
      userId: referee,
      occurredAt: at(t0 + 10 * MINUTE_MS),
      data: { amountMinor: 15_000, currency: "INR" },
    };
    const refund = {
      id: eventId("rf"),
      type: "refund.completed",
      userId: referee,
      occurredAt: at(t0 + 20 * MINUTE_MS),
      data: { originalEventId: dep.id, amountMinor: 15_000, currency: "INR" },
    };
    await sendAccepted(dep);
    await sendAccepted(refund);
    expect(await walletStub(referee).getReferral()).toBeNull();
    await sendAccepted({
      id: eventId("su"),
      type: "user.signed_up",
      userId: referee,
      occurredAt: at(t0),
      data: { displayName: "Ravi", referralCode: code },
    });
    const record = await walletStub(referee).getReferral();
    expect(record?.referral.state).toBe("reversed");
    expect(record?.history.map((h) => [h.state, h.reason, h.eventId])).toEqual([
      ["signed_up", "code_at_signup", record?.referral.signupEventId],
      ["qualified", "qualifying_event", dep.id],
      ["reversed", "refund_reversed", refund.id],
    ]);
    expect(await money(referee)).toEqual({});
    // The referrer was credited, confirmed and reversed, in that order: nothing left.
    await eventually(async () =>
      (await walletStub(referee).getReferral())?.referrerOperations.every(
        (o) => o.status === "delivered",
      ),
    );
    await referrerHolds(referrer, {});
    expect(await referralPostings(referrer, `ref_${referee}`)).toEqual([
      `referral:ref_${referee}:referrer`,
      `referral:ref_${referee}:referrer:confirm`,
      `referral:ref_${referee}:referrer:reverse:${refund.id}`,
    ]);
    await audited(referee, referrer);
  });

  test("a signup processed after the deposit, its chargeback and the member's win ends rewarded with both bonuses back", async () => {
    const referrer = uniqueUser("rev-late-cb-rr");
    const referee = uniqueUser("rev-late-cb-re");
    const code = await referralCode(referrer);
    const t0 = Date.now() - 60 * MINUTE_MS;
    const follow = (type: string, data: object, minutes: number, original: string) => ({
      id: eventId(type.split(".")[0] ?? "f"),
      type,
      userId: referee,
      occurredAt: at(t0 + minutes * MINUTE_MS),
      data: { originalEventId: original, ...data },
    });
    const dep = {
      id: eventId("dep"),
      type: "deposit.completed",
      userId: referee,
      occurredAt: at(t0 + 10 * MINUTE_MS),
      data: { amountMinor: 15_000, currency: "INR" },
    };
    const chargeback = follow("chargeback.created", {}, 20, dep.id);
    const won = follow("chargeback.resolved", { outcome: "user_won" }, 30, dep.id);
    for (const event of [dep, chargeback, won]) await sendAccepted(event);
    await sendAccepted({
      id: eventId("su"),
      type: "user.signed_up",
      userId: referee,
      occurredAt: at(t0),
      data: { displayName: "Ravi", referralCode: code },
    });
    const record = await eventually(async () => {
      const r = await walletStub(referee).getReferral();
      return r?.referral.state === "rewarded" ? r : null;
    });
    // The win was replayed while the referrer's credit was still owed: `qualified` again, and
    // `rewarded` once that credit landed (never while a party's reward is on its way).
    expect(record.history.map((h) => [h.state, h.reason, h.eventId])).toEqual([
      ["signed_up", "code_at_signup", record.referral.signupEventId],
      ["qualified", "qualifying_event", dep.id],
      ["reversed", "chargeback_reversed", chargeback.id],
      ["qualified", "chargeback_won", won.id],
      ["rewarded", "reward_credited", dep.id],
    ]);
    expect(await money(referee)).toEqual({ confirmed: 500 });
    await referrerHolds(referrer, { confirmed: 1_000 });
    expect(await referralPostings(referrer, `ref_${referee}`)).toEqual([
      `referral:ref_${referee}:referrer`,
      `referral:ref_${referee}:referrer:confirm`,
      `referral:ref_${referee}:referrer:reverse:${chargeback.id}`,
      `referral:ref_${referee}:referrer:restore:${won.id}`,
    ]);
    await audited(referee, referrer);
  });

  test("the referrer's operations wait behind a credit their wallet has not taken", async () => {
    const referrer = uniqueUser("rev-wait-rr");
    const referee = uniqueUser("rev-wait-re");
    const code = await referralCode(referrer);
    // The referrer's key already holds another amount: the credit is refused and retried.
    const taken = await walletStub(referrer).creditReferralReward(referrer, {
      referralId: `ref_${referee}`,
      party: "referrer",
      ruleId: "other",
      ruleVersion: 1,
      eventId: "x",
      occurredAtMs: Date.now(),
      reward: { amountMinor: 7, currency: "INR" },
    });
    expect(taken.status).toBe("created");
    const t0 = Date.now() - 60 * MINUTE_MS;
    await sendAccepted({
      id: eventId("su"),
      type: "user.signed_up",
      userId: referee,
      occurredAt: at(t0),
      data: { displayName: "Ravi", referralCode: code },
    });
    const dep = {
      id: eventId("dep"),
      type: "deposit.completed",
      userId: referee,
      occurredAt: at(t0 + 10 * MINUTE_MS),
      data: { amountMinor: 15_000, currency: "INR" },
    };
    await sendAccepted(dep);
    await sendAccepted({
      id: eventId("rf"),
      type: "refund.completed",
      userId: referee,
      occurredAt: at(t0 + 20 * MINUTE_MS),
      data: { originalEventId: dep.id, amountMinor: 15_000, currency: "INR" },
    });
    const record = await walletStub(referee).getReferral();
    expect(record?.referral.state).toBe("reversed");
    expect(record?.rewards.find((r) => r.party === "referrer")?.status).toBe("owed");
    // Confirm and reverse are owed, in order, and nothing reached the referrer's wallet.
    expect(record?.referrerOperations.map((o) => [o.operation.kind, o.status])).toEqual([
      ["confirm", "owed"],
      ["reverse", "owed"],
    ]);
    expect(await money(referrer)).toEqual({ referral_bonus: 7 });
    expect(await money(referee)).toEqual({});
    await audited(referee, referrer);
  });

  test("points bonuses: a full refund takes them back from both parties", async () => {
    const p = await rewardedPair("rev-points", "bill.paid", 20_000);
    expect((await walletStub(p.referee).getPointsBalance()).activePoints).toBe(100);
    await eventually(
      async () => (await walletStub(p.referrer).getPointsBalance()).activePoints === 300,
    );
    await sendAccepted(p.follow("refund.completed", { amountMinor: 20_000, currency: "INR" }, 20));
    expect(await walletStub(p.referee).getPointsBalance()).toMatchObject({ activePoints: 0 });
    await eventually(
      async () => (await walletStub(p.referrer).getPointsBalance()).activePoints === 0,
    );
    expect((await walletStub(p.referee).getReferral())?.referral.state).toBe("reversed");
    await audited(p.referee, p.referrer);
  });
});
