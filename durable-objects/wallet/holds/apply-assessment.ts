import type { Assessment, Observation } from "#shared/fraud/risk-contract";
import type { WalletTx } from "../core/wallet-tx";
import { afterReferralHoldPlaced } from "../referrals/referral-risk-holds";
import { holdsOfAssessment } from "./assessment-holds";
import type { StoredHold } from "./hold-store";
import { placeHold } from "./holds";

export interface AppliedAssessment {
  /** Every hold the assessment asks for, as stored (placed now or by an earlier delivery). */
  holds: StoredHold[];
  /** How many of them this call placed (0 on a repeat). */
  placed: number;
}

/**
 * Places the holds an assessment's fraud effects ask for, inside the caller's transaction
 * (the redeem path's own, or the wallet's `applyAssessment` RPC for scoring's answers to
 * other observations). Idempotent: each hold is keyed by rule, observation and kind.
 *
 * @example
 * applyAssessment(tx, observation, assessment, nowMs) // { holds: [...], placed: 1 }
 */
export function applyAssessment(
  tx: WalletTx,
  observation: Pick<Observation, "observationId" | "subjectRef">,
  assessment: Pick<Assessment, "effects" | "ruleVersion" | "assessedAtMs">,
  nowMs: number,
): AppliedAssessment {
  const holds: StoredHold[] = [];
  let placed = 0;
  for (const planned of holdsOfAssessment(observation, assessment)) {
    const result = placeHold(tx, planned.holdId, planned.hold, nowMs);
    holds.push(result.hold);
    if (!result.placed) continue;
    placed++;
    // A referral the program's own review holds is now held by this hold too.
    if (result.hold.kind === "referral") afterReferralHoldPlaced(tx, result.hold, nowMs);
  }
  return { holds, placed };
}
