import type { Leg } from "./ledger";

/**
 * The wallet's side of a payout: the amount moves confirmed → reserved when the payout is
 * requested, reserved → paid_out when the processor completes it, and reserved → confirmed
 * (repaying any debt first) when it fails for good. Each step is one posting keyed by the
 * payout id, so a retried request or a replayed webhook moves money at most once.
 */

export type PayoutStatus = "reserved" | "paid" | "failed";

export interface StoredPayout {
  payoutId: string;
  currency: string;
  amountMinor: number;
  status: PayoutStatus;
}

/** Exhaustive result of a payout step; only `created` and `exists` moved (or had moved) money. */
export type PayoutStepStatus =
  | "invalid"
  | "created"
  | "exists"
  | "exists_with_different_amount"
  | "insufficient_funds"
  | "debt_outstanding"
  | "not_found"
  | "already_final";

/** Payout ids become posting keys; a malformed one is refused before anything is read. */
export const PAYOUT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export type ReserveDecision =
  | { status: "exists" | "exists_with_different_amount" }
  | { status: "debt_outstanding" | "insufficient_funds" }
  | { status: "reserve"; legs: Leg[] };

/** Pure: what reserving `amountMinor` for `payoutId` does, given what the wallet holds. */
export function decideReserve(input: {
  existing: StoredPayout | null;
  currency: string;
  amountMinor: number;
  confirmedMinor: number;
  debtMinor: number;
}): ReserveDecision {
  const { existing, currency, amountMinor } = input;
  if (existing) {
    return existing.amountMinor === amountMinor && existing.currency === currency
      ? { status: "exists" }
      : { status: "exists_with_different_amount" };
  }
  // Money owed after a clawback is settled from cashback before anything leaves again.
  if (input.debtMinor > 0) return { status: "debt_outstanding" };
  if (amountMinor > input.confirmedMinor) return { status: "insufficient_funds" };
  return {
    status: "reserve",
    legs: [
      { bucket: "confirmed", currency, amountMinor: -amountMinor },
      { bucket: "reserved", currency, amountMinor },
    ],
  };
}

export type SettleDecision =
  | { status: "not_found" | "already_final" | "exists" }
  | { status: "settle"; next: "paid" | "failed"; legs: Leg[] };

/** Pure: completing or failing a reserved payout. A repeat of the same outcome is `exists`. */
export function decideSettle(input: {
  payout: StoredPayout | null;
  outcome: "paid" | "failed";
  debtMinor: number;
}): SettleDecision {
  const { payout, outcome } = input;
  if (!payout) return { status: "not_found" };
  if (payout.status === outcome) return { status: "exists" };
  if (payout.status !== "reserved") return { status: "already_final" };
  const { currency, amountMinor } = payout;
  if (outcome === "paid") {
    return {
      status: "settle",
      next: "paid",
      legs: [
        { bucket: "reserved", currency, amountMinor: -amountMinor },
        { bucket: "paid_out", currency, amountMinor },
      ],
    };
  }
  const repaid = Math.min(amountMinor, input.debtMinor);
  const legs: Leg[] = [{ bucket: "reserved", currency, amountMinor: -amountMinor }];
  if (amountMinor - repaid > 0)
    legs.push({ bucket: "confirmed", currency, amountMinor: amountMinor - repaid });
  if (repaid > 0) legs.push({ bucket: "debt", currency, amountMinor: -repaid });
  return { status: "settle", next: "failed", legs };
}
