import type { Observation } from "#shared/fraud/risk-contract";
import type { StoredReferral } from "./referral-store";

/**
 * What the referee's risk object hears of their referral (docs/fraud.md "Signals"): once when
 * it is attributed and once when it qualifies, through the wallet's outbox in the transaction
 * that made the change, so a referral recorded is a referral reported, once. Its subject is the
 * referral, so a fraud rule's `hold_referral` holds it in this wallet, where it and its rewards
 * live; its facts say how it was attributed and what the program's own signals found.
 */

export type ReferralStage = "attributed" | "qualified";

/**
 * Keeps a signup's identity-link hashes (its `login` observation's) for the referral its
 * processing may attribute: inside the accepting transaction, once per event.
 */
export function saveSignupLinks(
  sql: SqlStorage,
  eventId: string,
  identifiers: Record<string, string> | undefined,
): void {
  if (!identifiers || Object.keys(identifiers).length === 0) return;
  sql.exec(
    `INSERT INTO event_links (event_id, identifiers_json) VALUES (?, ?)
     ON CONFLICT (event_id) DO NOTHING`,
    eventId,
    JSON.stringify(identifiers),
  );
}

/** The identity-link hashes kept for a signup; empty when none were. */
export function signupLinks(sql: SqlStorage, eventId: string): Record<string, string> {
  const row = sql
    .exec<{ identifiers_json: string }>(
      `SELECT identifiers_json FROM event_links WHERE event_id = ?`,
      eventId,
    )
    .toArray()[0];
  return row ? (JSON.parse(row.identifiers_json) as Record<string, string>) : {};
}

/**
 * Pure. `identifiers`: the signup's link hashes, so the risk consumer adds what they share
 * (`signal.usersSharingDevice`, …) to the referral's facts.
 *
 * @example
 * referralObservation(referral, "attributed", signupAtMs)
 * // { observationId: "referral:ref_u1:attributed", userId: "u1", kind: "referral",
 * //   subjectRef: "ref_u1", facts: { "signal.referralMethod": "code", … } }
 */
export function referralObservation(
  referral: Pick<
    StoredReferral,
    "referralId" | "refereeId" | "method" | "riskScore" | "riskHold" | "holdReasons"
  >,
  stage: ReferralStage,
  atMs: number,
  identifiers: Record<string, string> = {},
): Observation {
  return {
    observationId: `referral:${referral.referralId}:${stage}`,
    userId: referral.refereeId,
    kind: "referral",
    atMs,
    subjectRef: referral.referralId,
    ...(Object.keys(identifiers).length > 0 ? { identifiers } : {}),
    facts: {
      "signal.referralStage": stage,
      "signal.referralMethod": referral.method,
      "signal.referralProgramScore": referral.riskScore,
      "signal.referralProgramSignals": referral.holdReasons.length,
      "signal.referralProgramHold": referral.riskHold,
    },
  };
}
