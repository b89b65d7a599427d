import type { Observation } from "#shared/fraud/risk-contract";
import type { WalletTx } from "../core/wallet-tx";
import { findEvent } from "../events/event-store";
import { applyAssessment } from "../holds/apply-assessment";
import { RISK_UNAVAILABLE, type RiskCheck, type ScoringOff } from "../payouts/redeem/risk-check";
import { holdUnscored } from "../payouts/redeem/risk-retry-store";
import { qualifiedObservation } from "./referral-observation";
import { findReferral } from "./referral-store";
import { findReferralTerms } from "./referral-terms-store";

/**
 * A referral is scored before it is rewarded (docs/referrals.md "Holds from the risk system",
 * docs/fraud.md "Holds"): when it qualifies, its `qualified` observation is assessed by the
 * referee's risk object through the redeem path's breaker (risk-assessor.ts), and the answer's
 * holds are placed in the qualifying transaction, so a `hold_referral` holds the reward it is
 * about. Scoring is an await and the qualifying transaction is synchronous, so the wallet asks
 * between runs: a run that reaches a qualification without an answer for its observation throws
 * `QualificationScoreMissing` (the aborted run wrote nothing), the object assesses that
 * observation and runs again with the answer — as attribution does with its evidence.
 *
 * Scoring unavailable (timeout, error, breaker open): the referral is held on a `referral` hold
 * of source `risk_unavailable` and the fail-safe's retry (risk-retry.ts) assesses it again when
 * scoring returns. Never rewarded unchecked, never lost.
 */

/**
 * Scoring's answer to an observation this wake has asked about; null when not asked yet; `off`
 * when the operator switched scoring off (docs/fraud.md "Turning scoring off": not asked).
 */
export type QualificationScores = (observation: Observation) => RiskCheck | ScoringOff | null;

/** No answer for the qualification's observation yet: assess it and run again. */
export class QualificationScoreMissing extends Error {
  constructor(readonly observation: Observation) {
    super(`referral qualification ${observation.observationId} is not scored yet`);
    this.name = "QualificationScoreMissing";
  }
}

/** The fail-safe's hold on a referral whose qualification could not be scored. */
export function unavailableReferralHoldId(referralId: string): string {
  return `${RISK_UNAVAILABLE}:${referralId}`;
}

/**
 * Inside the qualifying transaction: places the holds scoring asked for on the qualification,
 * or the fail-safe's hold when scoring could not answer. Throws `QualificationScoreMissing`
 * when the wake has not asked yet.
 */
export function scoreQualification(
  tx: WalletTx,
  observation: Observation,
  scores: QualificationScores,
  nowMs: number,
): void {
  const check = scores(observation);
  if (check === null) throw new QualificationScoreMissing(observation);
  if (check.status === "off") return;
  if (check.status === "assessed") {
    applyAssessment(tx, check.observation, check.assessment, nowMs);
    return;
  }
  holdUnscoredReferral(tx, observation, check.cause, nowMs);
}

/** The fail-safe's `referral` hold on the observation's referral, retried on the schedule. */
export function holdUnscoredReferral(
  tx: WalletTx,
  observation: Observation,
  cause: string,
  nowMs: number,
): void {
  const referralId = observation.subjectRef;
  if (!referralId) return;
  holdUnscored(
    tx,
    unavailableReferralHoldId(referralId),
    { kind: "referral", subjectRef: referralId, cause },
    nowMs,
  );
}

/**
 * The `qualified` observation of the wallet's referral, as its qualification built it (at the
 * qualifying event's time), for the fail-safe's retry; null when the referral is not this one.
 */
export function qualificationObservationOf(
  sql: SqlStorage,
  referralId: string,
): Observation | null {
  const referral = findReferral(sql);
  if (referral?.referralId !== referralId) return null;
  const eventId = findReferralTerms(sql, referralId)?.eventId;
  const event = eventId ? findEvent(sql, eventId) : null;
  return qualifiedObservation(sql, referral, event?.occurredAtMs ?? referral.updatedAtMs);
}
