import { type GiftCardProduct, PAYOUT_ID_PATTERN } from "#shared/payouts/types";
import type { RedeemInput, RedeemRefusalCode } from "../types";

/** Pure decisions of a redemption request; the reservation itself is decide-payout.ts. */

/**
 * Null when the request is well-formed; else why not.
 *
 * @example
 * malformedRedeem({ payoutId: "pay_x", currency: "inr", amountMinor: 100 }) // "malformed payout id, currency or amount"
 */
export function malformedRedeem(
  input: Pick<RedeemInput, "payoutId" | "currency" | "amountMinor">,
): string | null {
  const ok =
    PAYOUT_ID_PATTERN.test(input.payoutId) &&
    /^[A-Z]{3}$/.test(input.currency) &&
    Number.isSafeInteger(input.amountMinor) &&
    input.amountMinor > 0;
  return ok ? null : "malformed payout id, currency or amount";
}

export interface PayoutTarget {
  type: "bank" | "upi" | "gift_card";
  destinationId: string;
  masked: string;
  sealed: string | null;
}

export type Refusal = { code: RedeemRefusalCode; detail: string };

/** A gift card is a target when it is offered now, in this currency and denomination. */
export function giftCardTarget(
  product: GiftCardProduct,
  currency: string,
  amountMinor: number,
): PayoutTarget | Refusal {
  if (!product.active) {
    return {
      code: "gift_card_unavailable",
      detail: `${product.brand} gift cards are not offered now`,
    };
  }
  if (product.currency !== currency || !product.denominationsMinor.includes(amountMinor)) {
    return {
      code: "gift_card_unavailable",
      detail: `${product.brand} gift cards come in ${product.denominationsMinor.join(", ")} minor units of ${product.currency}`,
    };
  }
  return {
    type: "gift_card",
    destinationId: product.id,
    masked: `${product.brand} ${amountMinor}`,
    sealed: null,
  };
}

/** What the user is told when the reservation is refused. */
export function reserveRefusalDetail(status: "insufficient_funds" | "debt_outstanding"): string {
  return status === "insufficient_funds"
    ? "the amount is more than your confirmed cashback"
    : "money owed from a returned order is repaid from cashback first";
}
