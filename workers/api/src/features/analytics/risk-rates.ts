import { type DbRouterEnv, eachUserDb, globalDb } from "#shared/db/router";
import type { Observation } from "#shared/fraud/risk-contract";
import { createLogger, errorFields } from "#shared/observability/logger";
import { utcDay } from "#shared/time/clock";
import { dayBounds, everyDay, OUTCOME_SQL, rateBps } from "./rates";

/**
 * Fraud hold and false-positive rates (docs/analytics.md "Fraud holds"): holds placed per
 * period from D1 `risk_holds` (the review queue's projection, with each decision's label),
 * against the scored population: users whose observations the risk consumer judged that day
 * (`risk_scored_daily`), who asked for a payout (scored directly), whose referral qualified
 * (scored directly) or who were held.
 *
 * `risk_holds` is spread over the user databases (shared/db/placement.ts `ROUTED`): the hold
 * figures are each user database's own, summed (a user's holds live in one database, so
 * distinct held users add up); the scored population is counted on the global database, with
 * the held, the payout-requesting and the qualified referees' (day, user) pairs gathered from
 * the user databases (`risk_holds`, `payouts` and `referrals` are all spread over them; a
 * referral lives in its referee's) passed in as JSON lists.
 */

const log = createLogger({ worker: "api", feature: "analytics" });

/**
 * The risk consumer's batch into `risk_scored_daily`: one row per (UTC day of the
 * observation, user), inserted once. Off the hot path (a queue consumer); never throws — a
 * lost row makes the hold rate slightly high for that day, it never blocks scoring.
 */
export async function recordScoredPopulation(
  db: D1Database,
  observations: readonly Pick<Observation, "userId" | "atMs">[],
  nowMs: number,
): Promise<void> {
  const rows = new Map<string, { day: string; userId: string }>();
  for (const o of observations) {
    const day = utcDay(Math.min(o.atMs, nowMs));
    rows.set(`${day} ${o.userId}`, { day, userId: o.userId });
  }
  if (rows.size === 0) return;
  try {
    await db
      .prepare(
        `INSERT INTO risk_scored_daily (day, user_id)
         SELECT json_extract(value, '$.day'), json_extract(value, '$.userId') FROM json_each(?1)
         WHERE true ON CONFLICT (day, user_id) DO NOTHING`,
      )
      .bind(JSON.stringify([...rows.values()]))
      .run();
  } catch (error) {
    log.error("analytics.scored_population_failed", { rows: rows.size, ...errorFields(error) });
  }
}

export interface HoldFilter {
  reason?: string | undefined;
  kind?: string | undefined;
}

interface Period {
  from: string;
  to: string;
}

const OUTCOMES = `COUNT(*) AS placed,
  COUNT(DISTINCT user_id) AS heldUsers,
  COALESCE(SUM(CASE WHEN ${OUTCOME_SQL.pending} THEN 1 ELSE 0 END), 0) AS pending,
  COALESCE(SUM(CASE WHEN ${OUTCOME_SQL.released} THEN 1 ELSE 0 END), 0) AS released,
  COALESCE(SUM(CASE WHEN ${OUTCOME_SQL.step_up} THEN 1 ELSE 0 END), 0) AS steppedUp,
  COALESCE(SUM(CASE WHEN ${OUTCOME_SQL.confirmed_fraud} THEN 1 ELSE 0 END), 0) AS confirmedFraud,
  COALESCE(SUM(CASE WHEN ${OUTCOME_SQL.decided} THEN 1 ELSE 0 END), 0) AS decided,
  COALESCE(SUM(CASE WHEN ${OUTCOME_SQL.false_positive} THEN 1 ELSE 0 END), 0) AS falsePositives,
  COALESCE(SUM(CASE WHEN label = 'fraud' THEN 1 ELSE 0 END), 0) AS labelledFraud,
  COALESCE(SUM(CASE WHEN label = 'not_fraud' THEN 1 ELSE 0 END), 0) AS labelledNotFraud,
  COALESCE(SUM(CASE WHEN label = 'unsure' THEN 1 ELSE 0 END), 0) AS labelledUnsure`;

export interface HoldCounts {
  placed: number;
  heldUsers: number;
  pending: number;
  released: number;
  steppedUp: number;
  confirmedFraud: number;
  decided: number;
  falsePositives: number;
  labelledFraud: number;
  labelledNotFraud: number;
  labelledUnsure: number;
}

const ZERO: HoldCounts = {
  placed: 0,
  heldUsers: 0,
  pending: 0,
  released: 0,
  steppedUp: 0,
  confirmedFraud: 0,
  decided: 0,
  falsePositives: 0,
  labelledFraud: 0,
  labelledNotFraud: 0,
  labelledUnsure: 0,
};

/** The most reasons and rules one answer lists. */
export const MAX_HOLD_GROUPS = 200;

function holdsWhere(period: Period, f: HoldFilter, alias = "") {
  const { fromMs, toMs } = dayBounds(period);
  const a = alias ? `${alias}.` : "";
  let sql = `${a}placed_at_ms >= ? AND ${a}placed_at_ms < ?`;
  const binds: unknown[] = [fromMs, toMs];
  if (f.kind) {
    sql += ` AND ${a}kind = ?`;
    binds.push(f.kind);
  }
  if (f.reason) {
    // instr, not LIKE: a reason code's `_` would be a LIKE wildcard (as in the holds queue).
    sql += ` AND instr(${a}reason_codes, ?) > 0`;
    binds.push(` ${f.reason} `);
  }
  return { sql, binds };
}

/**
 * Users scored per day of the period (and in the whole period), as described above, counted on
 * the global database: its own parts in SQL (it is user database 0), and `shipped`, the
 * (day, user) parts of every other user database (`holdFiguresOf`), as JSON parameters. At one
 * user database nothing is shipped and the count runs inside D1 alone.
 */
function scoredSql(
  period: Period,
  f: HoldFilter,
  shipped: ReadonlyArray<readonly [string, string]>,
) {
  // The shipped pairs as JSON parameters of at most HELD_PAIRS_PER_PARAM each: one value stays
  // well under D1's 2 MB a value however long the range, one UNION arm per parameter.
  const shippedParams: string[] = [];
  for (let i = 0; i < shipped.length; i += HELD_PAIRS_PER_PARAM) {
    shippedParams.push(JSON.stringify(shipped.slice(i, i + HELD_PAIRS_PER_PARAM)));
  }
  const own = populationParts(period, f);
  const arms = [
    "SELECT day, user_id FROM risk_scored_daily WHERE day >= ? AND day <= ?",
    ...own.map((part) => part.sql),
    ...shippedParams.map(() => "SELECT value ->> 0, value ->> 1 FROM json_each(?)"),
  ];
  return {
    union: arms.join("\n    UNION "),
    binds: [period.from, period.to, ...own.flatMap((part) => part.binds), ...shippedParams],
  };
}

/** Held (day, user) pairs per JSON parameter: ~80 bytes a pair keeps one under ~1.2 MB. */
const HELD_PAIRS_PER_PARAM = 15_000;

const HOLD_DAY = "strftime('%Y-%m-%d', placed_at_ms / 1000, 'unixepoch')";
const PAYOUT_DAY = "strftime('%Y-%m-%d', created_at_ms / 1000, 'unixepoch')";
const QUALIFIED_DAY = "strftime('%Y-%m-%d', qualified_at_ms / 1000, 'unixepoch')";

/**
 * The scored population's parts one user database holds, as (day, user) selects: held users
 * (under the page's filter), users who asked for a payout, qualified referees (a referral lives
 * in its referee's database).
 */
function populationParts(period: Period, f: HoldFilter): Array<{ sql: string; binds: unknown[] }> {
  const held = holdsWhere(period, f);
  const { fromMs, toMs } = dayBounds(period);
  return [
    {
      sql: `SELECT ${HOLD_DAY} AS day, user_id FROM risk_holds WHERE ${held.sql}`,
      binds: held.binds,
    },
    {
      sql: `SELECT ${PAYOUT_DAY} AS day, user_id FROM payouts
        WHERE created_at_ms >= ? AND created_at_ms < ?`,
      binds: [fromMs, toMs],
    },
    {
      sql: `SELECT ${QUALIFIED_DAY} AS day, referee_id AS user_id FROM referrals
        WHERE qualified_at_ms >= ? AND qualified_at_ms < ?`,
      binds: [fromMs, toMs],
    },
  ];
}

/** A user database's population parts of the period in one read, to ship to the global count. */
function populationPairsStatement(db: D1Database, period: Period, f: HoldFilter) {
  const parts = populationParts(period, f);
  return db
    .prepare(`SELECT DISTINCT day, user_id FROM (${parts.map((part) => part.sql).join(" UNION ")})`)
    .bind(...parts.flatMap((part) => part.binds));
}

/**
 * One user database's hold figures for the range: its own totals, days, reasons and rules, and,
 * when `ship` (every user database but the global one, which the count reads in SQL), its
 * part of the scored population.
 */
async function holdFiguresOf(
  db: D1Database,
  range: Period & { previous: Period },
  f: HoldFilter,
  ship: boolean,
) {
  const cur = holdsWhere(range, f);
  const prev = holdsWhere(range.previous, f);
  const [totals, previousTotals, perDay, byReason, byRule, shipped, previouslyShipped] =
    await db.batch<Record<string, unknown>>([
      db.prepare(`SELECT ${OUTCOMES} FROM risk_holds WHERE ${cur.sql}`).bind(...cur.binds),
      db.prepare(`SELECT ${OUTCOMES} FROM risk_holds WHERE ${prev.sql}`).bind(...prev.binds),
      db
        .prepare(
          `SELECT ${HOLD_DAY} AS day, ${OUTCOMES} FROM risk_holds WHERE ${cur.sql}
           GROUP BY day ORDER BY day`,
        )
        .bind(...cur.binds),
      // Every group, not the first MAX_HOLD_GROUPS: the cut is made after the databases' merge.
      db
        .prepare(
          `SELECT codes.code AS reason, ${OUTCOMES} FROM (
             SELECT DISTINCT h.user_id, h.hold_id, json_extract(r.value, '$.code') AS code
             FROM risk_holds h, json_each(h.reasons_json) r WHERE ${holdsWhere(range, f, "h").sql}
           ) codes JOIN risk_holds USING (user_id, hold_id)
           GROUP BY codes.code`,
        )
        .bind(...cur.binds),
      db
        .prepare(
          `SELECT COALESCE(rule_id, '') AS ruleId, source, ${OUTCOMES} FROM risk_holds
           WHERE ${cur.sql} GROUP BY rule_id, source`,
        )
        .bind(...cur.binds),
      ...(ship
        ? [populationPairsStatement(db, range, f), populationPairsStatement(db, range.previous, f)]
        : []),
    ]);
  const pairs = (r: { results: Record<string, unknown>[] } | undefined) =>
    (r?.results ?? []).map((p) => [String(p.day), String(p.user_id)] as const);
  return {
    totals: totals?.results[0],
    previousTotals: previousTotals?.results[0],
    perDay: (perDay?.results ?? []) as unknown as Array<HoldCounts & { day: string }>,
    byReason: (byReason?.results ?? []) as unknown as Array<HoldCounts & { reason: string }>,
    byRule: (byRule?.results ?? []) as unknown as Array<
      HoldCounts & { ruleId: string; source: string }
    >,
    shipped: pairs(shipped),
    previouslyShipped: pairs(previouslyShipped),
  };
}

/** Pure: hold counts of several databases added up (a hold, and its user, is in one). */
function addCounts(...parts: Array<object | undefined>): HoldCounts {
  const sum = { ...ZERO };
  for (const part of parts) {
    for (const key of Object.keys(ZERO) as Array<keyof HoldCounts>) {
      sum[key] += Number((part as Partial<HoldCounts> | undefined)?.[key] ?? 0);
    }
  }
  return sum;
}

/** Pure: groups of several databases merged by `keyOf`, most placed first, at most `max`. */
function mergeGroups<T extends HoldCounts>(
  rows: readonly T[],
  keyOf: (row: T) => string,
  max: number,
): T[] {
  const merged = new Map<string, T>();
  for (const row of rows) {
    const key = keyOf(row);
    const seen = merged.get(key);
    merged.set(key, seen ? { ...seen, ...addCounts(seen, row) } : { ...row, ...addCounts(row) });
  }
  return [...merged.entries()]
    .sort(([a, x], [b, y]) => y.placed - x.placed || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, max)
    .map(([, row]) => row);
}

export async function holdRateFigures(
  env: DbRouterEnv,
  range: Period & { previous: Period },
  f: HoldFilter,
) {
  const db = globalDb(env);
  const perDb = await Promise.all(
    eachUserDb(env).map((userDb) => holdFiguresOf(userDb, range, f, userDb !== db)),
  );
  const sc = scoredSql(
    range,
    f,
    perDb.flatMap((d) => d.shipped),
  );
  const sp = scoredSql(
    range.previous,
    f,
    perDb.flatMap((d) => d.previouslyShipped),
  );
  const [scored, previousScored, scoredPerDay] = await db.batch<Record<string, unknown>>([
    db.prepare(`SELECT COUNT(DISTINCT user_id) AS n FROM (${sc.union})`).bind(...sc.binds),
    db.prepare(`SELECT COUNT(DISTINCT user_id) AS n FROM (${sp.union})`).bind(...sp.binds),
    db
      .prepare(`SELECT day, COUNT(DISTINCT user_id) AS n FROM (${sc.union}) GROUP BY day`)
      .bind(...sc.binds),
  ]);
  const totals = { results: [addCounts(...perDb.map((d) => d.totals))] };
  const previousTotals = { results: [addCounts(...perDb.map((d) => d.previousTotals))] };
  const perDay = {
    results: mergeGroups(
      perDb.flatMap((d) => d.perDay),
      (r) => r.day,
      Number.POSITIVE_INFINITY,
    ).sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0)),
  };
  const byReason = {
    results: mergeGroups(
      perDb.flatMap((d) => d.byReason),
      (r) => r.reason,
      MAX_HOLD_GROUPS,
    ),
  };
  const byRule = {
    results: mergeGroups(
      perDb.flatMap((d) => d.byRule),
      // The two columns joined with a character neither holds.
      (r) => `${r.ruleId}\u0000${r.source}`,
      MAX_HOLD_GROUPS,
    ),
  };
  const counts = (r: object | undefined): HoldCounts => ({
    ...ZERO,
    ...(r as Partial<HoldCounts>),
  });
  const n = (r: { results: Record<string, unknown>[] } | undefined) =>
    Number(r?.results[0]?.n ?? 0);
  const withRates = (c: HoldCounts, scoredUsers: number) => ({
    ...c,
    scoredUsers,
    holdRateBps: rateBps(c.heldUsers, scoredUsers),
    falsePositiveRateBps: rateBps(c.falsePositives, c.decided),
  });
  const scoredByDay = new Map(
    ((scoredPerDay?.results ?? []) as Array<{ day: string; n: number }>).map((r) => [r.day, r.n]),
  );
  const days = ((perDay?.results ?? []) as unknown as Array<HoldCounts & { day: string }>).map(
    (d) => ({ ...counts(d), day: d.day }),
  );
  const groupRow = (c: HoldCounts) => ({
    placed: c.placed,
    heldUsers: c.heldUsers,
    pending: c.pending,
    released: c.released,
    steppedUp: c.steppedUp,
    confirmedFraud: c.confirmedFraud,
    decided: c.decided,
    falsePositives: c.falsePositives,
    falsePositiveRateBps: rateBps(c.falsePositives, c.decided),
  });
  return {
    totals: withRates(counts(totals?.results[0]), n(scored)),
    previousTotals: withRates(counts(previousTotals?.results[0]), n(previousScored)),
    perDay: everyDay(range.from, range.to, days, (day) => ({ ...ZERO, day })).map((d) => {
      const scoredUsers = scoredByDay.get(d.day) ?? 0;
      return {
        day: d.day,
        scoredUsers,
        ...groupRow(d),
        holdRateBps: rateBps(d.heldUsers, scoredUsers),
      };
    }),
    byReason: ((byReason?.results ?? []) as unknown as Array<HoldCounts & { reason: string }>).map(
      (r) => ({ reason: r.reason, ...groupRow(counts(r)) }),
    ),
    byRule: (
      (byRule?.results ?? []) as unknown as Array<HoldCounts & { ruleId: string; source: string }>
    ).map((r) => ({ ruleId: r.ruleId || null, source: r.source, ...groupRow(counts(r)) })),
  };
}
