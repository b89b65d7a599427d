import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEFAULT_THRESHOLDS } from "#workers/api/src/features/alerts/settings";
import { readSignals } from "#workers/api/src/features/alerts/signals";
import { refreshDays } from "#workers/api/src/features/analytics/index";
import { duePage } from "#workers/api/src/features/ledger/index";
import { overviewFigures } from "#workers/api/src/features/overview/store";
import {
  paidPerDay,
  payoutsStillSince,
  totalsByStatus,
} from "#workers/api/src/features/payouts/store";
import { homeAndOther, TWO_USER_DBS as TWO, usersOnBothShards } from "./user-dbs";

/**
 * The day rollups at two user databases (docs/scaling.md "D1 router"): each user database
 * groups its own users' conversions, with "paid" judged against that user's payouts in the
 * same database, and the global database joins every database's groups into one row per key.
 */
const RUN = Math.random().toString(36).slice(2, 8);
const DAY = "2021-06-15";
const DAY_MS = Date.parse(`${DAY}T00:00:00Z`);
const NET = `rt-net-${RUN}`;
const OFFER = `rt-offer-${RUN}`;
const CAMPAIGN = `rt-camp-${RUN}`;
const HOUR_MS = 3_600_000;

/** A confirmed conversion with a click and a campaign, and a pending one, both on `db`. */
async function seedUser(db: D1Database, userId: string, i: number) {
  const insert = `INSERT INTO transactions (id, network_id, order_id, user_id, offer_id, status,
      currency, sale_amount_minor, commission_minor, cashback_minor, rate_bps, boost_minor,
      converted_at_ms, clicked_at_ms, confirmed_at_ms, campaign_ids, version, updated_at_ms)
    VALUES (?1, ?2, ?1, ?3, ?4, ?5, 'EUR', 10000, 500, ?6, 300, ?7, ?8, ?9, ?10, ?11, 1, ?8)`;
  await db.batch([
    db
      .prepare(insert)
      .bind(
        `rt-${RUN}-${i}-a`,
        NET,
        userId,
        OFFER,
        "confirmed",
        250,
        50,
        DAY_MS + HOUR_MS,
        DAY_MS + HOUR_MS / 2,
        DAY_MS + 2 * HOUR_MS,
        JSON.stringify([CAMPAIGN]),
      ),
    db
      .prepare(insert)
      .bind(
        `rt-${RUN}-${i}-b`,
        NET,
        userId,
        OFFER,
        "pending",
        200,
        0,
        DAY_MS + 3 * HOUR_MS,
        null,
        null,
        null,
      ),
    // The user's paid payouts cover the confirmed conversion's 300: it counts as paid.
    db
      .prepare(
        `INSERT INTO payouts (id, user_id, status, currency, amount_minor, created_at_ms,
           updated_at_ms, paid_at_ms) VALUES (?1, ?2, 'paid', 'EUR', 300, ?3, ?3, ?3)`,
      )
      .bind(`rt-po-${RUN}-${i}`, userId, DAY_MS + 4 * HOUR_MS),
  ]);
}

describe("day rollups at two user databases", () => {
  it("add every user database's conversions, paid judged where the user's payouts live", async () => {
    const users = usersOnBothShards(`rt-${RUN}-`, 2);
    for (const [i, userId] of users.entries()) await seedUser(homeAndOther(userId).home, userId, i);

    // One group per statement: later statements add to the rows the first wrote.
    for (const groupsPerStatement of [undefined, 1]) {
      await refreshDays(TWO, [DAY], Date.now(), { groupsPerStatement });
      const funnel = await env.DB.prepare(
        `SELECT merchant_id AS merchant, currency, clicks, conversions, confirmed, paid,
           commission_minor AS commission, cashback_minor AS cashback,
           paid_cashback_minor AS paidCashback
         FROM analytics_funnel_daily WHERE day = ?1 AND network_id = ?2 AND offer_id = ?3`,
      )
        .bind(DAY, NET, OFFER)
        .all();
      const money = {
        merchant: "",
        currency: "EUR",
        clicks: 0,
        conversions: 4,
        confirmed: 2,
        paid: 2,
        commission: 1000,
        cashback: 600,
        paidCashback: 600,
      };
      expect(funnel.results).toEqual([money]);
      const campaign = await env.DB.prepare(
        `SELECT merchant_id AS merchant, currency, clicks, conversions, confirmed, paid,
           commission_minor AS commission, cashback_minor AS cashback,
           paid_cashback_minor AS paidCashback
         FROM analytics_campaign_funnel_daily WHERE day = ?1 AND campaign_id = ?2`,
      )
        .bind(DAY, CAMPAIGN)
        .all();
      expect(campaign.results).toEqual([{ ...money, conversions: 2 }]);
      const latency = await env.DB.prepare(
        `SELECT measure, SUM(count) AS n FROM analytics_latency_daily
         WHERE day = ?1 AND network_id = ?2 GROUP BY measure ORDER BY measure`,
      )
        .bind(DAY, NET)
        .all();
      expect(latency.results).toEqual([
        { measure: "confirmation", n: 2 },
        { measure: "conversion", n: 2 },
      ]);
    }
  });
});

describe("the overview at two user databases", () => {
  const FROM_MS = Date.parse("2019-05-01T00:00:00Z");
  const query = {
    fromMs: FROM_MS,
    toMs: FROM_MS + 2 * 86_400_000,
    fromDay: "2019-05-01",
    toDay: "2019-05-02",
    inFlightStatuses: ["queued"],
    unexplainedOutcomes: ["missing_here"],
  };

  it("sums every user database's conversions and payouts", async () => {
    const before = await overviewFigures(TWO, query);
    const users = usersOnBothShards(`ov-${RUN}-`, 2);
    for (const [i, userId] of users.entries()) {
      const { home } = homeAndOther(userId);
      const payout = `INSERT INTO payouts (id, user_id, status, currency, amount_minor,
          created_at_ms, updated_at_ms, paid_at_ms, attention) VALUES (?1, ?2, ?3, 'XTS', ?4, ?5, ?5, ?6, ?7)`;
      await home.batch([
        home
          .prepare(
            `INSERT INTO transactions (id, network_id, order_id, user_id, status, currency,
               sale_amount_minor, commission_minor, cashback_minor, rate_bps, boost_minor,
               converted_at_ms, version, updated_at_ms)
             VALUES (?1, 'ov-net', ?1, ?2, 'confirmed', 'XTS', 1000, 50, 100, 300, 5, ?3, 1, ?3)`,
          )
          .bind(`ov-${RUN}-${i}`, userId, FROM_MS + HOUR_MS),
        home
          .prepare(payout)
          .bind(`ov-po-${RUN}-${i}-p`, userId, "paid", 70, FROM_MS, FROM_MS + 2 * HOUR_MS, null),
        home.prepare(payout).bind(`ov-po-${RUN}-${i}-q`, userId, "queued", 30, FROM_MS, null, null),
        home
          .prepare(payout)
          .bind(`ov-po-${RUN}-${i}-h`, userId, "held", 40, FROM_MS, null, "looks odd"),
      ]);
    }
    const after = await overviewFigures(TWO, query);
    expect(after.conversions.filter((r) => r.currency === "XTS")).toEqual([
      {
        day: "2019-05-01",
        currency: "XTS",
        status: "confirmed",
        conversions: 2,
        cashbackMinor: 210,
      },
    ]);
    expect(after.paid.filter((r) => r.currency === "XTS")).toEqual([
      { day: "2019-05-01", currency: "XTS", payouts: 2, totalMinor: 140 },
    ]);
    expect(after.inFlight.filter((r) => r.currency === "XTS")).toEqual([
      { currency: "XTS", payouts: 2, totalMinor: 60 },
    ]);
    expect(after.attention.heldPayouts - before.attention.heldPayouts).toBe(2);
    expect(after.attention.attentionPayouts - before.attention.attentionPayouts).toBe(2);
  });
});

describe("the alert signals at two user databases", () => {
  it("count every user database's stuck payouts and last hour's conversions", async () => {
    const nowMs = Date.now();
    const net = `al-net-${RUN}`;
    const before = await readSignals(TWO, nowMs, DEFAULT_THRESHOLDS);
    const users = usersOnBothShards(`al-${RUN}-`, 2);
    const stuckAt = [nowMs - 5 * HOUR_MS, nowMs - 9 * HOUR_MS];
    for (const [i, userId] of users.entries()) {
      const { home } = homeAndOther(userId);
      await home.batch([
        home
          .prepare(
            `INSERT INTO payouts (id, user_id, status, created_at_ms, updated_at_ms, attention)
             VALUES (?1, ?2, 'stuck', ?3, ?3, 'processor silent')`,
          )
          .bind(`al-po-${RUN}-${i}`, userId, stuckAt[i]),
        // Converted in the hour the conversion rule reads (it ended CONVERSION_SETTLE_MS ago).
        home
          .prepare(
            `INSERT INTO transactions (id, network_id, order_id, user_id, status, currency,
               sale_amount_minor, commission_minor, cashback_minor, rate_bps, boost_minor,
               converted_at_ms, version, updated_at_ms)
             VALUES (?1, ?2, ?1, ?3, 'pending', 'EUR', 1000, 50, 100, 300, 0, ?4, 1, ?4)`,
          )
          .bind(`al-${RUN}-${i}`, net, userId, nowMs - 2 * HOUR_MS - 30 * 60_000),
      ]);
    }
    const after = await readSignals(TWO, nowMs, DEFAULT_THRESHOLDS);
    expect(after.stuckPayouts.count - before.stuckPayouts.count).toBe(2);
    expect(after.stuckPayouts.oldestAtMs).toBe(
      Math.min(nowMs - 9 * HOUR_MS, before.stuckPayouts.oldestAtMs ?? Number.POSITIVE_INFINITY),
    );
    expect(after.attentionPayouts - before.attentionPayouts).toBe(2);
    expect(after.networks.find((n) => n.networkId === net)?.conversionsLastHour).toBe(2);
  });
});

describe("the confirmation backstop's due pages at two user databases", () => {
  it("merge every user database's due rows in due order, page by page, none lost or repeated", async () => {
    // Far in the past, so no other test's pending rows come first.
    const base = Date.parse("2001-01-01T00:00:00Z");
    const users = usersOnBothShards(`due-${RUN}-`, 2);
    const expected: Array<{ id: string; userId: string; dueMs: number }> = [];
    for (const [i, userId] of users.entries()) {
      const { home } = homeAndOther(userId);
      for (let j = 0; j < 3; j++) {
        // Interleaved due times across the two databases, one tie across them.
        const row = {
          id: `due-${RUN}-${i}-${j}`,
          userId,
          dueMs: base + (j === 2 ? 99 : 2 * j + i),
        };
        expected.push(row);
        await home
          .prepare(
            `INSERT INTO transactions (id, network_id, order_id, user_id, status, currency,
               sale_amount_minor, commission_minor, cashback_minor, rate_bps, boost_minor,
               converted_at_ms, expected_confirm_at_ms, version, updated_at_ms)
             VALUES (?1, 'due-net', ?1, ?2, 'pending', 'EUR', 1000, 50, 100, 300, 0, ?3, ?4, 1, ?3)`,
          )
          .bind(row.id, userId, base - 1_000, row.dueMs)
          .run();
      }
    }
    expected.sort((a, b) => a.dueMs - b.dueMs || (a.id < b.id ? -1 : 1));
    const seen: typeof expected = [];
    let after: { dueMs: number; id: string } | null = null;
    for (;;) {
      const page = await duePage(TWO, base + 1_000, { after, upTo: null }, 2);
      seen.push(...page);
      if (page.length < 2) break;
      const last = page[page.length - 1] as (typeof page)[number];
      after = { dueMs: last.dueMs, id: last.id };
    }
    expect(seen).toEqual(expected);
  });
});

describe("the finance totals at two user databases", () => {
  it("sum every user database's paid payouts per day and in-flight payouts per status", async () => {
    const fromMs = Date.parse("2018-02-01T00:00:00Z");
    const users = usersOnBothShards(`fin-${RUN}-`, 2);
    for (const [i, userId] of users.entries()) {
      const { home } = homeAndOther(userId);
      const payout = `INSERT INTO payouts (id, user_id, status, currency, amount_minor,
          created_at_ms, updated_at_ms, paid_at_ms) VALUES (?1, ?2, ?3, 'XFN', ?4, ?5, ?5, ?6)`;
      await home.batch([
        home
          .prepare(payout)
          .bind(`fin-${RUN}-${i}-p`, userId, "paid", 100 + i, fromMs, fromMs + HOUR_MS),
        home.prepare(payout).bind(`fin-${RUN}-${i}-s`, userId, "sending", 10, fromMs, null),
      ]);
    }
    expect(await paidPerDay(TWO, fromMs, fromMs + 86_400_000)).toEqual([
      { day: "2018-02-01", currency: "XFN", totalMinor: 201, payouts: 2 },
    ]);
    const inFlight = await totalsByStatus(TWO, ["sending"]);
    expect(inFlight.filter((r) => r.currency === "XFN")).toEqual([
      { status: "sending", currency: "XFN", totalMinor: 20, payouts: 2 },
    ]);
  });
});

describe("stale payouts at two user databases", () => {
  it("are the oldest of every user database, merged", async () => {
    const base = Date.parse("2000-01-01T00:00:00Z");
    const users = usersOnBothShards(`st-${RUN}-`, 2);
    const ids: string[] = [];
    for (const [i, userId] of users.entries()) {
      const { home } = homeAndOther(userId);
      for (let j = 0; j < 2; j++) {
        const id = `st-${RUN}-${i}-${j}`;
        ids.push(id);
        await home
          .prepare(
            `INSERT INTO payouts (id, user_id, status, created_at_ms, updated_at_ms)
             VALUES (?1, ?2, 'retrying', ?3, ?3)`,
          )
          .bind(id, userId, base + 2 * j + i)
          .run();
      }
    }
    const rows = await payoutsStillSince(TWO, ["retrying"], base + 10, 3);
    // Updated at base + 0, 1, 2 (users 0, 1, 0): both databases in the oldest three.
    expect(rows.map((r) => r.id)).toEqual([ids[0], ids[2], ids[1]]);
  });
});
