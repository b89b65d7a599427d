import { type DbRouterEnv, eachUserDb, globalDb } from "#shared/db/router";
import { clickStages } from "../referrals/index";
import { dayBounds, everyDay, rateBps } from "./rates";

/**
 * The referral funnel per program for the analytics section (docs/analytics.md "Referral
 * funnel"): share → click → signup → qualified → rewarded, per UTC day range with the
 * previous period, from D1 `referral_codes` (a code issued: the member has something to
 * share), `referral_clicks` (link clicks and who shared: spread over the user databases by
 * referrer, read through their store as each database's counts added) and the `referrals`
 * projection (signups attributed in the range, and of those the ones that qualified and are
 * rewarded now; in the referees' user databases, each database's counts added). Same stage rules as `GET /admin/v1/referrals/funnel` (features/referral-funnel/).
 */

export interface ReferralCounts {
  codesIssued: number;
  sharers: number;
  clicks: number;
  signups: number;
  qualified: number;
  rewarded: number;
}

const ZERO: ReferralCounts = {
  codesIssued: 0,
  sharers: 0,
  clicks: 0,
  signups: 0,
  qualified: 0,
  rewarded: 0,
};

/** The states a referral reaches only by qualifying (as the referral funnel counts them). */
const QUALIFIED = `(qualified_at_ms IS NOT NULL OR state IN ('qualified', 'rewarded', 'held', 'reversed'))`;

interface Period {
  from: string;
  to: string;
}

const DAY = (col: string) => `strftime('%Y-%m-%d', ${col} / 1000, 'unixepoch')`;

/**
 * One source's stages in the range, summed by the caller's grouping (`''`, `day` or
 * `program_id`): the codes issued (global database), or the signups and what became of them
 * (`referrals`, on each user database: a referral lives in its referee's). The clicks and
 * sharers come from `clickStages`; all are added by the group's key (`mergeStages`).
 */
function stagesSql(group: "" | "day" | "program_id", source: "codes" | "referrals") {
  const sel = group ? `${group}, ` : "";
  const by = group ? `GROUP BY ${group}` : "";
  const rows =
    source === "codes"
      ? `SELECT ${DAY("created_at_ms")} AS day, program_id, 1 AS codes, 0 AS signups,
        0 AS qualified, 0 AS rewarded
      FROM referral_codes WHERE created_at_ms >= ?1 AND created_at_ms < ?2
        AND (?3 IS NULL OR program_id = ?3)`
      : `SELECT ${DAY("attributed_at_ms")} AS day, program_id, 0 AS codes, 1 AS signups,
        CASE WHEN ${QUALIFIED} THEN 1 ELSE 0 END AS qualified,
        CASE WHEN state = 'rewarded' THEN 1 ELSE 0 END AS rewarded
      FROM referrals WHERE attributed_at_ms >= ?1 AND attributed_at_ms < ?2
        AND (?3 IS NULL OR program_id = ?3)`;
  return `SELECT ${sel}
      COALESCE(SUM(codes), 0) AS codesIssued, COALESCE(SUM(signups), 0) AS signups,
      COALESCE(SUM(qualified), 0) AS qualified, COALESCE(SUM(rewarded), 0) AS rewarded
    FROM (${rows}) ${by}`;
}

type Row = Record<string, unknown>;

/**
 * Pure: the groups of every source and database added by the group's key (`keyOf`); a count a
 * source does not have is 0. Ordered by key, as the single query ordered its groups.
 */
function mergeStages(lists: ReadonlyArray<readonly Row[]>, keyOf: (r: Row) => string): Row[] {
  const merged = new Map<string, Row>();
  for (const row of lists.flat()) {
    const key = keyOf(row);
    const seen = merged.get(key) ?? { ...row, ...ZERO };
    for (const field of Object.keys(ZERO)) {
      seen[field] = Number(seen[field] ?? 0) + Number(row[field] ?? 0);
    }
    merged.set(key, seen);
  }
  return [...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

export async function referralFunnelFigures(
  env: DbRouterEnv,
  range: Period & { previous: Period },
  programId: string | undefined,
) {
  const cur = dayBounds(range);
  const prev = dayBounds(range.previous);
  const p = programId ?? null;
  /** One source's four groupings on `db`: totals, previous totals, per day, per program. */
  const sourceOn = async (db: D1Database, source: "codes" | "referrals") =>
    (
      await db.batch<Row>([
        db.prepare(stagesSql("", source)).bind(cur.fromMs, cur.toMs, p),
        db.prepare(stagesSql("", source)).bind(prev.fromMs, prev.toMs, p),
        db.prepare(stagesSql("day", source)).bind(cur.fromMs, cur.toMs, p),
        db.prepare(stagesSql("program_id", source)).bind(cur.fromMs, cur.toMs, p),
      ])
    ).map((r) => r.results);
  const [codes, referralsPerDb, clicksNow, clicksBefore, clicksPerDay, clicksByProgram] =
    await Promise.all([
      sourceOn(globalDb(env), "codes"),
      Promise.all(eachUserDb(env).map((db) => sourceOn(db, "referrals"))),
      clickStages(env, cur, p, ""),
      clickStages(env, prev, p, ""),
      clickStages(env, cur, p, "day"),
      clickStages(env, cur, p, "program_id"),
    ]);
  const sources = [codes, ...referralsPerDb];
  const grouping = (i: number) => sources.map((s) => s[i] ?? []);
  const whole = () => "";
  const totals = { results: mergeStages([...grouping(0), clicksNow], whole) };
  const previousTotals = { results: mergeStages([...grouping(1), clicksBefore], whole) };
  const perDay = { results: mergeStages([...grouping(2), clicksPerDay], (r) => String(r.day)) };
  const byProgram = {
    results: mergeStages([...grouping(3), clicksByProgram], (r) => String(r.program_id)),
  };
  const counts = (r: Record<string, unknown> | undefined): ReferralCounts => {
    const out = { ...ZERO };
    for (const key of Object.keys(ZERO) as Array<keyof ReferralCounts>) {
      out[key] = Number(r?.[key] ?? 0);
    }
    return out;
  };
  const withRates = (c: ReferralCounts) => ({
    ...c,
    signupOfClicksBps: rateBps(c.signups, c.clicks),
    qualifiedOfSignupsBps: rateBps(c.qualified, c.signups),
    rewardedOfSignupsBps: rateBps(c.rewarded, c.signups),
  });
  const days = ((perDay?.results ?? []) as Array<Record<string, unknown>>).map((d) => ({
    ...counts(d),
    day: String(d.day),
  }));
  return {
    totals: withRates(counts(totals?.results[0])),
    previousTotals: withRates(counts(previousTotals?.results[0])),
    perDay: everyDay(range.from, range.to, days, (day) => ({ ...ZERO, day })).map((d) => ({
      day: d.day,
      codesIssued: d.codesIssued,
      sharers: d.sharers,
      clicks: d.clicks,
      signups: d.signups,
      qualified: d.qualified,
      rewarded: d.rewarded,
    })),
    byProgram: ((byProgram?.results ?? []) as Array<Record<string, unknown>>).map((r) => ({
      programId: String(r.program_id),
      ...withRates(counts(r)),
    })),
  };
}
