import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { TEST_KEYS, withKey } from "./access-keys";
import { exchange } from "./contract-exchange";
import { ContractValidator, type OpenApiDocument } from "./contract-validator";
import { eventId, sendEvents } from "./events-client";
import { ADMIN_HEADERS, api, eventually, uniqueUser, walletStub } from "./helpers";
import { publishRuleSet } from "./referral-helpers";

/**
 * The points earn → redeem funnel and the fraud hold and false-positive rates
 * (docs/analytics.md "Points", "Fraud holds"), through the real workers: a generated population
 * earns, redeems and loses points through the real wallets (their points postings reach D1
 * `points_movements` over the ledger-events queue), and signs in through the events worker so
 * the risk consumer scores them and a published fraud rule holds a device ring (the holds
 * reach D1 `risk_holds`); operators decide the holds through the admin API. Both analytics
 * answers equal an oracle computed from the generated data alone.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const midnight = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

/** mulberry32: the same population on every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function get<T>(path: string, key?: string): Promise<T> {
  const response = await api(path, key ? withKey(key) : { headers: ADMIN_HEADERS });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as T;
}

type PointsCounts = {
  earned: number;
  redeemed: number;
  expired: number;
  reversed: number;
  earningMembers: number;
  redeemingMembers: number;
};
interface PointsFunnel {
  from: string;
  to: string;
  previous: { from: string; to: string };
  totals: PointsCounts & {
    lots: number;
    redemptions: number;
    earnedAndRedeemedMembers: number;
    redeemedOfEarnedBps: number | null;
  };
  previousTotals: PointsCounts & { lots: number; earnedAndRedeemedMembers: number };
  perDay: Array<PointsCounts & { day: string }>;
  bySource: Array<PointsCounts & { sourceType: string; lots: number }>;
  byRedemption: Array<{ kind: string; points: number; redemptions: number; members: number }>;
}

const RATE = { points: 10, amountMinor: 1, currency: "INR" };

describe("points earn → redeem", () => {
  const todayMs = midnight(Date.now());
  const prevDay = todayMs - 45 * DAY_MS; // in the previous period of the default 30 days
  const curDay = todayMs - 20 * DAY_MS;
  const run = Math.random().toString(36).slice(2, 7);
  const sources = [`an2_purchase_${run}`, `an2_review_${run}`];
  const random = prng(27);
  const members = Array.from({ length: 6 }, (_, i) => ({
    userId: uniqueUser(`pts${i}`),
    source: sources[i % 2] as string,
    lot1: 100 + Math.floor(random() * 400),
    redeem1: 10 + Math.floor(random() * 50),
    lot2: 200 + Math.floor(random() * 300),
    // Half of them redeem again in the current period.
    redeem2: i % 2 === 0 ? 20 + Math.floor(random() * 60) : 0,
    lot3: 5 + Math.floor(random() * 40),
  }));

  beforeAll(async () => {
    for (const m of members) {
      const wallet = walletStub(m.userId);
      const earn = (key: string, points: number, nowMs: number, period: string) =>
        wallet.earnPoints(m.userId, {
          key,
          sourceType: m.source,
          sourceId: key,
          ruleId: "an2-rule",
          ruleVersion: 1,
          points,
          pendingUntilMs: null,
          validity: { period: period as "12M" },
          nowMs,
        });
      expect((await earn("lot1", m.lot1, prevDay + 9 * HOUR_MS, "12M")).status).toBe("created");
      const r1 = await wallet.redeemPointsForCashback(
        m.userId,
        { key: "r1", points: m.redeem1 },
        RATE,
        prevDay + 3 * DAY_MS + HOUR_MS,
      );
      expect(r1.status).toBe("created");
      expect((await earn("lot2", m.lot2, curDay + 10 * HOUR_MS, "12M")).status).toBe("created");
      if (m.redeem2 > 0) {
        const r2 = await wallet.redeemPointsForCashback(
          m.userId,
          { key: "r2", points: m.redeem2 },
          RATE,
          curDay + 2 * DAY_MS,
        );
        expect(r2.status).toBe("created");
      }
      // Earned 20 days ago for 5 days: already due, it expires today (the wallet's alarm or
      // this run, whichever comes first; the expiry posting is dated when it runs).
      expect((await earn("lot3", m.lot3, curDay + 11 * HOUR_MS, "5D")).status).toBe("created");
      await wallet.runDue(Date.now());
      expect((await wallet.getPointsBalance()).expiredPoints).toBe(m.lot3);
    }
    // Every posting projected: 3 earns, 1–2 redemptions and 1 expiry per member.
    const postings = members.reduce((s, m) => s + 5 + (m.redeem2 > 0 ? 1 : 0), 0);
    await eventually(() =>
      env.DB.prepare(
        `SELECT COUNT(*) AS n FROM points_movements WHERE source_type IN (?, ?) HAVING n = ?`,
      )
        .bind(sources[0], sources[1], postings)
        .first(),
    );
  });

  const sum = (list: typeof members, f: (m: (typeof members)[number]) => number) =>
    list.reduce((s, m) => s + f(m), 0);

  it("totals, the previous period, per day and per redemption kind equal the oracle", async () => {
    for (const source of sources) {
      const mine = members.filter((m) => m.source === source);
      const f = await get<PointsFunnel>(`/admin/v1/analytics/points?sourceType=${source}`);
      const redeemers = mine.filter((m) => m.redeem2 > 0);
      expect(f.to).toBe(dayOf(todayMs));
      expect(f.totals).toMatchObject({
        earned: sum(mine, (m) => m.lot2 + m.lot3),
        lots: mine.length * 2,
        redeemed: sum(mine, (m) => m.redeem2),
        redemptions: redeemers.length,
        expired: sum(mine, (m) => m.lot3),
        reversed: 0,
        earningMembers: mine.length,
        redeemingMembers: redeemers.length,
        earnedAndRedeemedMembers: redeemers.length,
        redeemedOfEarnedBps: Math.floor(
          (sum(mine, (m) => m.redeem2) * 10_000) / sum(mine, (m) => m.lot2 + m.lot3) + 0.5,
        ),
      });
      expect(f.previousTotals).toMatchObject({
        earned: sum(mine, (m) => m.lot1),
        lots: mine.length,
        redeemed: sum(mine, (m) => m.redeem1),
        expired: 0,
        earningMembers: mine.length,
        redeemingMembers: mine.length,
        earnedAndRedeemedMembers: mine.length,
      });
      expect(f.perDay).toHaveLength(30);
      const on = (ms: number) => f.perDay.find((d) => d.day === dayOf(ms));
      expect(on(curDay)).toMatchObject({
        earned: sum(mine, (m) => m.lot2 + m.lot3),
        earningMembers: mine.length,
        redeemed: 0,
      });
      expect(on(curDay + 2 * DAY_MS)).toMatchObject({
        earned: 0,
        redeemed: sum(mine, (m) => m.redeem2),
        redeemingMembers: redeemers.length,
      });
      expect(on(todayMs)).toMatchObject({ expired: sum(mine, (m) => m.lot3), earned: 0 });
      expect(f.perDay.reduce((s, d) => s + d.earned, 0)).toBe(f.totals.earned);
      expect(f.bySource).toEqual([
        expect.objectContaining({ sourceType: source, earned: f.totals.earned }),
      ]);
      expect(f.byRedemption).toEqual(
        redeemers.length === 0
          ? []
          : [
              {
                kind: "cashback",
                points: sum(mine, (m) => m.redeem2),
                redemptions: redeemers.length,
                members: redeemers.length,
              },
            ],
      );
    }
  });

  it("the previous period's own answer, unfiltered per source, and a redelivery adds nothing", async () => {
    const prevFrom = dayOf(todayMs - 59 * DAY_MS);
    const prevTo = dayOf(todayMs - 30 * DAY_MS);
    const f = await get<PointsFunnel>(`/admin/v1/analytics/points?from=${prevFrom}&to=${prevTo}`);
    for (const source of sources) {
      const mine = members.filter((m) => m.source === source);
      expect(f.bySource.find((s) => s.sourceType === source)).toMatchObject({
        earned: sum(mine, (m) => m.lot1),
        redeemed: sum(mine, (m) => m.redeem1),
        lots: mine.length,
        earningMembers: mine.length,
        redeemingMembers: mine.length,
      });
    }
    // The same posting projected again (an at-least-once redelivery): nothing changes.
    const m = members[0] as (typeof members)[number];
    await env.LEDGER_EVENTS.send({
      kind: "points_movement",
      userId: m.userId,
      key: "points:earn:lot1",
      entryKind: "points_earn",
      atMs: prevDay + 9 * HOUR_MS,
      sources: [{ sourceType: m.source, earned: m.lot1, spent: 0, expired: 0, reversed: 0 }],
    });
    await new Promise((r) => setTimeout(r, 500));
    const again = await get<PointsFunnel>(
      `/admin/v1/analytics/points?from=${prevFrom}&to=${prevTo}`,
    );
    expect(again.bySource).toEqual(f.bySource);
  });

  it("every role reads it; a bad range is a 400 problem", async () => {
    await get<PointsFunnel>("/admin/v1/analytics/points", TEST_KEYS.support);
    const bad = await api("/admin/v1/analytics/points?from=2026-03-10&to=2026-03-01", {
      headers: ADMIN_HEADERS,
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
  });
});

interface HoldCounts {
  placed: number;
  heldUsers: number;
  pending: number;
  released: number;
  steppedUp: number;
  confirmedFraud: number;
  decided: number;
  falsePositives: number;
  falsePositiveRateBps: number | null;
}
interface HoldRates {
  totals: HoldCounts & {
    scoredUsers: number;
    holdRateBps: number | null;
    labelledFraud: number;
    labelledNotFraud: number;
  };
  previousTotals: HoldCounts & { scoredUsers: number };
  perDay: Array<HoldCounts & { day: string; scoredUsers: number }>;
  byReason: Array<HoldCounts & { reason: string }>;
  byRule: Array<HoldCounts & { ruleId: string | null; source: string }>;
}

describe("fraud hold and false-positive rates", () => {
  const run = Math.random().toString(36).slice(2, 7);
  const reason = `an2_ring_${run}`;
  const ruleId = `an2-ring-${run}`;
  const device = `an2-device-${run}`;
  const ring = Array.from({ length: 5 }, (_, i) => uniqueUser(`ring${i}`));
  const clean = Array.from({ length: 3 }, (_, i) => uniqueUser(`clean${i}`));
  const login = (userId: string, deviceId: string) => ({
    id: eventId("login"),
    type: "user.logged_in",
    userId,
    occurredAt: new Date().toISOString(),
    data: { deviceId, ipAddress: "198.51.100.77" },
  });
  const decide = (userId: string, holdId: string, body: object) =>
    api(
      `/admin/v1/risk/holds/${encodeURIComponent(userId)}/${encodeURIComponent(holdId)}/decision`,
      withKey(TEST_KEYS.finance, { method: "POST", body: JSON.stringify(body) }),
    );

  beforeAll(async () => {
    await publishRuleSet(
      {
        timeZone: "UTC",
        groups: [{ name: "fraud", mode: "stackable" }],
        rules: [
          {
            id: ruleId,
            name: "A device three accounts sign in from",
            eventTypes: ["risk.login"],
            conditions: { all: [{ attr: "signal.usersSharingDevice", op: "gte", value: 2 }] },
            effects: [{ kind: "hold_payouts", score: 60, reasonCode: reason }],
            priority: 0,
            group: "fraud",
            active: true,
          },
        ],
      },
      "analytics hold rates",
    );
    // One at a time, each linked before the next: the first two share the device with
    // nobody else yet (2 or more others hold it from the third on), so three are held.
    for (const userId of [...ring, ...clean]) {
      const deviceId = ring.includes(userId) ? device : `${device}-${userId}`;
      expect((await sendEvents(login(userId, deviceId))).status).toBe(202);
      await eventually(() =>
        env.DB.prepare(`SELECT 1 AS seen FROM risk_scored_daily WHERE user_id = ?`)
          .bind(userId)
          .first(),
      );
      await eventually(() =>
        env.DB.prepare(`SELECT 1 AS linked FROM risk_identifiers WHERE user_id = ?`)
          .bind(userId)
          .first(),
      );
    }
    const held = await eventually(async () => {
      const { results } = await env.DB.prepare(
        `SELECT user_id AS userId, hold_id AS holdId FROM risk_holds WHERE rule_id = ?
         ORDER BY placed_at_ms`,
      )
        .bind(ruleId)
        .all<{ userId: string; holdId: string }>();
      return results.length === 3 ? results : null;
    });
    const [a, b] = held as [{ userId: string; holdId: string }, { userId: string; holdId: string }];
    // One released as a mistake, one upheld as fraud, one left pending.
    const released = await decide(a.userId, a.holdId, {
      decision: "release",
      reason: "a family's tablet",
      label: "not_fraud",
    });
    expect(released.status, await released.clone().text()).toBe(200);
    const upheld = await decide(b.userId, b.holdId, {
      decision: "uphold",
      reason: "a ring",
      label: "fraud",
    });
    expect(upheld.status, await upheld.clone().text()).toBe(200);
    await eventually(() =>
      env.DB.prepare(
        `SELECT COUNT(*) AS n FROM risk_holds WHERE rule_id = ? AND status <> 'active' HAVING n = 2`,
      )
        .bind(ruleId)
        .first(),
    );
  });

  it("holds, outcomes, the hold rate and the false-positive rate equal the oracle", async () => {
    const f = await get<HoldRates>(`/admin/v1/analytics/risk-holds?reason=${reason}`);
    // The oracle: 8 users scored today (this file's sign-ins), 3 of them held by the rule.
    const scored = ring.length + clean.length;
    const expected = {
      placed: 3,
      heldUsers: 3,
      pending: 1,
      released: 1,
      steppedUp: 0,
      confirmedFraud: 1,
      decided: 2,
      falsePositives: 1,
      falsePositiveRateBps: 5_000,
    };
    expect(f.totals).toMatchObject({
      ...expected,
      labelledFraud: 1,
      labelledNotFraud: 1,
      scoredUsers: scored,
      holdRateBps: Math.floor((3 * 10_000) / scored + 0.5),
    });
    expect(f.previousTotals).toMatchObject({ placed: 0, decided: 0, falsePositiveRateBps: null });
    const today = f.perDay[f.perDay.length - 1] as HoldCounts & {
      day: string;
      scoredUsers: number;
    };
    expect(today).toMatchObject({ day: dayOf(Date.now()), ...expected, scoredUsers: scored });
    expect(f.byReason).toEqual([{ reason, ...expected }]);
    expect(f.byRule).toEqual([{ ruleId, source: "rule", ...expected }]);
  });

  it("filters by hold kind, and every role reads it", async () => {
    const none = await get<HoldRates>(
      `/admin/v1/analytics/risk-holds?reason=${reason}&kind=step_up`,
      TEST_KEYS.support,
    );
    expect(none.totals).toMatchObject({ placed: 0, falsePositiveRateBps: null });
    const bad = await api("/admin/v1/analytics/risk-holds?kind=everything", {
      headers: ADMIN_HEADERS,
    });
    expect(bad.status).toBe(400);
  });
});

describe("the answers match the served OpenAPI document", () => {
  it("points, risk holds and referrals, with data in them", async () => {
    const doc = (await (await api("/openapi.json")).json()) as OpenApiDocument;
    const validator = new ContractValidator(doc);
    for (const path of [
      "/admin/v1/analytics/points",
      "/admin/v1/analytics/risk-holds",
      "/admin/v1/analytics/referrals",
    ]) {
      const { response, verdict } = await exchange(validator, { method: "GET", path, as: "admin" });
      expect(response.status).toBe(200);
      expect(verdict.responseErrors, path).toEqual([]);
      expect(verdict.requestErrors, path).toEqual([]);
    }
  });
});
