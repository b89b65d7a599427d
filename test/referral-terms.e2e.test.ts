import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, test } from "vitest";
import { eventId } from "./events-client";
import { ADMIN_HEADERS, api, eventually, uniqueUser, userGet, walletStub } from "./helpers";
import { bonusHeldMinor, publishRuleSet, referralCode, sendAccepted } from "./referral-helpers";

/**
 * Campaign terms, end to end (docs/referrals.md, "Caps and tiers", "Several campaigns"):
 * a referrer's monthly cap and tiered rewards, decided in the referrer's wallet at credit
 * time (exact under concurrency), and the campaign chosen by date and segment, recorded on the
 * referral and in its history — through the real events and api workers.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Where the launch campaign ends and the regular one starts: ten days ago. */
const SWITCH_AT_MS = Date.now() - 10 * DAY_MS;

const INR = (amountMinor: number) => ({ amountMinor, currency: "INR" });

const rule = (
  id: string,
  eventTypes: string[],
  effect: object,
  extra: { conditions?: unknown[]; group?: string; priority?: number; schedule?: object } = {},
) => ({
  id,
  name: id,
  eventTypes,
  conditions: {
    all: [{ attr: "referral.state", op: "eq", value: "signed_up" }, ...(extra.conditions ?? [])],
  },
  // The bonuses stay in referral_bonus (a month's account age), where these tests read them.
  effects: [{ kind: "referral_reward", minAccountAgeDays: 30, ...effect }],
  priority: extra.priority ?? 10,
  group: extra.group ?? "base",
  ...(extra.schedule ? { schedule: extra.schedule } : {}),
  active: true,
});

/** Bill payments: 1,000 to the referrer, at most 5 a month; 500 to the friend. */
const CAPPED = rule("ref-capped", ["bill.paid"], {
  referrer: INR(1_000),
  referee: INR(500),
  referrerMonthlyCap: 5,
});
/** Purchases: 1,000 to the referrer, 2,000 from their 3rd rewarded referral on. */
const TIERED = rule("ref-tiered", ["purchase.completed"], {
  referrer: INR(1_000),
  referee: INR(500),
  referrerTiers: [{ fromNth: 3, reward: INR(2_000) }],
});
/** Deposits: three campaigns in one first-match group — VIPs first, then by date. */
const VIP = rule(
  "ref-vip",
  ["deposit.completed"],
  { referrer: INR(3_000), referee: INR(1_500) },
  {
    group: "ref-campaigns",
    priority: 20,
    conditions: [{ attr: "user.segments", op: "contains_any", value: ["vip"] }],
  },
);
const LAUNCH = rule(
  "ref-launch",
  ["deposit.completed"],
  { referrer: INR(1_200), referee: INR(600) },
  { group: "ref-campaigns", schedule: { endsAtMs: SWITCH_AT_MS } },
);
const REGULAR = rule(
  "ref-regular",
  ["deposit.completed"],
  { referrer: INR(800), referee: INR(400) },
  { group: "ref-campaigns", schedule: { startsAtMs: SWITCH_AT_MS } },
);

let version = 0;
beforeAll(async () => {
  version = await publishRuleSet(
    {
      timeZone: "Asia/Kolkata",
      groups: [
        { name: "base", mode: "stackable" },
        { name: "ref-campaigns", mode: "first_match" },
      ],
      rules: [CAPPED, TIERED, VIP, LAUNCH, REGULAR],
    },
    "referral terms test",
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

const bonus = bonusHeldMinor;

async function settledReferral(referee: string) {
  return eventually(async () => {
    const r = await walletStub(referee).getReferral();
    return r?.referral.state === "rewarded" ? r : null;
  });
}

describe("a referrer's monthly cap", () => {
  test("8 referees qualifying at once for a referrer with a cap of 5: 5 referrer rewards, every referee rewarded", async () => {
    const referrer = uniqueUser("cap-rr");
    const code = await referralCode(referrer);
    const signedUpAtMs = Date.now() - 30 * MINUTE_MS;
    const referees = Array.from({ length: 8 }, (_, i) => uniqueUser(`cap-re${i}`));
    for (const referee of referees) await sendAccepted(signup(referee, code, signedUpAtMs));
    await Promise.all(
      referees.map((referee) => sendAccepted(paid("bill.paid", referee, signedUpAtMs + MINUTE_MS))),
    );

    const records = await Promise.all(referees.map(settledReferral));
    const reasons = records.map((r) => r.referral.reason).sort();
    expect(reasons).toEqual([
      ...Array(3).fill("referrer_cap_reached"),
      ...Array(5).fill("reward_credited"),
    ]);
    for (const record of records) {
      const referrerRow = record.rewards.find((r) => r.party === "referrer");
      expect(referrerRow?.status).toBe(
        record.referral.reason === "referrer_cap_reached" ? "capped" : "delivered",
      );
      // A capped reward is final: not retried.
      if (referrerRow?.status === "capped") expect(referrerRow.attempts).toBe(0);
      expect(record.referral).toMatchObject({ ruleId: "ref-capped", ruleVersion: version });
    }
    expect(await bonus(referrer)).toBe(5 * 1_000);
    for (const referee of referees) expect(await bonus(referee)).toBe(500);
    for (const user of [referrer, ...referees]) {
      expect(await walletStub(user).audit()).toEqual({ ok: true, violations: [] });
    }

    // The referrer sees 8 rewarded friends and earned 5 rewards; the capped ones say why.
    const mine = await eventually(async () => {
      const body = (await (await userGet(referrer, "/v1/me/referrals")).json()) as {
        friends: Array<{ reason: string; reasonText: string }>;
        counts: { rewarded: number };
        earned: { money: Array<{ amountMinor: number }> };
      };
      return body.counts.rewarded === 8 && body.earned.money[0]?.amountMinor === 5_000
        ? body
        : null;
    });
    const capped = mine.friends.filter((f) => f.reason === "referrer_cap_reached");
    expect(capped).toHaveLength(3);
    expect(capped[0]?.reasonText).toMatch(/limit/);
  });

  test("the cap counts per calendar month of the qualifying event: a new month pays again", async () => {
    const referrer = uniqueUser("capm-rr");
    const code = await referralCode(referrer);
    // Six referrals two months ago (cap 5: the sixth is capped), one now.
    const thenMs = Date.now() - 62 * DAY_MS;
    const old = Array.from({ length: 6 }, (_, i) => uniqueUser(`capm-old${i}`));
    for (const referee of old) {
      await sendAccepted(signup(referee, code, thenMs));
      await sendAccepted(paid("bill.paid", referee, thenMs + MINUTE_MS));
      await settledReferral(referee);
    }
    const now = uniqueUser("capm-now");
    await sendAccepted(signup(now, code, Date.now() - 30 * MINUTE_MS));
    await sendAccepted(paid("bill.paid", now, Date.now() - 20 * MINUTE_MS));
    expect((await settledReferral(now)).referral.reason).toBe("reward_credited");
    expect(await bonus(referrer)).toBe(6 * 1_000);
  });
});

describe("tiered rewards", () => {
  test("the referrer's 3rd and later rewarded referrals pay the tier; what was paid is recorded and earned", async () => {
    const referrer = uniqueUser("tier-rr");
    const code = await referralCode(referrer);
    const signedUpAtMs = Date.now() - 30 * MINUTE_MS;
    const paidOut: number[] = [];
    for (let i = 0; i < 4; i++) {
      const referee = uniqueUser(`tier-re${i}`);
      await sendAccepted(signup(referee, code, signedUpAtMs));
      await sendAccepted(paid("purchase.completed", referee, signedUpAtMs + MINUTE_MS));
      const record = await settledReferral(referee);
      const row = record.rewards.find((r) => r.party === "referrer");
      expect(row?.status).toBe("delivered");
      paidOut.push(row && "amountMinor" in row.reward ? row.reward.amountMinor : -1);
    }
    expect(paidOut).toEqual([1_000, 1_000, 2_000, 2_000]);
    expect(await bonus(referrer)).toBe(6_000);
    const earned = await eventually(async () => {
      const body = (await (await userGet(referrer, "/v1/me/referrals")).json()) as {
        earned: { money: Array<{ amountMinor: number }> };
      };
      return body.earned.money[0]?.amountMinor === 6_000 ? body.earned : null;
    });
    expect(earned).toEqual({ money: [{ currency: "INR", amountMinor: 6_000 }], points: 0 });
    const ledger = (await walletStub(referrer).listLedger(null, 50)).filter(
      (e) => e.bucket === "referral_bonus",
    );
    expect(ledger.map((e) => e.amountMinor).sort((a, b) => a - b)).toEqual([
      1_000, 1_000, 2_000, 2_000,
    ]);
    expect(await walletStub(referrer).audit()).toEqual({ ok: true, violations: [] });
  });

  test("a repeated credit request answers what was credited the first time, writing nothing", async () => {
    const referrer = uniqueUser("tier-again");
    const request = {
      referralId: `ref_${uniqueUser("tier-x")}`,
      party: "referrer" as const,
      ruleId: "ref-tiered",
      ruleVersion: version,
      eventId: "e1",
      occurredAtMs: Date.now(),
      reward: INR(1_000),
      terms: { monthlyCap: null, tiers: [{ fromNth: 1, reward: INR(2_000) }] },
    };
    const wallet = walletStub(referrer);
    const first = await wallet.creditReferralReward(referrer, request);
    const again = await wallet.creditReferralReward(referrer, request);
    expect(first).toEqual({ status: "created", credited: INR(2_000), nth: 1 });
    expect(again).toEqual({ status: "exists", credited: INR(2_000), nth: 1 });
    expect(await bonus(referrer)).toBe(2_000);
  });
});

describe("several campaigns at once", () => {
  async function referredDeposit(label: string, atMs: number, segments: string[] = []) {
    const referrer = uniqueUser(`${label}-rr`);
    const referee = uniqueUser(`${label}-re`);
    const code = await referralCode(referrer);
    await sendAccepted(signup(referee, code, atMs - MINUTE_MS));
    // The member exists once signed up; the operator puts them in a segment before the deposit.
    if (segments.length > 0) {
      const known = await api(`/admin/v1/users/${referee}`, {
        method: "PUT",
        headers: ADMIN_HEADERS,
        body: "{}",
      });
      expect(known.status).toBe(200);
      const put = await api(`/admin/v1/users/${referee}/segments`, {
        method: "PUT",
        headers: ADMIN_HEADERS,
        body: JSON.stringify({ segments }),
      });
      expect(put.status, await put.clone().text()).toBe(200);
    }
    const dep = paid("deposit.completed", referee, atMs);
    await sendAccepted(dep);
    const record = await settledReferral(referee);
    return { referrer, referee, record, depositId: dep.id };
  }

  test.each([
    {
      label: "before the switch: the launch campaign",
      atMs: SWITCH_AT_MS - DAY_MS,
      segments: [],
      ruleId: "ref-launch",
      referrer: 1_200,
      referee: 600,
    },
    {
      label: "after the switch: the regular campaign",
      atMs: Date.now() - 30 * MINUTE_MS,
      segments: [],
      ruleId: "ref-regular",
      referrer: 800,
      referee: 400,
    },
    {
      label: "a VIP, whatever the date: the VIP campaign",
      atMs: SWITCH_AT_MS - DAY_MS,
      segments: ["vip"],
      ruleId: "ref-vip",
      referrer: 3_000,
      referee: 1_500,
    },
  ])("$label, recorded on the referral and in its history", async (row) => {
    const { referrer, referee, record, depositId } = await referredDeposit(
      row.ruleId,
      row.atMs,
      row.segments,
    );
    expect(record.referral).toMatchObject({ ruleId: row.ruleId, ruleVersion: version });
    const qualifying = record.history.find((h) => h.state === "qualified");
    expect(qualifying).toMatchObject({
      reason: "qualifying_event",
      eventId: depositId,
      ruleId: row.ruleId,
      ruleVersion: version,
    });
    // Only the move that chose the campaign names it.
    expect(record.history.filter((h) => h.ruleId !== undefined)).toHaveLength(1);
    expect(await bonus(referee)).toBe(row.referee);
    expect(await eventually(async () => (await bonus(referrer)) === row.referrer)).toBe(true);
    expect(record.rewards.every((r) => r.ruleId === row.ruleId && r.ruleVersion === version)).toBe(
      true,
    );
  });

  test("the D1 projection still follows the referral", async () => {
    const { referee } = await referredDeposit("proj", Date.now() - 30 * MINUTE_MS);
    const row = await eventually(() =>
      env.DB.prepare(`SELECT state FROM referrals WHERE referee_id = ? AND state = 'rewarded'`)
        .bind(referee)
        .first<{ state: string }>(),
    );
    expect(row.state).toBe("rewarded");
  });
});
