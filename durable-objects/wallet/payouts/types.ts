import type { PayoutPolicy, RedemptionRefusal } from "#shared/payouts/policy";
import type { ProcessorPayout } from "#shared/payouts/processor";
import type { DestinationDetails, GiftCardProduct } from "#shared/payouts/types";
import type { StoredDestination } from "./destinations/destination-store";
import type { StoredPayout } from "./lifecycle/decide-payout";

/**
 * The payout RPC surface's types: what callers send and get back. Redemptions live inside one
 * user's wallet object: destinations (sealed at rest), step-up codes, devices, and every
 * payout's state from request to paid or credited back. The wallet is the single writer of
 * both the payout and its money, so each step commits them together.
 */

export type NewDestination =
  | { type: "bank"; accountNumber: string; ifsc: string; holderName: string; label: string | null }
  | { type: "upi"; vpa: string; holderName: string | null; label: string | null };

/** What users and operators see of a destination: never the details themselves. */
export interface DestinationView {
  destinationId: string;
  type: "bank" | "upi";
  label: string | null;
  masked: string;
  status: StoredDestination["status"];
  usableFromMs: number;
  createdAtMs: number;
  updatedAtMs: number;
}

export type DestinationResult =
  | { status: "created" | "updated" | "exists" | "removed"; destination: DestinationView }
  | { status: "not_found" | "too_many" | "no_keys" | "idempotency_conflict" }
  /** Over the daily cap on adds and removes (destinations/change-cap.ts) until `retryAtMs`. */
  | { status: "change_cap_reached"; retryAtMs: number }
  /** A `step_up` risk hold asks for a fresh code (step_up_required) or the code failed. */
  | { status: "step_up_required" | "step_up_failed"; detail: string };

export interface RedeemInput {
  payoutId: string;
  /** Digest of the request body: the same Idempotency-Key with another body is refused. */
  requestHash: string;
  amountMinor: number;
  currency: string;
  target:
    | { type: "saved"; destinationId: string }
    | { type: "gift_card"; product: GiftCardProduct };
  stepUp: { challengeId: string; code: string } | null;
  deviceId: string | null;
  kycStatus: "none" | "pending" | "verified" | "rejected";
  policy: PayoutPolicy;
}

export type RedeemRefusalCode =
  | RedemptionRefusal["code"]
  | "destination_not_found"
  | "gift_card_unavailable"
  | "insufficient_funds"
  | "debt_outstanding"
  | "step_up_required"
  | "step_up_failed";

export type RedeemResult =
  | { status: "created" | "exists"; payout: StoredPayout }
  | { status: "idempotency_conflict" }
  | { status: "invalid"; detail: string }
  | { status: "refused"; code: RedeemRefusalCode; detail: string };

export type DispatchClaim =
  | { action: "skip"; payout: StoredPayout | null }
  | {
      action: "submit" | "lookup_first";
      payout: StoredPayout;
      destination: DestinationDetails;
      userId: string;
    }
  /** The sealed details could not be opened (a key removed too early): an operator must act. */
  | { action: "unreadable"; payout: StoredPayout };

/** What the processor says of a payout; amount and currency when the source carries them. */
export interface ProcessorView {
  status: ProcessorPayout["status"];
  processorRef: string;
  failureCode: string | null;
  amountMinor: number | null;
  currency: string | null;
}

export type AdminPayoutAction = "approve" | "cancel" | "retry";
export type AdminPayoutResult =
  | { status: "done"; payout: StoredPayout }
  | { status: "not_found" }
  | { status: "not_allowed"; payout: StoredPayout; detail: string };
