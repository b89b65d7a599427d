/**
 * The operator's alert settings: who is told (a primary contact, a second one for escalation),
 * when a signal is worth an alert (thresholds), and how long an open alert may go
 * unacknowledged before the second contact hears of it. Pure; the store keeps them in D1.
 */

export interface AlertContact {
  name: string;
  /** E-mail address; through the dev outbox until an e-mail adapter is wired (docs/alerts.md). */
  email: string | null;
  /** https endpoint POSTed the signed alert (HMAC + timestamp, like the notifier). */
  webhookUrl: string | null;
}

export interface AlertThresholds {
  /** Unexplained report-reconciliation items per network in the lookback: alert above this. */
  reconciliationDifferences: number;
  /** Payout reconciliation discrepancies (processor vs ours) in the lookback: alert above this. */
  payoutDiscrepancies: number;
  /** How far back reconciliation results count, in hours. */
  reconciliationLookbackHours: number;
  /** Payouts `stuck` (retries exhausted): alert at this many or more. */
  stuckPayouts: number;
  /** Payouts flagged `attention` by a processor contradiction: alert at this many or more. */
  attentionPayouts: number;
  /** A dead-letter backlog: alert at this many rows or more… */
  deadLetterBacklog: number;
  /** …or when its oldest row is older than this, in minutes… */
  deadLetterMaxAgeMinutes: number;
  /** …or when it holds at least this many rows more than at the previous evaluation. */
  deadLetterGrowth: number;
  /** Wallet audit differences (ledger vs buckets) in the lookback: alert above this. */
  walletAuditDifferences: number;
  /**
   * A network's last hour below this fraction of its trailing 7-day same-hour average
   * (postbacks received, conversions recorded): alert. 0.5 means "less than half".
   */
  networkDropRatio: number;
  /** …but only when that trailing average is at least this many per hour (quiet networks never page). */
  networkMinHourlyVolume: number;
}

export interface AlertSettings {
  primary: AlertContact | null;
  secondary: AlertContact | null;
  /** An open alert not acknowledged within this many minutes goes to the secondary contact, once. */
  escalateAfterMinutes: number;
  thresholds: AlertThresholds;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  reconciliationDifferences: 0,
  payoutDiscrepancies: 0,
  reconciliationLookbackHours: 48,
  stuckPayouts: 1,
  attentionPayouts: 1,
  deadLetterBacklog: 100,
  deadLetterMaxAgeMinutes: 60,
  deadLetterGrowth: 10,
  walletAuditDifferences: 0,
  networkDropRatio: 0.5,
  networkMinHourlyVolume: 20,
};

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  primary: null,
  secondary: null,
  escalateAfterMinutes: 30,
  thresholds: DEFAULT_THRESHOLDS,
};

/**
 * Stored settings over the defaults: a threshold missing from what was stored (an older row,
 * a threshold added later) takes its default.
 *
 * @example
 * withAlertDefaults({ escalateAfterMinutes: 15 }).thresholds.stuckPayouts; // 1
 */
export function withAlertDefaults(
  stored: Partial<AlertSettings> | null | undefined,
): AlertSettings {
  return {
    primary: stored?.primary ?? null,
    secondary: stored?.secondary ?? null,
    escalateAfterMinutes:
      stored?.escalateAfterMinutes ?? DEFAULT_ALERT_SETTINGS.escalateAfterMinutes,
    thresholds: { ...DEFAULT_THRESHOLDS, ...(stored?.thresholds ?? {}) },
  };
}
