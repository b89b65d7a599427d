/**
 * Invariants of the ledger and the state machines. A failed assertion is a bug in Boomerang,
 * never a bad request: it throws before anything is committed, so the storage transaction
 * around it rolls back and nothing half-done is kept.
 */
export class InvariantError extends Error {
  override readonly name = "InvariantError";
}

/**
 * Throws an `InvariantError` unless `condition` holds.
 *
 * @example
 * assert(balanceAfterMinor >= 0 || allowDebt, "bucket would go negative");
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}

/** For the `default` branch of an exhaustive switch: tsc refuses the call if a case is missing. */
export function assertNever(value: never, what = "value"): never {
  throw new InvariantError(`unexpected ${what}: ${JSON.stringify(value)}`);
}
