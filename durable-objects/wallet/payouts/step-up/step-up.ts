import type { PayoutPolicy } from "#shared/payouts/policy";
import type { WalletTx } from "../../core/wallet-tx";
import { stepUpCodeEvent } from "../../notify/notification-events";
import { noteDevice } from "../../notify/notify";
import {
  consumeChallenge,
  countOpenChallenges,
  countWrongCode,
  findChallenge,
  insertChallenge,
} from "./challenge-store";
import { hashCode, hashDevice, newChallengeId, randomSalt, sixDigitCode } from "./codes";
import { checkStepUp } from "./decide-step-up";

/**
 * Step-up codes for redemptions, and the devices a user logs in from. Only a code's salted
 * hash is kept with the challenge; the code itself goes to the user as a `step_up_code`
 * notification event written to the outbox in the challenge's storage transaction (a code
 * that is stored is told, one that rolls back is not), and is never logged.
 */

export interface PreparedStepUp {
  userId: string;
  challengeId: string;
  code: string;
  salt: string;
  codeHash: string;
  deviceHash: string | null;
  expiresAtMs: number;
  maxOpenPerHour: number;
}

/** The code itself is not in the answer: it leaves the wallet only as its notification event. */
export type StepUpIssued =
  | { status: "created"; challengeId: string; expiresAtMs: number }
  | { status: "too_many" };

/** The code, its hash and the device hash: the asynchronous part, before the transaction. */
export async function prepareStepUp(
  userId: string,
  deviceId: string | null,
  policy: PayoutPolicy,
  nowMs: number,
): Promise<PreparedStepUp> {
  const code = sixDigitCode();
  const salt = randomSalt();
  return {
    userId,
    challengeId: newChallengeId(),
    code,
    salt,
    codeHash: await hashCode(salt, code),
    deviceHash: deviceId ? await hashDevice(deviceId) : null,
    expiresAtMs: nowMs + policy.stepUpTtlSec * 1_000,
    maxOpenPerHour: policy.stepUpMaxOpenPerHour,
  };
}

export function commitStepUp(tx: WalletTx, prepared: PreparedStepUp, nowMs: number): StepUpIssued {
  tx.bindUser(prepared.userId);
  if (countOpenChallenges(tx.sql, nowMs) >= prepared.maxOpenPerHour) {
    return { status: "too_many" };
  }
  if (prepared.deviceHash) noteDevice(tx, prepared.deviceHash, nowMs);
  insertChallenge(
    tx.sql,
    {
      challengeId: prepared.challengeId,
      purpose: "redemption",
      salt: prepared.salt,
      codeHash: prepared.codeHash,
      expiresAtMs: prepared.expiresAtMs,
      attempts: 0,
      consumedBy: null,
    },
    nowMs,
  );
  const { challengeId, code, expiresAtMs } = prepared;
  // Critical: the pipeline sends it on NOTIFY_TRANSACTIONAL, bypassing quiet hours and caps.
  tx.enqueue(stepUpCodeEvent(prepared.userId, { challengeId, code, expiresAtMs }, nowMs));
  return { status: "created", challengeId, expiresAtMs };
}

/** A login the operator reports: a new device here holds redemptions for a while. */
export function commitLogin(tx: WalletTx, userId: string, deviceHash: string, atMs: number): void {
  tx.bindUser(userId);
  noteDevice(tx, deviceHash, atMs);
}

/** The salted hash of a presented code, computed before the transaction; null if unknown. */
export async function presentedHash(
  sql: SqlStorage,
  stepUp: { challengeId: string; code: string } | null,
): Promise<string | null> {
  const challenge = stepUp ? findChallenge(sql, stepUp.challengeId) : null;
  return challenge && stepUp ? hashCode(challenge.salt, stepUp.code) : null;
}

/**
 * Consumes the challenge for `payoutId`, or counts a wrong attempt (which commits: attempts
 * are limited). Returns the refusal's detail, or null when the code opened the challenge.
 */
export function consumeStepUp(
  tx: WalletTx,
  stepUp: { challengeId: string } | null,
  presented: string | null,
  payoutId: string,
  maxAttempts: number,
  nowMs: number,
): string | null {
  const challenge = stepUp ? findChallenge(tx.sql, stepUp.challengeId) : null;
  const check = checkStepUp(challenge, presented, nowMs, maxAttempts);
  switch (check.status) {
    case "ok":
      consumeChallenge(tx.sql, (challenge as NonNullable<typeof challenge>).challengeId, payoutId);
      return null;
    case "wrong_code":
      countWrongCode(tx.sql, (challenge as NonNullable<typeof challenge>).challengeId);
      return check.detail;
    case "refused":
      return check.detail;
  }
}
