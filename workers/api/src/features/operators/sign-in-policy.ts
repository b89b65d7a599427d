/**
 * When repeated wrong passwords lock an operator out, and for how long. Pure: the store
 * applies the decision in one UPDATE.
 */
export const SIGN_IN_POLICY = {
  /** Wrong passwords in a row that lock the account. */
  maxFailures: 5,
  lockMs: 15 * 60_000,
} as const;

export interface SignInState {
  failedSignIns: number;
  lockedUntilMs: number | null;
}

/** Whether the account is locked at `nowMs`. */
export function isLocked(state: SignInState, nowMs: number): boolean {
  return state.lockedUntilMs !== null && state.lockedUntilMs > nowMs;
}

/**
 * The state after one more wrong password. A lock that has run out starts the count again.
 *
 * @example
 * afterFailedSignIn({ failedSignIns: 4, lockedUntilMs: null }, 0); // { failedSignIns: 5, lockedUntilMs: 900000 }
 */
export function afterFailedSignIn(
  state: SignInState,
  nowMs: number,
  policy = SIGN_IN_POLICY,
): SignInState {
  const expired = state.lockedUntilMs !== null && state.lockedUntilMs <= nowMs;
  const failed = (expired ? 0 : state.failedSignIns) + 1;
  return {
    failedSignIns: failed,
    lockedUntilMs: failed >= policy.maxFailures ? nowMs + policy.lockMs : null,
  };
}
