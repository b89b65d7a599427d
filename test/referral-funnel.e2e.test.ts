import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { linkKeyRing } from "#shared/links/link-keys";
import { signAttributionToken } from "#shared/referrals/attribution-token";
import { referralProjectionStatements } from "#workers/api/src/features/referral-records/index";
import { eventId } from "./events-client";
import { ADMIN_HEADERS, api, eventually, uniqueUser, userGet, walletStub } from "./helpers";
import { notificationRecorder } from "./notify-recorder";
import { publishRuleSet, referralCode, sendAccepted } from "./referral-helpers";

/**
 * The referral funnel and the referrer's pending rewards, end to end (docs/referrals.md,
 * "Funnel" and "What is pending"): link clicks in D1, signups through the real events worker
 * (tokens naming those clicks, or a typed code), qualifying events under two campaigns, and a
 * referrer's wallet that refuses a credit (the reward stays owed: pending). The funnel and
 * GET /v1/me/referrals read the D1 projection the wallets' outbox keeps.
 */

const MINUTE_MS = 60_000;

const rule = (id: string, eventTypes: string[], effect: object) => ({
  id,
  name: id,
  eventTypes,
  conditions: { all: [{ attr: "referral.state", op: "eq", value: "signed_up" }] },
  effects: [{ kind: "referral_reward", ...effect }],
  priority: 10,
  group: "base",
  active: true,
});

/** What the wallets publish on NOTIFY_TRANSACTIONAL while this file runs. */
const notifications = notificationRecorder();
beforeAll(() => notifications.install());
afterAll(() => notifications.restore());

let version = 0;
beforeAll(async () => {
  version = await publishRuleSet(
    {
      timeZone: "UTC",
      groups: [{ name: "base", mode: "stackable" }],
      rules: [
        rule("fun-deposit", ["deposit.completed"], {
          referrer: { amountMinor: 1_000, currency: "INR" },
          referee: { amountMinor: 500, currency: "INR" },
        }),
        rule("fun-purchase", ["purchase.completed"], { referrer: { points: 300 } }),
      ],
    },
    "funnel test",
  );
});

const event = (type: string, userId: string, atMs: number, data: object) => ({
  id: eventId(type.slice(0, 3)),
  type,
  userId,
  occurredAt: new Date(atMs).toISOString(),
  data,
});

/** A click on the referrer's link at `atMs`, as the CLICKS consumer stores it, and its token. */
async function clickAt(referrerId: string, atMs: number): Promise<string> {
  const clickId = `clk_${uniqueUser("c").replace(/-/g, "_")}`;
  await env.DB.prepare(
    `INSERT INTO referral_clicks (click_id, code, referrer_id, program_id, platform, fingerprint,
       clicked_at_ms) VALUES (?, 'ANYCODE', ?, 'default', 'web', ?, ?)`,
  )
    .bind(clickId, referrerId, `fp-${clickId}`, atMs)
    .run();
  return signAttributionToken(linkKeyRing(env).current.key, {
    clickId,
    referrerId,
    programId: "default",
    code: "ANYCODE",
    platform: "web",
    clickedAtSec: Math.floor(atMs / 1000),
  });
}

interface Funnel {
  total: Record<string, unknown>;
  byCampaign: Array<Record<string, unknown>>;
  byReferrer: Array<Record<string, unknown>>;
}

async function funnel(query: string): Promise<Funnel> {
  const response = await api(`/admin/v1/referrals/funnel?${query}`, { headers: ADMIN_HEADERS });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Funnel;
}

const T0 = Date.now() - 5 * MINUTE_MS;
const referrer = uniqueUser("rr");
const [ana, ben, cai, dev] = ["ana", "ben", "cai", "dev"].map(uniqueUser) as [
  string,
  string,
  string,
  string,
];
const range = `from=${encodeURIComponent(new Date(T0 - 3 * 3_600_000).toISOString())}&to=${encodeURIComponent(new Date(T0 + 3_600_000).toISOString())}`;

describe("the funnel and the referrer's pending rewards", () => {
  beforeAll(async () => {
    const code = await referralCode(referrer);
    const [tokenAna, tokenBen] = [
      await clickAt(referrer, T0 - 60 * MINUTE_MS),
      await clickAt(referrer, T0 - 50 * MINUTE_MS),
    ];
    await clickAt(referrer, T0 - 40 * MINUTE_MS); // a click nobody signed up from
    const signedUpAtMs = T0 - 30 * MINUTE_MS;
    await sendAccepted(event("user.signed_up", ana, signedUpAtMs, { referralToken: tokenAna }));
    await sendAccepted(event("user.signed_up", ben, signedUpAtMs, { referralToken: tokenBen }));
    await sendAccepted(event("user.signed_up", cai, signedUpAtMs, { referralCode: code }));
    await sendAccepted(event("user.signed_up", dev, signedUpAtMs, { referralCode: code }));
    // The referrer's wallet already holds Dev's key with another amount: it refuses the credit,
    // so Dev's referral stays qualified with the reward owed (it stands in for a slow wallet).
    const taken = await walletStub(referrer).creditReferralReward(referrer, {
      referralId: `ref_${dev}`,
      party: "referrer",
      ruleId: "other",
      ruleVersion: 1,
      eventId: "x",
      occurredAtMs: signedUpAtMs,
      reward: { amountMinor: 7, currency: "INR" },
    });
    expect(taken.status).toBe("created");
    // Ana deposits 40 minutes after her click, Ben buys 45 minutes after his, Dev deposits.
    await sendAccepted(
      event("deposit.completed", ana, T0 - 20 * MINUTE_MS, { amountMinor: 100, currency: "INR" }),
    );
    await sendAccepted(
      event("purchase.completed", ben, T0 - 5 * MINUTE_MS, {
        orderId: `o-${ben}`,
        amountMinor: 100,
        currency: "INR",
      }),
    );
    await sendAccepted(
      event("deposit.completed", dev, T0 - 20 * MINUTE_MS, { amountMinor: 100, currency: "INR" }),
    );
    await eventually(() =>
      env.DB.prepare(
        `SELECT COUNT(*) AS n FROM referrals WHERE referrer_id = ? AND (state = 'rewarded' OR
           (state = 'qualified' AND rule_id IS NOT NULL)) HAVING n = 3`,
      )
        .bind(referrer)
        .first(),
    );
  });

  test("the referrer is told each signup, qualification and reward once", async () => {
    const told = await eventually(async () => {
      const mine = notifications.of(referrer).filter((m) => m.type.startsWith("referral_"));
      return mine.filter((m) => m.type === "referral_rewarded").length >= 2 ? mine : null;
    });
    await new Promise((r) => setTimeout(r, 300));
    const ids = notifications.of(referrer).map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    const byType: Record<string, number> = {};
    for (const m of notifications.of(referrer)) byType[m.type] = (byType[m.type] ?? 0) + 1;
    expect(byType).toMatchObject({
      referral_signed_up: 4,
      referral_qualified: 3,
      referral_rewarded: 2,
    });
    const rewards = told
      .filter((m) => m.type === "referral_rewarded")
      .map((m) => m.vars.reward)
      .sort();
    expect(rewards).toEqual(["300 points", "₹10.00"]);
    // Sent by the referees' wallets, each naming the referrer.
    expect(told.every((m) => m.userId === referrer)).toBe(true);
  });

  test("the D1 projection records the campaign, when it qualified and what the referrer is owed", async () => {
    const row = await env.DB.prepare(
      `SELECT rule_id, rule_version, qualified_at_ms, referrer_due_unit, referrer_due_amount,
         referrer_reward_unit, referrer_reward_amount, state FROM referrals WHERE referee_id = ?`,
    )
      .bind(ana)
      .first();
    expect(row).toEqual({
      rule_id: "fun-deposit",
      rule_version: version,
      qualified_at_ms: T0 - 20 * MINUTE_MS,
      referrer_due_unit: "INR",
      referrer_due_amount: 1_000,
      referrer_reward_unit: "INR",
      referrer_reward_amount: 1_000,
      state: "rewarded",
    });
  });

  test("per referrer: clicks, every stage, and click → qualification times", async () => {
    const f = await funnel(`${range}&referrerId=${referrer}`);
    expect(f.total).toEqual({
      clicks: 3,
      signups: 4,
      qualified: 3,
      rewarded: 2,
      held: 0,
      rejected: 0,
      reversed: 0,
      // Ana 40 min, Ben 45 min; Dev typed a code (no click): not in the times.
      clickToQualification: { referrals: 2, medianMs: 40 * MINUTE_MS, p90Ms: 45 * MINUTE_MS },
    });
    expect(f.byReferrer).toEqual([{ referrerId: referrer, ...f.total }]);
    const campaigns = Object.fromEntries(f.byCampaign.map((c) => [String(c.ruleId), c]));
    expect(campaigns["fun-deposit"]).toMatchObject({
      signups: 2,
      qualified: 2,
      rewarded: 1,
      clickToQualification: { referrals: 1, medianMs: 40 * MINUTE_MS, p90Ms: 40 * MINUTE_MS },
    });
    expect(campaigns["fun-purchase"]).toMatchObject({ signups: 1, qualified: 1, rewarded: 1 });
    // Cai signed up and did nothing yet: no campaign.
    expect(campaigns.null).toMatchObject({ signups: 1, qualified: 0, rewarded: 0 });
  });

  test("per campaign: the campaign's referrals, and no clicks (a click belongs to no campaign)", async () => {
    const f = await funnel(`${range}&referrerId=${referrer}&ruleId=fun-deposit`);
    expect(f.total).toMatchObject({ clicks: null, signups: 2, qualified: 2, rewarded: 1 });
    expect(f.byCampaign.map((c) => c.ruleId)).toEqual(["fun-deposit"]);
  });

  test("a range without any of them counts nothing", async () => {
    const f = await funnel(
      `from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z&referrerId=${referrer}`,
    );
    expect(f.total).toMatchObject({ clicks: 0, signups: 0, qualified: 0 });
    expect(f.byCampaign).toEqual([]);
    expect(f.byReferrer).toEqual([]);
  });

  test.each([
    { label: "an inverted range", query: "from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z" },
    { label: "a range over 366 days", query: "from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z" },
    { label: "a date that is not one", query: "from=yesterday" },
  ])("$label is a 400 naming from", async ({ query }) => {
    const response = await api(`/admin/v1/referrals/funnel?${query}`, { headers: ADMIN_HEADERS });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: Array<{ path: string }> };
    expect(problem.errors.map((e) => e.path)).toContain("from");
  });

  test("GET /v1/me/referrals: pending by unit, and why each friend is pending", async () => {
    const mine = (await (await userGet(referrer, "/v1/me/referrals")).json()) as {
      friends: Array<{ referralId: string; state: string; pending: unknown }>;
      earned: unknown;
      pending: unknown;
    };
    expect(mine.earned).toEqual({ money: [{ currency: "INR", amountMinor: 1_000 }], points: 300 });
    expect(mine.pending).toEqual({ money: [{ currency: "INR", amountMinor: 1_000 }], points: 0 });
    const why = Object.fromEntries(mine.friends.map((f) => [f.referralId, f.pending]));
    expect(why).toEqual({
      [`ref_${ana}`]: null,
      [`ref_${ben}`]: null,
      [`ref_${cai}`]: {
        code: "awaiting_qualifying_event",
        text: "Your friend signed up; you are rewarded once they do what the campaign asks for.",
      },
      [`ref_${dev}`]: {
        code: "reward_on_its_way",
        text: "Your friend qualified; your reward is on its way to your wallet.",
      },
    });
  });
});

describe("the projection's qualification", () => {
  const base = {
    programId: "default",
    referrerId: "u-proj-rr",
    refereeId: "u-proj-re",
    method: "code",
    reason: "qualifying_event",
    refereeNameMasked: null,
    clickId: null,
    attributedAtMs: 1_000,
  };
  const qualification = {
    ruleId: "r1",
    ruleVersion: 4,
    qualifiedAtMs: 2_000,
    referrerDue: { unit: "EUR", amount: 250 },
  };

  test("is written even when a later move's message came first, and kept by later moves", async () => {
    const id = `ref_${uniqueUser("proj")}`;
    const run = (r: object) => {
      const [first, ...rest] = referralProjectionStatements(env.DB, r as never);
      return first ? drizzle(env.DB).batch([first, ...rest]) : null;
    };
    // rewarded (v3) arrives before qualified (v2, which carries the qualification).
    await run({
      ...base,
      refereeId: `${id}-re`,
      id,
      state: "rewarded",
      updatedAtMs: 3,
      version: 3,
    });
    await run({
      ...base,
      refereeId: `${id}-re`,
      id,
      state: "qualified",
      updatedAtMs: 2,
      version: 2,
      qualification,
    });
    await run({
      ...base,
      refereeId: `${id}-re`,
      id,
      state: "reversed",
      updatedAtMs: 4,
      version: 4,
    });
    const row = await env.DB.prepare(
      `SELECT state, version, rule_id, rule_version, qualified_at_ms, referrer_due_unit,
         referrer_due_amount FROM referrals WHERE referral_id = ?`,
    )
      .bind(id)
      .first();
    expect(row).toEqual({
      state: "reversed",
      version: 4,
      rule_id: "r1",
      rule_version: 4,
      qualified_at_ms: 2_000,
      referrer_due_unit: "EUR",
      referrer_due_amount: 250,
    });
  });
});
