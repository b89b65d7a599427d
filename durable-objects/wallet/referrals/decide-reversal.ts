import { mulDivRound } from "#shared/money/rounding";
import type { ReferralTerms } from "./referral-terms";

/**
 * Pure: what a refund or chargeback of the qualifying event takes back of the referral's
 * bonuses (docs/referrals.md, "Reversals"). A chargeback, and the refund that completes the
 * original amount, take everything still held; a partial refund takes its share of the
 * original amount when the campaign says `proportional`, and nothing when it says `keep`.
 */

export interface Fraction {
  num: number;
  den: number;
}

export type ReversalCause =
  | { kind: "chargeback" }
  | {
      kind: "refund";
      originalMinor: number;
      /** Refunds of the original processed before this one. */
      refundedBeforeMinor: number;
      refundMinor: number;
    };

export type ReversalDecision =
  | { action: "reverse"; whole: boolean; fraction: Fraction }
  | { action: "none"; why: "nothing_refunded" | "partial_refund_kept" };

const WHOLE: Fraction = { num: 1, den: 1 };

/**
 * @example
 * decideReversal({ kind: "refund", originalMinor: 1_000, refundedBeforeMinor: 0, refundMinor: 250 }, "proportional")
 * // { action: "reverse", whole: false, fraction: { num: 250, den: 1_000 } }
 */
export function decideReversal(
  cause: ReversalCause,
  partialRefund: ReferralTerms["partialRefund"],
): ReversalDecision {
  if (cause.kind === "chargeback") return { action: "reverse", whole: true, fraction: WHOLE };
  if (cause.originalMinor <= 0 || cause.refundMinor <= 0) {
    return { action: "none", why: "nothing_refunded" };
  }
  if (cause.refundedBeforeMinor + cause.refundMinor >= cause.originalMinor) {
    return { action: "reverse", whole: true, fraction: WHOLE };
  }
  if (partialRefund === "keep") return { action: "none", why: "partial_refund_kept" };
  return {
    action: "reverse",
    whole: false,
    fraction: { num: cause.refundMinor, den: cause.originalMinor },
  };
}

/**
 * Pure: the amount one take removes from a bonus of `creditedMinor` of which `takenMinor` is
 * already gone: the fraction of the credited amount, rounded down, never more than is left; a
 * whole fraction takes all that is left.
 *
 * @example
 * reversalShare(1_000, 0, { num: 1, den: 3 })   // 333
 * reversalShare(1_000, 900, { num: 1, den: 2 }) // 100
 */
export function reversalShare(
  creditedMinor: number,
  takenMinor: number,
  fraction: Fraction,
): number {
  const left = Math.max(creditedMinor - takenMinor, 0);
  if (fraction.num >= fraction.den) return left;
  return Math.min(mulDivRound(creditedMinor, fraction.num, fraction.den, "floor"), left);
}
