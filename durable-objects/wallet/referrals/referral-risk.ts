import type { RiskIdentifier } from "#shared/referrals/risk-identifiers";
import type { RiskFlag } from "#shared/referrals/risk-lists";
import { assessReferralRisk, type RiskSignal } from "#shared/referrals/risk-signals";
import type { WalletTx } from "../core/wallet-tx";
import type { StoredEvent } from "../events/event-store";
import type { StoredReferral } from "./referral-store";
import type { RiskLookups } from "./risk-lookups";

/**
 * Fraud signals in the referee's wallet (docs/referrals.md "Fraud holds"). At attribution,
 * inside the signup's transaction, the pure assessReferralRisk weighs the signup's
 * identifiers and list flags (kept as keyed hashes at intake) against what risk-lookups.ts
 * read; the signals, the score and whether the referral will be held are stored on it
 * (wallet schema step 21) with the auto-approve delay then in force. Qualification holds a
 * referral marked so (referral-rewards.ts).
 */

/** Intake's fraud identifiers and list flags of an accepted event (events.ts prepareEvents). */
export function saveEventRisk(
  sql: SqlStorage,
  eventId: string,
  risk: { ids: RiskIdentifier[]; flags: RiskFlag[] },
): void {
  sql.exec(
    `INSERT INTO event_risk (event_id, ids_json, flags_json) VALUES (?, ?, ?)
     ON CONFLICT (event_id) DO NOTHING`,
    eventId,
    JSON.stringify(risk.ids),
    JSON.stringify(risk.flags),
  );
}

function eventRisk(sql: SqlStorage, eventId: string): { ids: RiskIdentifier[]; flags: RiskFlag[] } {
  const row = sql
    .exec<{ ids_json: string; flags_json: string }>(
      `SELECT ids_json, flags_json FROM event_risk WHERE event_id = ?`,
      eventId,
    )
    .toArray()[0];
  return row
    ? {
        ids: JSON.parse(row.ids_json) as RiskIdentifier[],
        flags: JSON.parse(row.flags_json) as RiskFlag[],
      }
    : { ids: [], flags: [] };
}

/** The keyed identifiers intake kept for an event. */
export function storedRiskIdentifiers(sql: SqlStorage, eventId: string): RiskIdentifier[] {
  return eventRisk(sql, eventId).ids;
}

/**
 * Weighs the new referral's signals and records them; returns the referral with its risk.
 * Without lookups (no evidence was read), nothing is recorded.
 */
export function recordReferralRisk(
  tx: WalletTx,
  referral: StoredReferral,
  signup: StoredEvent,
  lookups: RiskLookups | null,
): StoredReferral {
  if (!lookups) return referral;
  const assessment = assessReferralRisk(
    {
      refereeId: referral.refereeId,
      referrerId: referral.referrerId,
      method: referral.method,
      identifiers: eventRisk(tx.sql, signup.eventId).ids,
      flags: eventRisk(tx.sql, signup.eventId).flags,
      holders: lookups.holders,
      chain: lookups.chains[referral.referrerId] ?? [],
      referrerReferralsLastDay: lookups.referralsLastDay[referral.referrerId] ?? 0,
    },
    lookups.fraud,
  );
  if (assessment.signals.length === 0) return referral;
  for (const signal of assessment.signals) {
    tx.sql.exec(
      `INSERT INTO referral_signals (referral_id, code, weight, reason) VALUES (?, ?, ?, ?)
       ON CONFLICT (referral_id, code) DO NOTHING`,
      referral.referralId,
      signal.code,
      signal.weight,
      signal.reason,
    );
  }
  const holdReasons = assessment.signals.map((s) => s.code);
  const autoApproveAfterHours = assessment.hold ? lookups.fraud.autoApproveAfterHours : null;
  tx.sql.exec(
    `UPDATE referrals SET risk_score = ?, risk_hold = ?, auto_approve_after_hours = ?,
       hold_reasons = ? WHERE referral_id = ?`,
    assessment.score,
    assessment.hold ? 1 : 0,
    autoApproveAfterHours,
    JSON.stringify(holdReasons),
    referral.referralId,
  );
  return {
    ...referral,
    riskScore: assessment.score,
    riskHold: assessment.hold,
    autoApproveAfterHours,
    holdReasons,
  };
}

/** The signals recorded on a referral, in RISK_SIGNAL_CODES order of when they were weighed. */
export function referralSignals(sql: SqlStorage, referralId: string): RiskSignal[] {
  return sql
    .exec<{ code: string; weight: number; reason: string }>(
      `SELECT code, weight, reason FROM referral_signals WHERE referral_id = ? ORDER BY rowid`,
      referralId,
    )
    .toArray()
    .map((r) => ({ code: r.code as RiskSignal["code"], weight: r.weight, reason: r.reason }));
}

/**
 * The event's keyed identifiers go to D1 `referral_identifiers` (through the outbox, one
 * writer: the LEDGER_EVENTS consumer), where later referees' wallets look for who holds them.
 */
export function publishRiskIdentifiers(tx: WalletTx, stored: StoredEvent): void {
  const identifiers = storedRiskIdentifiers(tx.sql, stored.eventId);
  if (identifiers.length === 0) return;
  tx.enqueue({
    kind: "risk_identifiers",
    userId: tx.userId(),
    identifiers: identifiers.map((i) => ({ kind: i.kind, hash: i.hash })),
    seenAtMs: stored.occurredAtMs,
  });
}
