import { utf8 } from "#shared/crypto/encoding";
import { constantTimeEqual } from "#shared/crypto/hmac";
import type { StoredChallenge } from "./challenge-store";

export type StepUpCheck =
  | { status: "ok" }
  /** The code was wrong: the attempt is counted (and committed: attempts are limited). */
  | { status: "wrong_code"; detail: string }
  | { status: "refused"; detail: string };

/**
 * Pure: whether a presented code (already hashed with the challenge's salt) opens the
 * challenge. Checked in this order so a used, expired or locked code says why.
 *
 * @example
 * checkStepUp(null, null, nowMs, 5) // { status: "refused", detail: "unknown step-up challenge" }
 */
export function checkStepUp(
  challenge: StoredChallenge | null,
  presentedHash: string | null,
  nowMs: number,
  maxAttempts: number,
): StepUpCheck {
  if (!challenge || presentedHash === null) {
    return { status: "refused", detail: "unknown step-up challenge" };
  }
  if (challenge.consumedBy !== null) {
    return { status: "refused", detail: "that code was already used; request a new one" };
  }
  if (challenge.expiresAtMs <= nowMs) {
    return { status: "refused", detail: "that code expired; request a new one" };
  }
  if (challenge.attempts >= maxAttempts) {
    return { status: "refused", detail: "too many wrong codes; request a new one" };
  }
  if (!constantTimeEqual(utf8.encode(presentedHash), utf8.encode(challenge.codeHash))) {
    return { status: "wrong_code", detail: "wrong code" };
  }
  return { status: "ok" };
}
