import type { ReferralFunnel } from "./schemas";
import type { FunnelQuery, StageRow, TimeRow } from "./store";

/**
 * Pure: the funnel's answer from its rows (store.ts). Each group's stage counts get their
 * click → qualification times beside them (a group without any has zero referrals and nulls);
 * a campaign's link clicks are null (a campaign is chosen when a referral qualifies, so a
 * click belongs to no campaign); a referrer's clicks are theirs in the range.
 */

export interface FunnelInput {
  query: FunnelQuery;
  clicks: number;
  all: StageRow | null;
  byRule: ReadonlyArray<StageRow & { ruleId: string | null }>;
  byReferrer: ReadonlyArray<StageRow & { referrerId: string }>;
  referrerClicks: ReadonlyArray<{ referrerId: string; clicks: number }>;
  timesAll: TimeRow | null;
  timesByRule: readonly TimeRow[];
  timesByReferrer: readonly TimeRow[];
}

const NO_STAGES: StageRow = {
  signups: 0,
  qualified: 0,
  rewarded: 0,
  held: 0,
  rejected: 0,
  reversed: 0,
};

const asInt = (v: unknown): number | null =>
  v === null || v === undefined || !Number.isFinite(Number(v)) ? null : Math.round(Number(v));

function times(row: TimeRow | undefined | null) {
  return {
    referrals: asInt(row?.referrals) ?? 0,
    medianMs: asInt(row?.medianMs),
    p90Ms: asInt(row?.p90Ms),
  };
}

function stages(row: StageRow | null | undefined): StageRow {
  const r = row ?? NO_STAGES;
  return {
    signups: Number(r.signups),
    qualified: Number(r.qualified),
    rewarded: Number(r.rewarded),
    held: Number(r.held),
    rejected: Number(r.rejected),
    reversed: Number(r.reversed),
  };
}

/**
 * @example
 * assembleFunnel({ query, clicks: 12, all, byRule, byReferrer, referrerClicks, timesAll,
 *   timesByRule, timesByReferrer, }) // { from, to, total: { clicks: 12, signups: … }, … }
 */
export function assembleFunnel(input: FunnelInput): ReferralFunnel {
  const { query } = input;
  const timeOf = (rows: readonly TimeRow[], key: string | null) =>
    times(rows.find((t) => (t.grp ?? null) === key));
  const clicksOf = new Map(input.referrerClicks.map((r) => [r.referrerId, Number(r.clicks)]));
  return {
    from: new Date(query.fromMs).toISOString(),
    to: new Date(query.toMs).toISOString(),
    ruleId: query.ruleId,
    referrerId: query.referrerId,
    total: {
      clicks: query.ruleId === null ? input.clicks : null,
      ...stages(input.all),
      clickToQualification: times(input.timesAll),
    },
    byCampaign: input.byRule.map((r) => ({
      ruleId: r.ruleId,
      ...stages(r),
      clickToQualification: timeOf(input.timesByRule, r.ruleId),
    })),
    byReferrer: input.byReferrer.map((r) => ({
      referrerId: r.referrerId,
      clicks: query.ruleId === null ? (clicksOf.get(r.referrerId) ?? 0) : null,
      ...stages(r),
      clickToQualification: timeOf(input.timesByReferrer, r.referrerId),
    })),
  };
}
