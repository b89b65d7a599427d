/**
 * The budget object's decision, pure: given what one transaction holds of a campaign's budget
 * and what it asks for now, how much it holds afterwards. No I/O, no clock, so every branch is
 * a row in a table test (decide-reserve.test.ts).
 *
 * A reservation is keyed by transaction id. The wallet that owns the transaction numbers its
 * requests (`seq`, bumped whenever the desired boost changes), so a request overtaken by a
 * newer one changes nothing, whatever order the two arrive in.
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
  assertWhole(request.desiredMinor, "desiredMinor");
  assertWhole(remainingMinor, "remainingMinor");
  if (!Number.isSafeInteger(request.seq) || request.seq < 1) {
    throw new RangeError(`seq must be a positive integer, got ${request.seq}`);
  }
  if (current && request.seq < current.seq) return { action: "stale" };
  if (current && request.desiredMinor === current.desiredMinor) {
    return request.seq === current.seq
      ? { action: "repeat" }
      : { action: "set", row: { ...current, seq: request.seq }, deltaMinor: 0 };
  }

  const heldMinor = current?.grantedMinor ?? 0;
  const heldDesiredMinor = current?.desiredMinor ?? 0;
  let grantedMinor: number;
  if (request.desiredMinor <= heldMinor) {
    grantedMinor = request.desiredMinor;
  } else if (request.desiredMinor < heldDesiredMinor) {
    grantedMinor = heldMinor;
  } else {
    grantedMinor = Math.min(request.desiredMinor, heldMinor + remainingMinor);
  }
  return {
    action: "set",
    row: { desiredMinor: request.desiredMinor, grantedMinor, seq: request.seq },
    deltaMinor: grantedMinor - heldMinor,
  };
}

function assertWhole(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
  }
}
