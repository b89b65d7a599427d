import type { ReferralTerms } from "./referral-terms";

/**
 * SQL for the money terms of the qualified referral (`referral_terms`, wallet schema step 19),
 * in the referee's wallet: the rule and the event that qualified it, the campaign's conditions
 * for confirming the bonuses and what a partial refund does, and when the bonuses were
 * confirmed. Written once, at qualification (referral-rewards.ts).
 */

export interface StoredReferralTerms extends ReferralTerms {
  referralId: string;
  ruleId: string;
  ruleVersion: number;
  /** The qualifying event. */
  eventId: string;
  confirmedAtMs: number | null;
}

interface Row extends Record<string, SqlStorageValue> {
  referral_id: string;
  rule_id: string;
  rule_version: number;
  event_id: string;
  min_account_age_days: number;
  await_event_confirmation: number;
  partial_refund: string;
  confirmed_at_ms: number | null;
}

export function insertReferralTerms(
  sql: SqlStorage,
  terms: Omit<StoredReferralTerms, "confirmedAtMs">,
): void {
  sql.exec(
    `INSERT OR IGNORE INTO referral_terms (referral_id, rule_id, rule_version, event_id,
       min_account_age_days, await_event_confirmation, partial_refund)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    terms.referralId,
    terms.ruleId,
    terms.ruleVersion,
    terms.eventId,
    terms.minAccountAgeDays,
    terms.awaitEventConfirmation ? 1 : 0,
    terms.partialRefund,
  );
}

export function findReferralTerms(sql: SqlStorage, referralId: string): StoredReferralTerms | null {
  const row = sql
    .exec<Row>(`SELECT * FROM referral_terms WHERE referral_id = ?`, referralId)
    .toArray()[0];
  if (!row) return null;
  return {
    referralId: row.referral_id,
    ruleId: row.rule_id,
    ruleVersion: row.rule_version,
    eventId: row.event_id,
    minAccountAgeDays: row.min_account_age_days,
    awaitEventConfirmation: row.await_event_confirmation === 1,
    partialRefund: row.partial_refund === "proportional" ? "proportional" : "keep",
    confirmedAtMs: row.confirmed_at_ms,
  };
}

export function markReferralConfirmed(sql: SqlStorage, referralId: string, atMs: number): void {
  sql.exec(`UPDATE referral_terms SET confirmed_at_ms = ? WHERE referral_id = ?`, atMs, referralId);
}
