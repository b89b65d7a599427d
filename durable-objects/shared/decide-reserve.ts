/**
 * The decision every budget object shares, pure: given what one reservation holds of a budget
 * and what it asks for now, how much it holds afterwards. Unit-free (minor units of one
 * currency, or points), no I/O, no clock, so every branch is a row in a table test
 * (campaign-budget/decide-reserve.test.ts, budget/decide-budget.test.ts).
 *
 * A reservation is keyed by its holder's reference (a transaction, a reward). The holder
 * numbers its requests (`seq`, bumped whenever the desired value changes), so a request
 * overtaken by a newer one changes nothing, whatever order the two arrive in.
 */

/** What one reservation holds of the budget. */
export interface Held {
  /** The value the holder asks for, in the budget's unit. */
  desired: number;
  /** The part of it the budget granted; never above `desired`. */
  granted: number;
  /** The holder's request number this row answers. */
  seq: number;
}

export interface HeldRequest {
  /** 0 releases the whole grant (cancellation, return, rollback). */
  desired: number;
  seq: number;
}

export type HeldDecision =
  /** An older request than the one recorded: nothing changes; answer with the recorded row. */
  | { action: "stale" }
  /** The same request again: the same grant, nothing changes. */
  | { action: "repeat" }
  /**
   * Write the row. `delta` is what moves between the budget and this reservation: positive
   * takes that much more from what remains, negative returns it.
   */
  | { action: "set"; row: Held; delta: number };

/**
 * - New reservation: granted = min(desired, remaining).
 * - Desired raised: granted may grow towards it, by at most what remains.
 * - Desired lowered: the grant shrinks only if it is now above the desired value, and the
 *   difference goes back to the budget. A partial grant is not topped up by a lowering.
 * - Desired unchanged: the same grant (a partial grant is not topped up by a repeat either:
 *   budget freed later goes to later requests, first come, first served).
 *
 * @example
 * decideHeld(null, { desired: 1_000, seq: 1 }, 600)
 * // { action: "set", row: { desired: 1_000, granted: 600, seq: 1 }, delta: 600 }
 */
export function decideHeld(
  current: Held | null,
  request: HeldRequest,
  remaining: number,
): HeldDecision {
  assertWhole(request.desired, "desired");
  assertWhole(remaining, "remaining");
  if (!Number.isSafeInteger(request.seq) || request.seq < 1) {
    throw new RangeError(`seq must be a positive integer, got ${request.seq}`);
  }
  if (current && request.seq < current.seq) return { action: "stale" };
  if (current && request.desired === current.desired) {
    return request.seq === current.seq
      ? { action: "repeat" }
      : { action: "set", row: { ...current, seq: request.seq }, delta: 0 };
  }

  const held = current?.granted ?? 0;
  const heldDesired = current?.desired ?? 0;
  let granted: number;
  if (request.desired <= held) {
    granted = request.desired;
  } else if (request.desired < heldDesired) {
    granted = held;
  } else {
    granted = Math.min(request.desired, held + remaining);
  }
  return {
    action: "set",
    row: { desired: request.desired, granted, seq: request.seq },
    delta: granted - held,
  };
}

function assertWhole(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
  }
}
