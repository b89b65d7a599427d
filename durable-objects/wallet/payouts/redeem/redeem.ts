import type { KeyRing } from "#shared/crypto/sealed";
import type { LinkKey } from "#shared/fraud/identity-links";
import type { Observation } from "#shared/fraud/risk-contract";
import { checkRedemption, newDeviceHold } from "#shared/payouts/policy";
import type { WalletTx } from "../../core/wallet-tx";
import { applyAssessment } from "../../holds/apply-assessment";
import { heldBy } from "../../holds/holds";
import { readBalance } from "../../ledger/ledger-store";
import type { Leg } from "../../ledger/posting";
import { noteDevice, tellPayout } from "../../notify/notify";
import { redemptionContext } from "../../risk/redemption-context";
import { findDestination, type StoredDestination } from "../destinations/destination-store";
import { decideReserve, type StoredPayout } from "../lifecycle/decide-payout";
import { publishPayout } from "../lifecycle/payout-events";
import {
  findPayout,
  insertPayout,
  logPayout,
  payoutRequestHash,
  redeemedMinor,
  sealedDestinationOf,
} from "../lifecycle/payout-store";
import { deviceFirstSeen } from "../step-up/challenge-store";
import { hashDevice } from "../step-up/codes";
import { consumeStepUp, presentedHash } from "../step-up/step-up";
import { releaseStepUpHolds, staleStepUp } from "../step-up/step-up-holds";
import type { RedeemInput, RedeemRefusalCode, RedeemResult } from "../types";
import {
  giftCardTarget,
  malformedRedeem,
  type PayoutTarget,
  reserveRefusalDetail,
} from "./decide-redeem";
import { decideRedeemHold } from "./decide-risk-hold";
import {
  RISK_UNAVAILABLE,
  type RiskCheck,
  redemptionObservation,
  type ScoringOff,
} from "./risk-check";
import { holdUnscored } from "./risk-retry-store";

/**
 * Redeem: checks, step-up, risk, reservation, payout row and dispatch request, all or nothing.
 * Concurrent calls are serialised by the object, so together they never reserve more than is
 * confirmed. Everything that can refuse without touching the code is checked first
 * (`prepareRedeem`), so a refusal never costs the user their code; the same checks run again
 * inside the transaction (`commitRedeem`). Scoring is asked between the two (the shell, through
 * the circuit breaker): its holds are placed here and decide whether the payout goes or waits
 * (docs/fraud.md "Holds", "Fail-safe").
 */

export type PreparedRedeem =
  | { done: RedeemResult }
  | { done: null; presented: string | null; deviceHash: string | null };

export async function prepareRedeem(
  sql: SqlStorage,
  input: RedeemInput,
  nowMs: number,
): Promise<PreparedRedeem> {
  const malformed = malformedRedeem(input);
  if (malformed) return { done: { status: "invalid", detail: malformed } };
  const earlier = replay(sql, input);
  if (earlier) return { done: earlier };
  const precheck = check(sql, input, nowMs);
  if ("refusal" in precheck) return { done: precheck.refusal };
  if (!input.stepUp) {
    return {
      done: {
        status: "refused",
        code: "step_up_required",
        detail: "request a code with POST /v1/me/step-up and send it as stepUp",
      },
    };
  }
  // A fraud rule's `require_step_up`: a code issued after its hold (step-up-holds.ts).
  const stale = staleStepUp(sql, input.stepUp);
  if (stale) return { done: { status: "refused", code: "step_up_required", detail: stale } };
  return {
    done: null,
    presented: await presentedHash(sql, input.stepUp),
    deviceHash: input.deviceId ? await hashDevice(input.deviceId) : null,
  };
}

/**
 * The redemption as scoring sees it (asked between `prepareRedeem` and `commitRedeem`): the
 * payout, the keyed hash of the account it pays, and what the wallet knows of the user's
 * recent activity (risk/redemption-context.ts).
 */
export async function observeRedemption(
  sql: SqlStorage,
  keys: { ring: KeyRing | null; linkKey: LinkKey | null },
  userId: string,
  input: RedeemInput,
  nowMs: number,
): Promise<Observation> {
  const destination =
    input.target.type === "gift_card" ? null : findDestination(sql, input.target.destinationId);
  const destinationType =
    input.target.type === "gift_card" ? "gift_card" : (destination?.type ?? null);
  const context = await redemptionContext(
    sql,
    keys,
    userId,
    destination
      ? { destinationId: destination.destinationId, sealed: destination.sealedDetails }
      : null,
  );
  return redemptionObservation(userId, { ...input, destinationType }, nowMs, context);
}

/**
 * A redemption held `risk_unavailable`, observed again for the fail-safe's retry as it was
 * asked: at its creation, paying the account of its own sealed snapshot.
 */
export function observeHeldRedemption(
  sql: SqlStorage,
  keys: { ring: KeyRing | null; linkKey: LinkKey | null },
  userId: string,
  payout: StoredPayout,
): Promise<Observation> {
  const sealed = payout.destinationId ? sealedDestinationOf(sql, payout.payoutId) : null;
  return redemptionContext(
    sql,
    keys,
    userId,
    sealed && payout.destinationId ? { destinationId: payout.destinationId, sealed } : null,
  ).then((context) => redemptionObservation(userId, payout, payout.createdAtMs, context));
}

export function commitRedeem(
  tx: WalletTx,
  userId: string,
  input: RedeemInput,
  prepared: {
    presented: string | null;
    deviceHash: string | null;
    risk: RiskCheck | ScoringOff;
  },
  nowMs: number,
): RedeemResult {
  tx.bindUser(userId);
  const again = replay(tx.sql, input);
  if (again) return again;
  const checked = check(tx.sql, input, nowMs);
  if ("refusal" in checked) return checked.refusal;
  const stale = staleStepUp(tx.sql, input.stepUp);
  if (stale) return { status: "refused", code: "step_up_required", detail: stale };
  const stepUpRefusal = consumeStepUp(
    tx,
    input.stepUp,
    prepared.presented,
    input.payoutId,
    input.policy.stepUpMaxAttempts,
    nowMs,
  );
  if (stepUpRefusal !== null) {
    return { status: "refused", code: "step_up_failed", detail: stepUpRefusal };
  }
  // Passed: the `step_up` holds this code is fresher than are released by it.
  if (input.stepUp) releaseStepUpHolds(tx, input.stepUp.challengeId, nowMs);

  if (prepared.deviceHash) noteDevice(tx, prepared.deviceHash, nowMs);
  holdForRisk(tx, input.payoutId, prepared.risk, nowMs);
  const decision = decideRedeemHold({
    newDevice: newDeviceHold(input.policy, deviceFirstSeen(tx.sql), nowMs),
    holds: heldBy(tx.sql, "payouts", input.payoutId),
  });
  const held = decision.held;
  const holdReason = decision.held ? decision.holdReason : null;
  const payout: StoredPayout = {
    payoutId: input.payoutId,
    currency: input.currency,
    amountMinor: input.amountMinor,
    status: held ? "held" : "queued",
    destinationId: checked.destinationId,
    destinationType: checked.type,
    destinationMasked: checked.masked,
    holdReason,
    failureCode: null,
    attention: null,
    attempts: 0,
    processorId: null,
    processorRef: null,
    lastError: null,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    paidAtMs: null,
    version: 1,
  };
  tx.post(
    {
      key: `payout:${payout.payoutId}:reserve`,
      kind: "payout_reserved",
      txnId: null,
      legs: checked.legs,
    },
    nowMs,
  );
  insertPayout(tx.sql, {
    ...payout,
    requestHash: input.requestHash,
    sealedDestination: checked.sealed,
  });
  const logDetail = decision.held
    ? [decision.holdReason, decision.detail].filter((d) => d !== null).join(": ")
    : null;
  logPayout(tx.sql, payout.payoutId, held ? "held" : "queued", logDetail, nowMs);
  tx.publishBalances(nowMs);
  const created = publishPayout(tx, payout.payoutId) as StoredPayout;
  if (held) {
    // The user is told it waits for a check, never which fraud signals fired.
    tellPayout(
      tx,
      created,
      { type: "payout_held", reason: holdReason === "new_device" ? "new_device" : "review" },
      nowMs,
    );
  } else {
    tx.enqueue({ kind: "payout_dispatch", payoutId: payout.payoutId, userId });
    tellPayout(tx, created, { type: "payout_initiated" }, nowMs);
  }
  return { status: "created", payout: created };
}

/**
 * Places the holds scoring asked for (a rule's `hold_payouts` covers this payout too), or,
 * when scoring could not answer, the fail-safe's hold on this payout, retried on the schedule.
 * Scoring switched off: nothing (the payout policy's own checks still ran).
 */
function holdForRisk(
  tx: WalletTx,
  payoutId: string,
  risk: RiskCheck | ScoringOff,
  nowMs: number,
): void {
  if (risk.status === "off") return;
  if (risk.status === "assessed") {
    applyAssessment(tx, risk.observation, risk.assessment, nowMs);
    return;
  }
  holdUnscored(
    tx,
    `${RISK_UNAVAILABLE}:${payoutId}`,
    { kind: "payouts", subjectRef: payoutId, cause: risk.cause },
    nowMs,
  );
}

function replay(sql: SqlStorage, input: RedeemInput): RedeemResult | null {
  const existing = findPayout(sql, input.payoutId);
  if (!existing) return null;
  return payoutRequestHash(sql, input.payoutId) === input.requestHash
    ? { status: "exists", payout: existing }
    : { status: "idempotency_conflict" };
}

/** Synchronous checks against current state: destination, policy, funds. */
function check(
  sql: SqlStorage,
  input: RedeemInput,
  nowMs: number,
): { refusal: RedeemResult } | (PayoutTarget & { legs: Leg[] }) {
  const refuse = (code: RedeemRefusalCode, detail: string) =>
    ({ refusal: { status: "refused", code, detail } }) as const;
  let target: PayoutTarget;
  let usableFromMs = 0;
  let destinationStatus: StoredDestination["status"] = "active";
  if (input.target.type === "saved") {
    const d = findDestination(sql, input.target.destinationId);
    if (!d) return refuse("destination_not_found", "no such payout destination");
    target = {
      type: d.type,
      destinationId: d.destinationId,
      masked: d.masked,
      sealed: d.sealedDetails,
    };
    usableFromMs = d.usableFromMs;
    destinationStatus = d.status;
  } else {
    const gift = giftCardTarget(input.target.product, input.currency, input.amountMinor);
    if ("code" in gift) return refuse(gift.code, gift.detail);
    target = gift;
  }
  const refusal = checkRedemption(input.policy, {
    type: target.type,
    currency: input.currency,
    amountMinor: input.amountMinor,
    destinationUsableFromMs: usableFromMs,
    destinationStatus,
    kycStatus: input.kycStatus,
    redeemedBeforeMinor: redeemedMinor(sql, input.currency),
    nowMs,
  });
  if (refusal) return refuse(refusal.code, refusal.detail);
  const decision = decideReserve({
    currency: input.currency,
    amountMinor: input.amountMinor,
    confirmedMinor: readBalance(sql, "confirmed", input.currency),
    debtMinor: readBalance(sql, "debt", input.currency),
  });
  if (decision.status !== "reserve")
    return refuse(decision.status, reserveRefusalDetail(decision.status));
  return { ...target, legs: decision.legs };
}
