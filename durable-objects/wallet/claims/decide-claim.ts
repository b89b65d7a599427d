import type { ClaimProjection } from "#shared/messages";
import { MS_PER_DAY } from "#shared/time/clock";
import { ATTRIBUTION_WINDOW_DAYS, CLOCK_SKEW_MS } from "../conversions/decide-conversion";
import type { StoredClick } from "../conversions/types";

/**
 * Missing-cashback claims. A user who bought after clicking but sees no transaction files a
 * claim for that click; it is matched automatically when the network's postback or report
 * for that order arrives, and goes to the operator's review queue if nothing arrives.
 */

/** How long a claim waits for the network before it goes to review. */
export const CLAIM_REVIEW_AFTER_DAYS = 7;

/** What the projection of a claim carries (shared/messages.ts). */
type ClaimRecord = ClaimProjection["claim"];

/** A claim as stored: what its projection carries, plus its review time. */
export interface StoredClaim extends ClaimRecord {
  reviewDueAtMs: number;
}

export type ClaimStatus = StoredClaim["status"];

/** What the user files: the claim's own details, the rest comes from the click. */
export type ClaimInput = Pick<
  StoredClaim,
  "claimId" | "clickId" | "orderId" | "amountMinor" | "currency" | "purchasedAtMs"
>;

export type ClaimCheck =
  | { ok: true }
  | {
      ok: false;
      reason:
        | "click_not_found"
        | "purchase_outside_click_window"
        | "currency_mismatch"
        | "purchase_in_future";
    };

/** Pure: can this claim be filed against this click? */
export function checkClaim(
  input: ClaimInput,
  click: StoredClick | null,
  nowMs: number,
): ClaimCheck {
  if (!click) return { ok: false, reason: "click_not_found" };
  if (input.purchasedAtMs > nowMs + CLOCK_SKEW_MS)
    return { ok: false, reason: "purchase_in_future" };
  const sinceClick = input.purchasedAtMs - click.clickedAtMs;
  if (sinceClick < -CLOCK_SKEW_MS || sinceClick > ATTRIBUTION_WINDOW_DAYS * MS_PER_DAY) {
    return { ok: false, reason: "purchase_outside_click_window" };
  }
  if (input.currency !== click.currency) return { ok: false, reason: "currency_mismatch" };
  return { ok: true };
}

/** Whether a claim filed again under the same id carries the details it was filed with. */
export function sameClaimDetails(existing: StoredClaim, input: ClaimInput): boolean {
  return (
    existing.clickId === input.clickId &&
    existing.orderId === input.orderId &&
    existing.amountMinor === input.amountMinor &&
    existing.currency === input.currency &&
    existing.purchasedAtMs === input.purchasedAtMs
  );
}

/**
 * Pure: the claim to store for a valid filing. Matched at once when the order is already known
 * and not rejected (a rejected order is exactly what a claim disputes: it stays open for review).
 */
export function newClaim(
  input: ClaimInput,
  click: Pick<StoredClick, "offerId" | "networkId">,
  known: { txnId: string; status: string } | null,
  nowMs: number,
): StoredClaim {
  return {
    ...input,
    offerId: click.offerId,
    networkId: click.networkId,
    status: known && known.status !== "rejected" ? "matched" : "open",
    txnId: known?.txnId ?? null,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    reviewDueAtMs: nowMs + CLAIM_REVIEW_AFTER_DAYS * MS_PER_DAY,
  };
}

/** An operator's decision on a claim. */
export type ClaimOutcome = "approved" | "rejected";

export type ClaimDecisionCheck =
  /** Open or in review: the decision may be taken. */
  | { kind: "decide" }
  /** Already decided the same way: nothing to do (a repeated request). */
  | { kind: "already" }
  /** Matched, or decided the other way: refused with the reason. */
  | { kind: "refuse"; detail: string };

/**
 * Pure: may an operator decide this claim this way? Open claims (still waiting for the
 * network) and claims in review may be decided once; the same decision again is a no-op.
 *
 * @example
 * checkClaimDecision({ ...claim, status: "review" }, "approved"); // { kind: "decide" }
 */
export function checkClaimDecision(
  claim: Pick<StoredClaim, "status" | "txnId">,
  outcome: ClaimOutcome,
): ClaimDecisionCheck {
  switch (claim.status) {
    case "open":
    case "review":
      return { kind: "decide" };
    case "matched":
      return {
        kind: "refuse",
        detail: `the claim already matched transaction ${claim.txnId}: there is nothing to decide`,
      };
    case "approved":
    case "rejected":
      return claim.status === outcome
        ? { kind: "already" }
        : { kind: "refuse", detail: `the claim was already ${claim.status}` };
  }
}
