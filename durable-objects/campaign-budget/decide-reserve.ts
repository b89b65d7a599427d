import { decideHeld } from "../shared/decide-reserve";

/**
 * The campaign budget object's decision: the shared, unit-free one
 * (durable-objects/shared/decide-reserve.ts, which the generalised budget object uses too)
 * in minor units. A reservation is keyed by transaction id; the wallet that owns the
 * transaction numbers its requests (`seq`), so a request overtaken by a newer one changes
 * nothing, whatever order the two arrive in. Table tests: decide-reserve.test.ts.
 */

/** What one transaction holds of the budget. */
export interface Reservation {
  /** The boost the transaction's order earns at the boost rate, in minor units. */
  desiredMinor: number;
  /** The part of it the budget granted, in minor units; never above `desiredMinor`. */
  grantedMinor: number;
  /** The wallet's request number this row answers. */
  seq: number;
}

export interface ReserveRequest {
  /** 0 releases the whole grant (cancellation, return). */
  desiredMinor: number;
  seq: number;
}

export type ReserveDecision =
  /** An older request than the one recorded: nothing changes; answer with the recorded row. */
  | { action: "stale" }
  /** The same request again: the same grant, nothing changes. */
  | { action: "repeat" }
  /**
   * Write the row. `deltaMinor` is what moves between the budget and this reservation:
   * positive takes that much more from what remains, negative returns it.
   */
  | { action: "set"; row: Reservation; deltaMinor: number };

/**
 * - New transaction: granted = min(desired, remaining).
 * - Desired raised: granted may grow towards it, by at most what remains.
 * - Desired lowered: the grant shrinks only if it is now above the desired value, and the
 *   difference goes back to the budget. A partial grant is not topped up by a lowering.
 * - Desired unchanged: the same grant (a partial grant is not topped up by a repeat either:
 *   budget freed later goes to later requests, first come, first served).
 *
 * @example
 * decideReserve(null, { desiredMinor: 1_000, seq: 1 }, 600)
 * // { action: "set", row: { desiredMinor: 1_000, grantedMinor: 600, seq: 1 }, deltaMinor: 600 }
 */
export function decideReserve(
  current: Reservation | null,
  request: ReserveRequest,
  remainingMinor: number,
): ReserveDecision {
  const decision = decideHeld(
    current && { desired: current.desiredMinor, granted: current.grantedMinor, seq: current.seq },
    { desired: request.desiredMinor, seq: request.seq },
    remainingMinor,
  );
  if (decision.action !== "set") return decision;
  const { row, delta } = decision;
  return {
    action: "set",
    row: { desiredMinor: row.desired, grantedMinor: row.granted, seq: row.seq },
    deltaMinor: delta,
  };
}
