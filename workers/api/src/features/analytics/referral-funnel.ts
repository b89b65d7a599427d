import { type DbRouterEnv, globalDb } from "#shared/db/router";
import { type ClickStageRow, clickStages } from "../referrals/index";
import { dayBounds, everyDay, rateBps } from "./rates";

/**
 * The referral funnel per program for the analytics section (docs/analytics.md "Referral
 * funnel"): share → click → signup → qualified → rewarded, per UTC day range with the
 * previous period, from D1 `referral_codes` (a code issued: the member has something to
 * share), `referral_clicks` (link clicks and who shared: spread over the user databases by
 * referrer, read through their store as each database's counts added) and the `referrals`
 * projection (signups attributed in the range, and of those the ones that qualified and are
 * rewarded now). Same stage rules as `GET /admin/v1/referrals/funnel` (features/referral-funnel/).
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
 * One UNION ALL of the two global sources, each row tagged with its day and program, summed by
 * the caller's grouping (`''`, `day` or `program_id`); the clicks and sharers come from
 * `clickStages` and are added by the same key.
 */
function stagesSql(group: "" | "day" | "program_id") {
  const sel = group ? `${group}, ` : "";
  const by = group ? `GROUP BY ${group} ORDER BY ${group}` : "";
  return `SELECT ${sel}
      COALESCE(SUM(codes), 0) AS codesIssued, COALESCE(SUM(signups), 0) AS signups,
      COALESCE(SUM(qualified), 0) AS qualified, COALESCE(SUM(rewarded), 0) AS rewarded
    FROM (
      SELECT ${DAY("created_at_ms")} AS day, program_id, 1 AS codes, 0 AS signups,
        0 AS qualified, 0 AS rewarded
      FROM referral_codes WHERE created_at_ms >= ?1 AND created_at_ms < ?2
        AND (?3 IS NULL OR program_id = ?3)
      UNION ALL
      SELECT ${DAY("attributed_at_ms")}, program_id, 0, 1,
        CASE WHEN ${QUALIFIED} THEN 1 ELSE 0 END, CASE WHEN state = 'rewarded' THEN 1 ELSE 0 END
      FROM referrals WHERE attributed_at_ms >= ?1 AND attributed_at_ms < ?2
        AND (?3 IS NULL OR program_id = ?3)
    ) ${by}`;
}

type Row = Record<string, unknown>;

/**
 * Pure: the global rows and the click rows of one grouping side by side, by the group's key
 * (`keyOf`); a group only one side has gets zeros from the other. Ordered by key, as the
 * single query ordered its groups.
 */
function withClicks(
  rows: readonly Row[],
  clicks: readonly ClickStageRow[],
  keyOf: (r: Row | ClickStageRow) => string,
): Row[] {
  const merged = new Map<string, Row>();
  for (const r of rows) merged.set(keyOf(r), { ...r, clicks: 0, sharers: 0 });
  for (const c of clicks) {
    merged.set(keyOf(c), { ...(merged.get(keyOf(c)) ?? c), clicks: c.clicks, sharers: c.sharers });
  }
  return [...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

export async function referralFunnelFigures(
  env: DbRouterEnv,
  range: Period & { previous: Period },
  programId: string | undefined,
) {
  const db = globalDb(env);
  const cur = dayBounds(range);
  const prev = dayBounds(range.previous);
  const p = programId ?? null;
  const [global, clicksNow, clicksBefore, clicksPerDay, clicksByProgram] = await Promise.all([
    db.batch<Row>([
      db.prepare(stagesSql("")).bind(cur.fromMs, cur.toMs, p),
      db.prepare(stagesSql("")).bind(prev.fromMs, prev.toMs, p),
      db.prepare(stagesSql("day")).bind(cur.fromMs, cur.toMs, p),
      db.prepare(stagesSql("program_id")).bind(cur.fromMs, cur.toMs, p),
    ]),
    clickStages(env, cur, p, ""),
    clickStages(env, prev, p, ""),
    clickStages(env, cur, p, "day"),
    clickStages(env, cur, p, "program_id"),
  ]);
  const [totalRows, previousRows, dayRows, programRows] = global.map((r) => r.results);
  const whole = () => "";
  const totals = { results: withClicks(totalRows ?? [], clicksNow, whole) };
  const previousTotals = { results: withClicks(previousRows ?? [], clicksBefore, whole) };
  const perDay = { results: withClicks(dayRows ?? [], clicksPerDay, (r) => String(r.day)) };
  const byProgram = {
    results: withClicks(programRows ?? [], clicksByProgram, (r) => String(r.program_id)),
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
