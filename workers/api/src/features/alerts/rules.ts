import type { AlertThresholds } from "./settings";

/**
 * The alert rules: each a pure function from a small snapshot of the platform's own signals
 * (read by signals.ts in one bounded D1 batch) and the operator's thresholds to the alerts that
 * should be open now. An alert is named by rule × subject (its dedup key); the evaluation
 * (evaluate.ts) opens what fires, counts repeats, and resolves what no longer fires.
 */

export const ALERT_RULES = [
  "reconciliation_differences",
  "payout_discrepancies",
  "payouts_stuck",
  "payouts_attention",
  "circuit_breaker_open",
  "dead_letter_backlog",
  "wallet_audit_difference",
  "network_postbacks_drop",
  "network_conversions_drop",
] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

export type AlertSeverity = "warning" | "critical";

/** One rule's finding: what the alert says, and the figures behind it (counts, never PII). */
export interface Firing {
  rule: AlertRule;
  subject: string;
  severity: AlertSeverity;
  summary: string;
  detail: Record<string, unknown>;
}

/** One dead-letter store that exists in D1, with its backlog. */
export interface DeadLetterSignal {
  source: string;
  count: number;
  oldestAtMs: number | null;
  /** The backlog the previous evaluation counted; null on the first run that saw the store. */
  previousCount: number | null;
}

/** One network's volume in the last hour, and the same hour on each of the previous 7 days. */
export interface NetworkVolumeSignal {
  networkId: string;
  postbacksLastHour: number;
  /** Postbacks in the same clock hour on each of the 7 previous days (missing days are 0). */
  postbacksPriorDays: readonly number[];
  conversionsLastHour: number;
  conversionsPriorDays: readonly number[];
}

export interface SignalSnapshot {
  nowMs: number;
  /** Unexplained report-reconciliation items per network within the lookback. */
  reconciliationDifferences: ReadonlyArray<{ networkId: string; items: number }>;
  /** Payout reconciliation discrepancies (not wallet audits) within the lookback. */
  payoutDiscrepancies: number;
  stuckPayouts: { count: number; oldestAtMs: number | null };
  attentionPayouts: number;
  openBreakers: ReadonlyArray<{
    networkId: string;
    openedAtMs: number | null;
    consecutiveFailures: number;
  }>;
  deadLetters: readonly DeadLetterSignal[];
  /** Wallet audits that found ledger and buckets disagreeing, within the lookback. */
  walletAuditDifferences: number;
  networks: readonly NetworkVolumeSignal[];
}

const MINUTE_MS = 60_000;

export function reconciliationDifferencesRule(s: SignalSnapshot, t: AlertThresholds): Firing[] {
  return s.reconciliationDifferences
    .filter((r) => r.items > t.reconciliationDifferences)
    .map((r) => ({
      rule: "reconciliation_differences",
      subject: r.networkId,
      severity: "warning",
      summary: `${r.items} unexplained report reconciliation difference(s) for network ${r.networkId} in the last ${t.reconciliationLookbackHours} h`,
      detail: { items: r.items, threshold: t.reconciliationDifferences },
    }));
}

export function payoutDiscrepanciesRule(s: SignalSnapshot, t: AlertThresholds): Firing[] {
  if (s.payoutDiscrepancies <= t.payoutDiscrepancies) return [];
  return [
    {
      rule: "payout_discrepancies",
      subject: "processor",
      severity: "critical",
      summary: `${s.payoutDiscrepancies} payout reconciliation discrepancy(ies) with the processor in the last ${t.reconciliationLookbackHours} h`,
      detail: { discrepancies: s.payoutDiscrepancies, threshold: t.payoutDiscrepancies },
    },
  ];
}

export function payoutsStuckRule(s: SignalSnapshot, t: AlertThresholds): Firing[] {
  if (s.stuckPayouts.count < t.stuckPayouts || s.stuckPayouts.count === 0) return [];
  return [
    {
      rule: "payouts_stuck",
      subject: "payouts",
      severity: "critical",
      summary: `${s.stuckPayouts.count} payout(s) stuck after exhausting retries; money stays reserved until an operator retries or cancels`,
      detail: {
        stuck: s.stuckPayouts.count,
        oldestAt:
          s.stuckPayouts.oldestAtMs === null
            ? null
            : new Date(s.stuckPayouts.oldestAtMs).toISOString(),
        threshold: t.stuckPayouts,
      },
    },
  ];
}

export function payoutsAttentionRule(s: SignalSnapshot, t: AlertThresholds): Firing[] {
  if (s.attentionPayouts < t.attentionPayouts || s.attentionPayouts === 0) return [];
  return [
    {
      rule: "payouts_attention",
      subject: "payouts",
      severity: "critical",
      summary: `${s.attentionPayouts} payout(s) need attention: the processor contradicted a final state or an amount`,
      detail: { attention: s.attentionPayouts, threshold: t.attentionPayouts },
    },
  ];
}

export function circuitBreakerRule(s: SignalSnapshot): Firing[] {
  return s.openBreakers.map((b) => ({
    rule: "circuit_breaker_open",
    subject: b.networkId,
    severity: "warning",
    summary: `Merchant sync circuit breaker open for network ${b.networkId}: its offers are hidden`,
    detail: {
      consecutiveFailures: b.consecutiveFailures,
      openedAt: b.openedAtMs === null ? null : new Date(b.openedAtMs).toISOString(),
    },
  }));
}

/**
 * A dead-letter store needs a person when its backlog is large, old, or growing: at least
 * `deadLetterBacklog` rows, the oldest older than `deadLetterMaxAgeMinutes`, or at least
 * `deadLetterGrowth` more rows than the previous evaluation counted (ten minutes earlier).
 */
export function deadLetterRule(s: SignalSnapshot, t: AlertThresholds): Firing[] {
  const out: Firing[] = [];
  for (const d of s.deadLetters) {
    if (d.count === 0) continue;
    const ageMinutes = d.oldestAtMs === null ? 0 : Math.floor((s.nowMs - d.oldestAtMs) / MINUTE_MS);
    const growth = d.previousCount === null ? 0 : d.count - d.previousCount;
    const tooMany = d.count >= t.deadLetterBacklog;
    const tooOld = ageMinutes > t.deadLetterMaxAgeMinutes;
    const growing = growth >= t.deadLetterGrowth;
    if (!tooMany && !tooOld && !growing) continue;
    const grew = growing ? `, ${growth} more than the previous run` : "";
    out.push({
      rule: "dead_letter_backlog",
      subject: d.source,
      severity: "warning",
      summary: `Dead-letter backlog ${d.source}: ${d.count} waiting, oldest ${ageMinutes} min${grew}`,
      detail: {
        count: d.count,
        oldestAgeMinutes: ageMinutes,
        growth,
        reasons: [
          ...(tooMany ? ["size"] : []),
          ...(tooOld ? ["age"] : []),
          ...(growing ? ["growth"] : []),
        ],
        backlogThreshold: t.deadLetterBacklog,
        maxAgeMinutes: t.deadLetterMaxAgeMinutes,
        growthThreshold: t.deadLetterGrowth,
      },
    });
  }
  return out;
}

export function walletAuditRule(s: SignalSnapshot, t: AlertThresholds): Firing[] {
  if (s.walletAuditDifferences <= t.walletAuditDifferences) return [];
  return [
    {
      rule: "wallet_audit_difference",
      subject: "wallets",
      severity: "critical",
      summary: `${s.walletAuditDifferences} wallet audit(s) found the ledger and the balances disagreeing in the last ${t.reconciliationLookbackHours} h`,
      detail: { wallets: s.walletAuditDifferences, threshold: t.walletAuditDifferences },
    },
  ];
}

/** The trailing average of the prior days (7 values; a missing day counts as 0). */
export function trailingAverage(priorDays: readonly number[], days = 7): number {
  let sum = 0;
  for (let i = 0; i < days; i++) sum += priorDays[i] ?? 0;
  return sum / days;
}

function dropFiring(
  rule: "network_postbacks_drop" | "network_conversions_drop",
  what: string,
  networkId: string,
  lastHour: number,
  prior: readonly number[],
  t: AlertThresholds,
): Firing | null {
  const average = trailingAverage(prior);
  // A quiet network never pages: the expectation must be worth an operator's night.
  if (average < t.networkMinHourlyVolume) return null;
  if (lastHour >= average * t.networkDropRatio) return null;
  return {
    rule,
    subject: networkId,
    severity: "warning",
    summary: `Network ${networkId}: ${lastHour} ${what} in the last hour against a 7-day same-hour average of ${average.toFixed(1)}`,
    detail: {
      lastHour,
      trailingAverage: Math.round(average * 10) / 10,
      dropRatio: t.networkDropRatio,
      minHourlyVolume: t.networkMinHourlyVolume,
    },
  };
}

export function networkDropRule(s: SignalSnapshot, t: AlertThresholds): Firing[] {
  const out: Firing[] = [];
  for (const n of s.networks) {
    const postbacks = dropFiring(
      "network_postbacks_drop",
      "postbacks",
      n.networkId,
      n.postbacksLastHour,
      n.postbacksPriorDays,
      t,
    );
    if (postbacks) out.push(postbacks);
    const conversions = dropFiring(
      "network_conversions_drop",
      "conversions",
      n.networkId,
      n.conversionsLastHour,
      n.conversionsPriorDays,
      t,
    );
    if (conversions) out.push(conversions);
  }
  return out;
}

/**
 * Every rule over one snapshot, in a stable order.
 *
 * @example
 * const firing = evaluateRules(snapshot, DEFAULT_THRESHOLDS);
 */
export function evaluateRules(s: SignalSnapshot, t: AlertThresholds): Firing[] {
  return [
    ...reconciliationDifferencesRule(s, t),
    ...payoutDiscrepanciesRule(s, t),
    ...payoutsStuckRule(s, t),
    ...payoutsAttentionRule(s, t),
    ...circuitBreakerRule(s),
    ...deadLetterRule(s, t),
    ...walletAuditRule(s, t),
    ...networkDropRule(s, t),
  ];
}

/** The dedup key of a firing: one live alert per rule × subject. */
export const dedupKeyOf = (f: { rule: string; subject: string }) => `${f.rule}:${f.subject}`;
