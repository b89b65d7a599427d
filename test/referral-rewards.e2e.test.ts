import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, test } from "vitest";
import { eventId, sendEvents } from "./events-client";
import { balances, eventually, uniqueUser, userGet, walletStub } from "./helpers";
import { publishRuleSet, referralCode, sendAccepted } from "./referral-helpers";

/**
 * Referral rewards, end to end (docs/referrals.md, "Rewards"): the operator publishes a
 * referral campaign as a rule (`referral_reward` with what each party gets); a referee's
 * qualifying event goes through the real events worker into their wallet, which qualifies the
 * referral, credits the referee's referral bonus, and delivers the referrer's to the
 * referrer's wallet — each once, however often and in whatever order the events arrive.
 */

const MINUTE_MS = 60_000;

const rule = (id: string, eventTypes: string[], conditions: unknown[], effect: object) => ({
  id,
  name: id,
  eventTypes,
  conditions: { all: conditions },
  effects: [{ kind: "referral_reward", ...effect }],
  priority: 10,
  group: "base",
  active: true,
});

/**
 * A deposit of at least 50,000 while the referral is signed up: 1,000 to the referrer, 500 to
 * the referee, confirmed once the referee's account is 30 days old.
 */
const DEPOSIT = rule(
  "ref-deposit",
  ["deposit.completed"],
  [
    { attr: "referral.state", op: "eq", value: "signed_up" },
    { attr: "event.amountMinor", op: "gte", value: 50_000 },
  ],
  {
    programId: "default",
    referrer: { amountMinor: 1_000, currency: "INR" },
    referee: { amountMinor: 500, currency: "INR" },
    // The bonuses stay in referral_bonus for these tests (confirmation: referral-money.e2e).
    minAccountAgeDays: 30,
  },
);
/** The first purchase ever, of at least 50,000: points to both. */
const FIRST_PURCHASE = rule(
  "ref-first-purchase",
  ["purchase.completed"],
  [
    { attr: "referral.state", op: "eq", value: "signed_up" },
    { attr: "context.firstOfKindEver", op: "eq", value: true },
    { attr: "event.amountMinor", op: "gte", value: 50_000 },
  ],
  { referrer: { points: 300 }, referee: { points: 100 } },
);

let version = 0;
beforeAll(async () => {
  version = await publishRuleSet(
    {
      timeZone: "Asia/Kolkata",
      groups: [{ name: "base", mode: "stackable" }],
      rules: [DEPOSIT, FIRST_PURCHASE],
    },
    "referral rewards test",
  );
});

const signup = (userId: string, code: string, atMs: number) => ({
  id: eventId("su"),
  type: "user.signed_up",
  userId,
  occurredAt: new Date(atMs).toISOString(),
  data: { displayName: "Ravi", referralCode: code },
});

const deposit = (userId: string, amountMinor: number, atMs: number, id = eventId("dep")) => ({
  id,
  type: "deposit.completed",
  userId,
  occurredAt: new Date(atMs).toISOString(),
  data: { amountMinor, currency: "INR" },
});

/** A referrer, a referee who signs up with the referrer's code `minutes` ago, and the time. */
async function pair(label: string) {
  const referrer = uniqueUser(`${label}-rr`);
  const referee = uniqueUser(`${label}-re`);
  const code = await referralCode(referrer);
  const signedUpAtMs = Date.now() - 30 * MINUTE_MS;
  return { referrer, referee, code, signedUpAtMs };
}

function referralBonus(userId: string) {
  return balances(userId).then((b) => b.referral_bonus ?? 0);
}

async function expectRewardedOnce(referrer: string, referee: string, qualifyingEventId: string) {
  const referralId = `ref_${referee}`;
  expect(await referralBonus(referee)).toBe(500);
  expect(await eventually(async () => (await referralBonus(referrer)) === 1_000)).toBe(true);
  const record = await walletStub(referee).getReferral();
  expect(record?.referral.state).toBe("rewarded");
  expect(record?.history.map((h) => [h.fromState, h.state, h.reason, h.eventId])).toEqual([
    [null, "signed_up", "code_at_signup", record?.referral.signupEventId],
    ["signed_up", "qualified", "qualifying_event", qualifyingEventId],
    ["qualified", "rewarded", "reward_credited", qualifyingEventId],
  ]);
  expect(record?.rewards.map((r) => [r.party, r.status, r.reward])).toEqual([
    ["referee", "posted", { amountMinor: 500, currency: "INR" }],
    ["referrer", "delivered", { amountMinor: 1_000, currency: "INR" }],
  ]);
  // One entry each, keyed by the referral and the party, naming the rule and its version.
  for (const [user, party, amount] of [
    [referee, "referee", 500],
    [referrer, "referrer", 1_000],
  ] as const) {
    const entries = (await walletStub(user).listLedger(null, 50)).filter(
      (e) => e.bucket === "referral_bonus",
    );
    expect(entries).toEqual([
      expect.objectContaining({
        idempotencyKey: `referral:${referralId}:${party}#0`,
        amountMinor: amount,
        currency: "INR",
        kind: "referral_bonus",
        ruleId: "ref-deposit",
        ruleVersion: version,
      }),
    ]);
    expect(await walletStub(user).audit()).toEqual({ ok: true, violations: [] });
  }
}

describe("referral rewards", () => {
  test("a signup with a code, then a qualifying deposit: both parties rewarded, the referral rewarded", async () => {
    const { referrer, referee, code, signedUpAtMs } = await pair("basic");
    await sendAccepted(signup(referee, code, signedUpAtMs));
    const dep = deposit(referee, 60_000, signedUpAtMs + MINUTE_MS);
    await sendAccepted(dep);
    await expectRewardedOnce(referrer, referee, dep.id);

    // The projection and the referrer's view show it.
    const row = await eventually(() =>
      env.DB.prepare(`SELECT state FROM referrals WHERE referee_id = ? AND state = 'rewarded'`)
        .bind(referee)
        .first<{ state: string }>(),
    );
    expect(row.state).toBe("rewarded");
    const mine = (await (await userGet(referrer, "/v1/me/referrals")).json()) as {
      friends: Array<{ state: string; reason: string }>;
      counts: { rewarded: number };
      earned: unknown;
    };
    expect(mine.friends[0]).toMatchObject({ state: "rewarded", reason: "reward_credited" });
    expect(mine.counts.rewarded).toBe(1);
    expect(mine.earned).toEqual({ money: [{ currency: "INR", amountMinor: 1_000 }], points: 0 });

    // A second qualifying deposit rewards nothing more.
    await sendAccepted(deposit(referee, 90_000, signedUpAtMs + 2 * MINUTE_MS));
    await expectRewardedOnce(referrer, referee, dep.id);
  });

  test("20 concurrent deliveries of the same deposit reward each party once", async () => {
    const { referrer, referee, code, signedUpAtMs } = await pair("conc");
    await sendAccepted(signup(referee, code, signedUpAtMs));
    const dep = deposit(referee, 60_000, signedUpAtMs + MINUTE_MS);
    const responses = await Promise.all(Array.from({ length: 20 }, () => sendEvents(dep)));
    // Accepted once; the others are duplicates (200).
    expect(responses.map((r) => r.status).sort()).toEqual([...Array(19).fill(200), 202]);
    await expectRewardedOnce(referrer, referee, dep.id);
  });

  test("a deposit delivered before the signup event ends in the same state", async () => {
    const { referrer, referee, code, signedUpAtMs } = await pair("late");
    const dep = deposit(referee, 60_000, signedUpAtMs + MINUTE_MS);
    await sendAccepted(dep);
    expect(await walletStub(referee).getReferral()).toBeNull();
    await sendAccepted(signup(referee, code, signedUpAtMs));
    await expectRewardedOnce(referrer, referee, dep.id);
    // And the deposit again, later still, is a duplicate that changes nothing.
    expect((await sendEvents(dep)).status).toBe(200);
    await expectRewardedOnce(referrer, referee, dep.id);
  });

  test("a deposit below the minimum does not qualify; a later one above does", async () => {
    const { referrer, referee, code, signedUpAtMs } = await pair("min");
    await sendAccepted(signup(referee, code, signedUpAtMs));
    await sendAccepted(deposit(referee, 49_999, signedUpAtMs + MINUTE_MS));
    expect((await walletStub(referee).getReferral())?.referral.state).toBe("signed_up");
    expect(await referralBonus(referee)).toBe(0);
    expect(await referralBonus(referrer)).toBe(0);
    const big = deposit(referee, 50_000, signedUpAtMs + 2 * MINUTE_MS);
    await sendAccepted(big);
    await expectRewardedOnce(referrer, referee, big.id);
  });

  test("points rewards, and only the first purchase ever can qualify", async () => {
    const { referrer, referee, code, signedUpAtMs } = await pair("points");
    await sendAccepted(signup(referee, code, signedUpAtMs));
    const purchase = (amountMinor: number, minutes: number) => ({
      id: eventId("buy"),
      type: "purchase.completed",
      userId: referee,
      occurredAt: new Date(signedUpAtMs + minutes * MINUTE_MS).toISOString(),
      data: { amountMinor, currency: "INR", orderId: eventId("o") },
    });
    await sendAccepted(purchase(10_000, 1));
    await sendAccepted(purchase(80_000, 2));
    // The big purchase was not the first: nothing qualifies.
    expect((await walletStub(referee).getReferral())?.referral.state).toBe("signed_up");
    expect((await walletStub(referrer).getPointsBalance()).activePoints).toBe(0);

    const other = await pair("points2");
    await sendAccepted(signup(other.referee, other.code, other.signedUpAtMs));
    const first = { ...purchase(80_000, 1), userId: other.referee };
    first.occurredAt = new Date(other.signedUpAtMs + MINUTE_MS).toISOString();
    await sendAccepted(first);
    const record = await eventually(async () => {
      const r = await walletStub(other.referee).getReferral();
      return r?.referral.state === "rewarded" ? r : null;
    });
    expect(record.rewards.map((r) => [r.party, r.status, r.reward])).toEqual([
      ["referee", "posted", { points: 100 }],
      ["referrer", "delivered", { points: 300 }],
    ]);
    expect((await walletStub(other.referee).getPointsBalance()).activePoints).toBe(100);
    expect((await walletStub(other.referrer).getPointsBalance()).activePoints).toBe(300);
    const earned = await eventually(async () => {
      const body = (await (await userGet(other.referrer, "/v1/me/referrals")).json()) as {
        earned: { money: unknown[]; points: number };
      };
      return body.earned.points > 0 ? body.earned : null;
    });
    expect(earned).toEqual({ money: [], points: 300 });
    for (const user of [other.referee, other.referrer]) {
      expect(await walletStub(user).audit()).toEqual({ ok: true, violations: [] });
    }
  });

  test("a referrer's wallet that refuses the credit leaves the reward owed and the referral qualified, to be retried", async () => {
    const { referrer, referee, code, signedUpAtMs } = await pair("refused");
    // The referrer's key already holds another amount (cannot happen from a rule; it stands
    // in for a referrer's wallet that fails).
    const taken = await walletStub(referrer).creditReferralReward(referrer, {
      referralId: `ref_${referee}`,
      party: "referrer",
      ruleId: "other",
      ruleVersion: 1,
      eventId: "x",
      occurredAtMs: signedUpAtMs,
      reward: { amountMinor: 7, currency: "INR" },
    });
    expect(taken.status).toBe("created");
    await sendAccepted(signup(referee, code, signedUpAtMs));
    await sendAccepted(deposit(referee, 60_000, signedUpAtMs + MINUTE_MS));
    const record = await walletStub(referee).getReferral();
    expect(record?.referral.state).toBe("qualified");
    expect(record?.rewards.map((r) => [r.party, r.status])).toEqual([
      ["referee", "posted"],
      ["referrer", "owed"],
    ]);
    expect(record?.rewards[1]?.attempts).toBeGreaterThanOrEqual(1);
    expect(await referralBonus(referee)).toBe(500);
    expect(await referralBonus(referrer)).toBe(7);
    for (const user of [referee, referrer]) {
      expect(await walletStub(user).audit()).toEqual({ ok: true, violations: [] });
    }
  });
});
