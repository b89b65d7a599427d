import { DECOY_HASH, verifyPassword } from "./password";
import { afterFailedSignIn, isLocked } from "./sign-in-policy";
import { getOperatorByEmail, type OperatorRow, saveSignInState } from "./store";

export type SignInResult =
  | { outcome: "signed_in"; operator: OperatorRow }
  /** Wrong e-mail or wrong password: the answer never says which. */
  | { outcome: "wrong"; operator: OperatorRow | null }
  | { outcome: "locked"; untilMs: number; operator: OperatorRow }
  | { outcome: "disabled"; operator: OperatorRow };

/**
 * Checks an e-mail and password. An unknown e-mail still costs one PBKDF2 run, so timing
 * does not tell which e-mails exist; a locked account is refused before its password is
 * checked, so guessing during the lock learns nothing.
 *
 * @example
 * const result = await signInOperator(env.DB, "ops@example.com", "…", Date.now());
 */
export async function signInOperator(
  db: D1Database,
  email: string,
  password: string,
  nowMs: number,
): Promise<SignInResult> {
  const operator = await getOperatorByEmail(db, email.trim().toLowerCase());
  if (!operator) {
    await verifyPassword(password, DECOY_HASH);
    return { outcome: "wrong", operator: null };
  }
  if (isLocked(operator, nowMs))
    return { outcome: "locked", untilMs: operator.lockedUntilMs ?? nowMs, operator };
  const right = await verifyPassword(password, {
    hash: operator.passwordHash,
    salt: operator.passwordSalt,
    iterations: operator.passwordIterations,
  });
  if (!right) {
    const next = afterFailedSignIn(operator, nowMs);
    await saveSignInState(db, operator.id, next);
    return next.lockedUntilMs !== null
      ? { outcome: "locked", untilMs: next.lockedUntilMs, operator }
      : { outcome: "wrong", operator };
  }
  if (operator.disabled) return { outcome: "disabled", operator };
  if (operator.failedSignIns > 0 || operator.lockedUntilMs !== null) {
    await saveSignInState(db, operator.id, { failedSignIns: 0, lockedUntilMs: null });
  }
  return { outcome: "signed_in", operator };
}
