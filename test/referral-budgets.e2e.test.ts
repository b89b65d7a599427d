import { beforeAll, describe, expect, test } from "vitest";
import { eventId, sendEvents } from "./events-client";
import { ADMIN_HEADERS, api, eventually, uniqueUser, userGet, walletStub } from "./helpers";
import { bonusHeldMinor, publishRuleSet, referralCode, sendAccepted } from "./referral-helpers";

/**
 * Rule budgets on referral rewards, end to end (docs/referrals.md, "Budgets"): the referrer's
 * reward draws on the referral rule's budgets in the referrer's wallet at credit time, with
 * the wallet's one grant/release protocol — exact however many referees qualify at once,
 * reduced or refused (`referral_budget_exhausted`) when the budget is spent, given back by a
 * refund, and never drawn twice by a redelivery — through the real events and api workers.
 */

const MINUTE_MS = 60_000;
const INR = (amountMinor: number) => ({ amountMinor, currency: "INR" });

const rule = (id: string, eventTypes: string[], budgets: object[], extra: object = {}) => ({
  id,
  name: id,
  eventTypes,
  conditions: { all: [{ attr: "referral.state", op: "eq", value: "signed_up" }] },
  effects: [{ kind: "referral_reward", referrer: INR(1_000) }],
  priority: 10,
  group: "base",
  budgets,
  active: true,
  ...extra,
});

/** Bill payments: 1,000 to the referrer, 3,000 for the whole campaign. */
const CAMPAIGN = rule(
  "refb-campaign",
  ["bill.paid"],
  [{ entity: "campaign", period: "lifetime", limit: INR(3_000) }],
  { campaignId: "spring" },
);
/** Deposits: 1,000 to the referrer, 2,000 in all (the refund test's own budget). */
const REFUNDED = rule(
  "refb-refund",
  ["deposit.completed"],
  [{ entity: "global", period: "lifetime", limit: INR(2_000) }],
);
/** Purchases: 1,000 to the referrer, at most 1,500 per referrer a month. */
const PER_REFERRER = rule(
  "refb-user",
  ["purchase.completed"],
  [{ entity: "user", period: "month", limit: INR(1_500) }],
);

beforeAll(async () => {
  await publishRuleSet(
    {
      timeZone: "Asia/Kolkata",
      groups: [{ name: "base", mode: "stackable" }],
      rules: [CAMPAIGN, REFUNDED, PER_REFERRER],
    },
    "referral budgets test",
  );
});

const signup = (userId: string, code: string, atMs: number) => ({
  id: eventId("su"),
  type: "user.signed_up",
  userId,
  occurredAt: new Date(atMs).toISOString(),
  data: { displayName: "Ravi", referralCode: code },
});

const paid = (type: string, userId: string, atMs: number) => ({
  id: eventId("q"),
  type,
  userId,
  occurredAt: new Date(atMs).toISOString(),
  data: {
    amountMinor: 60_000,
    currency: "INR",
    ...(type === "purchase.completed" ? { orderId: eventId("o") } : {}),
  },
});

async function settledReferral(referee: string) {
  return eventually(async () => {
    const r = await walletStub(referee).getReferral();
    return r?.referral.state === "rewarded" ? r : null;
  });
}

async function usage(key: string) {
  const response = await api(`/admin/v1/budgets/${encodeURIComponent(key)}`, {
    headers: ADMIN_HEADERS,
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as {
    outstanding: number;
    grantedTotal: number;
    remaining: number;
  };
}

async function audited(...users: string[]) {
  for (const user of users) {
    expect(await walletStub(user).audit()).toEqual({ ok: true, violations: [] });
  }
}

/** `count` referees of one referrer sign up, then qualify all at once. */
async function referees(referrer: string, label: string, type: string, count: number) {
  const code = await referralCode(referrer);
  const signedUpAtMs = Date.now() - 30 * MINUTE_MS;
  const users = Array.from({ length: count }, (_, i) => uniqueUser(`${label}${i}`));
  for (const referee of users) await sendAccepted(signup(referee, code, signedUpAtMs));
  const events = users.map((referee) => paid(type, referee, signedUpAtMs + MINUTE_MS));
  await Promise.all(events.map(sendAccepted));
  return { users, events };
}

describe("a campaign budget on the referrer's reward", () => {
  test("5 referees qualifying at once against a budget of 3 rewards: exactly 3 paid, usage equals what was paid", async () => {
    const referrer = uniqueUser("refb-rr");
    const { users } = await referees(referrer, "refb-re", "bill.paid", 5);

    const records = await Promise.all(users.map(settledReferral));
    const reasons = records.map((r) => r.referral.reason).sort();
    expect(reasons).toEqual([
      ...Array(2).fill("referral_budget_exhausted"),
      ...Array(3).fill("reward_credited"),
    ]);
    for (const record of records) {
      const row = record.rewards.find((r) => r.party === "referrer");
      const exhausted = record.referral.reason === "referral_budget_exhausted";
      expect(row?.status).toBe(exhausted ? "capped" : "delivered");
      // Nothing credited is final: not retried.
      if (exhausted) expect(row?.attempts).toBe(0);
      // The history says why, like the monthly cap.
      expect(record.history.at(-1)).toMatchObject({
        state: "rewarded",
        reason: exhausted ? "referral_budget_exhausted" : "reward_credited",
      });
    }
    expect(await bonusHeldMinor(referrer)).toBe(3_000);
    expect(await usage("rule:refb-campaign:campaign:spring:lifetime")).toMatchObject({
      outstanding: 3_000,
      grantedTotal: 3_000,
      remaining: 0,
    });
    await audited(referrer, ...users);

    // The member view: 5 rewarded friends, 3,000 earned; the unpaid ones say why.
    const mine = await eventually(async () => {
      const body = (await (await userGet(referrer, "/v1/me/referrals")).json()) as {
        friends: Array<{ reason: string; reasonText: string }>;
        counts: { rewarded: number };
        earned: { money: Array<{ amountMinor: number }> };
      };
      return body.counts.rewarded === 5 && body.earned.money[0]?.amountMinor === 3_000
        ? body
        : null;
    });
    const exhausted = mine.friends.filter((f) => f.reason === "referral_budget_exhausted");
    expect(exhausted).toHaveLength(2);
    expect(exhausted[0]?.reasonText).toMatch(/budget/);
  });
});

describe("a per-referrer budget", () => {
  test("a user budget counts the referrer's rewards, and the last one is reduced to what remains", async () => {
    const referrer = uniqueUser("refbu-rr");
    const code = await referralCode(referrer);
    const signedUpAtMs = Date.now() - 30 * MINUTE_MS;
    const paidOut: number[] = [];
    const reasons: string[] = [];
    for (let i = 0; i < 3; i++) {
      const referee = uniqueUser(`refbu-re${i}`);
      await sendAccepted(signup(referee, code, signedUpAtMs));
      await sendAccepted(paid("purchase.completed", referee, signedUpAtMs + MINUTE_MS));
      const record = await settledReferral(referee);
      reasons.push(record.referral.reason);
      const row = record.rewards.find((r) => r.party === "referrer");
      paidOut.push(
        row?.status === "delivered" && "amountMinor" in row.reward ? row.reward.amountMinor : 0,
      );
    }
    // 1,500 a month per referrer: 1,000, then the 500 left, then nothing.
    expect(paidOut).toEqual([1_000, 500, 0]);
    expect(reasons).toEqual([
      "reward_credited",
      "referral_budget_exhausted",
      "referral_budget_exhausted",
    ]);
    expect(await bonusHeldMinor(referrer)).toBe(1_500);
    const month = new Intl.DateTimeFormat("en-CA", {
      timeZone: "Asia/Kolkata",
      year: "numeric",
      month: "2-digit",
    })
      .format(signedUpAtMs + MINUTE_MS)
      .slice(0, 7);
    // Keyed by the referrer, not by the referees whose events were evaluated.
    expect(await usage(`rule:refb-user:user:${referrer}:month:${month}`)).toMatchObject({
      outstanding: 1_500,
    });
    await audited(referrer);
  });
});

describe("reversals and redeliveries", () => {
  test("a refund gives the budget back; redeliveries and a repeated credit never draw twice", async () => {
    const referrer = uniqueUser("refbr-rr");
    const key = "rule:refb-refund:global:lifetime";
    const { users, events } = await referees(referrer, "refbr-re", "deposit.completed", 2);
    await Promise.all(users.map(settledReferral));
    expect(await bonusHeldMinor(referrer)).toBe(2_000);
    expect(await usage(key)).toMatchObject({ outstanding: 2_000, remaining: 0 });

    // Every qualifying event again, 5 times each: duplicates, nothing drawn.
    const again = await Promise.all(
      events.flatMap((e) => Array.from({ length: 5 }, () => sendEvents(e))),
    );
    expect(again.map((r) => r.status)).toEqual(Array(10).fill(200));
    // The referee's wallet's credit request repeated: the same answer, nothing drawn.
    const first = users[0] as string;
    const record = await walletStub(first).getReferral();
    const row = record?.rewards.find((r) => r.party === "referrer");
    if (!record || !row) throw new Error("no referrer reward");
    const repeat = await walletStub(referrer).creditReferralReward(referrer, {
      referralId: record.referral.referralId,
      party: "referrer",
      ruleId: row.ruleId,
      ruleVersion: row.ruleVersion,
      eventId: row.eventId,
      occurredAtMs: Date.now() - 29 * MINUTE_MS,
      reward: INR(1_000),
      terms: row.referrerTerms,
    });
    expect(repeat).toMatchObject({ status: "exists", credited: INR(1_000) });
    expect(await usage(key)).toMatchObject({ outstanding: 2_000, grantedTotal: 2_000 });
    expect(await bonusHeldMinor(referrer)).toBe(2_000);

    // The first referee's deposit is refunded: the referrer's reward is taken back, and the
    // budget holds only what the referrer still has.
    const deposit = events[0] as { id: string };
    await sendAccepted({
      id: eventId("refund"),
      type: "refund.completed",
      userId: first,
      occurredAt: new Date(Date.now() - 10 * MINUTE_MS).toISOString(),
      data: { originalEventId: deposit.id, amountMinor: 60_000, currency: "INR" },
    });
    await eventually(async () => (await bonusHeldMinor(referrer)) === 1_000);
    await eventually(async () => (await usage(key)).outstanding === 1_000);
    expect(await usage(key)).toMatchObject({ outstanding: 1_000, remaining: 1_000 });

    // What was given back pays the next referee.
    const { users: later } = await referees(referrer, "refbr-next", "deposit.completed", 1);
    expect((await settledReferral(later[0] as string)).referral.reason).toBe("reward_credited");
    expect(await bonusHeldMinor(referrer)).toBe(2_000);
    expect(await usage(key)).toMatchObject({ outstanding: 2_000, grantedTotal: 3_000 });
    await audited(referrer, ...users, ...later);
  });
});
