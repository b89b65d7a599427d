import type { WalletTx } from "../../core/wallet-tx";
import { afterHoldEnded } from "../../holds/hold-ended";
import { endHold, findHold, type StoredHold } from "../../holds/hold-store";
import { heldBy } from "../../holds/holds";
import { unschedule } from "../../schedule/schedule-store";
import { consumeStepUp } from "./step-up";

/**
 * What a `step_up` risk hold (a fraud rule's `require_step_up`) asks of the user
 * (docs/fraud.md "Holds"): while one is active, a redemption or a payout-destination change
 * needs a step-up code issued after the hold was placed — a code the user had before the risk
 * system asked does not count. Passing one (the code right, consumed by the change) releases the
 * holds it is fresher than, `released` by `step_up`, in the change's own transaction.
 */

/** When the challenge was issued; null when there is no such challenge. */
function challengeIssuedAtMs(sql: SqlStorage, challengeId: string): number | null {
  const row = sql
    .exec<{ created_at_ms: number }>(
      `SELECT created_at_ms FROM step_up_challenges WHERE challenge_id = ?`,
      challengeId,
    )
    .toArray()[0];
  return row ? row.created_at_ms : null;
}

/** The active `step_up` holds (they are user-wide), oldest first. */
export function activeStepUpHolds(sql: SqlStorage): StoredHold[] {
  return heldBy(sql, "step_up", null);
}

/**
 * Why the presented step-up does not satisfy the active `step_up` holds, or null when it does
 * (or none is active). No code, or a code issued before a hold was placed: a fresh one is needed.
 * An unknown challenge is left to the code check's own refusal.
 */
export function staleStepUp(
  sql: SqlStorage,
  stepUp: { challengeId: string } | null | undefined,
): string | null {
  const holds = activeStepUpHolds(sql);
  if (holds.length === 0) return null;
  const fresh = "a security check asks for a new code: request one with POST /v1/me/step-up";
  if (!stepUp) return fresh;
  const issuedAtMs = challengeIssuedAtMs(sql, stepUp.challengeId);
  if (issuedAtMs === null) return null;
  return holds.some((h) => h.placedAtMs >= issuedAtMs) ? fresh : null;
}

/**
 * A step-up passed with `challengeId` (its code consumed): the active `step_up` holds placed
 * before the code was issued end `released`, how `step_up`; returns how many.
 */
export function releaseStepUpHolds(tx: WalletTx, challengeId: string, nowMs: number): number {
  const issuedAtMs = challengeIssuedAtMs(tx.sql, challengeId);
  if (issuedAtMs === null) return 0;
  let released = 0;
  for (const hold of activeStepUpHolds(tx.sql)) {
    if (hold.placedAtMs >= issuedAtMs) continue;
    unschedule(tx.sql, "risk_hold_release", hold.holdId);
    const ended = endHold(
      tx,
      hold.holdId,
      {
        status: "released",
        how: "step_up",
        decidedBy: "user",
        note: `step-up passed (${challengeId})`,
        label: null,
      },
      nowMs,
    );
    const after = ended ? findHold(tx.sql, hold.holdId) : null;
    if (after) {
      afterHoldEnded(tx, after, nowMs);
      released++;
    }
  }
  return released;
}

export type StepUpGateRefusal = { status: "step_up_required" | "step_up_failed"; detail: string };

/**
 * A payout-destination change while a `step_up` hold is active, in the change's transaction:
 * refused without a fresh code (`step_up_required`) or with a wrong one (`step_up_failed`, the
 * attempt counted); a fresh, right code is consumed by the change (`destination:<id>`) and
 * releases the holds it is fresher than. Null: the change may go on (no hold, or passed).
 */
export function passStepUpGate(
  tx: WalletTx,
  stepUp: { challengeId: string } | null,
  presented: string | null,
  consumedBy: string,
  maxAttempts: number,
  nowMs: number,
): StepUpGateRefusal | null {
  if (activeStepUpHolds(tx.sql).length === 0) return null;
  const stale = staleStepUp(tx.sql, stepUp);
  if (stale || !stepUp) return { status: "step_up_required", detail: stale ?? "" };
  const failed = consumeStepUp(tx, stepUp, presented, consumedBy, maxAttempts, nowMs);
  if (failed !== null) return { status: "step_up_failed", detail: failed };
  releaseStepUpHolds(tx, stepUp.challengeId, nowMs);
  return null;
}
