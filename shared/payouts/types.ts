/**
 * The vocabulary of redemptions and payouts, shared by the wallet Durable Object (which owns
 * every payout's state and money), the api worker (routes, queue consumers, crons) and the
 * processor adapters.
 */

const DESTINATION_TYPES = ["bank", "upi", "gift_card"] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];

/** What a processor needs to move money; only ever held in memory, sealed at rest. */
export type DestinationDetails =
  | { type: "bank"; accountNumber: string; ifsc: string; holderName: string }
  | { type: "upi"; vpa: string; holderName: string | null }
  | { type: "gift_card"; productId: string; brand: string };

/**
 * A payout's life. Money is reserved from the moment it exists until it is `paid` (paid out)
 * or `failed` / `cancelled` (credited back to confirmed).
 *
 * - held: waiting for an operator (new-device login shortly before the request).
 * - queued: approved, waiting for the dispatch consumer.
 * - submitting: an attempt is in flight or its outcome is unknown (check before retrying).
 * - retrying: the processor was down or answered with a transient error; the queue retries.
 * - stuck: retries exhausted (dead-letter queue); an operator retries or cancels it.
 * - submitted / processing: the processor has it.
 */
export const PAYOUT_STATUSES = [
  "held",
  "queued",
  "submitting",
  "retrying",
  "stuck",
  "submitted",
  "processing",
  "paid",
  "failed",
  "cancelled",
] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

export const FINAL_PAYOUT_STATUSES: ReadonlySet<PayoutStatus> = new Set([
  "paid",
  "failed",
  "cancelled",
]);

/** Failure codes that mean the destination itself is wrong: the user must fix it. */
export const DESTINATION_FAILURE_CODES = [
  "account_invalid",
  "account_closed",
  "ifsc_invalid",
  "vpa_invalid",
  "beneficiary_name_mismatch",
] as const;

export function isDestinationFailure(code: string | null): boolean {
  return code !== null && (DESTINATION_FAILURE_CODES as readonly string[]).includes(code);
}

/** One gift-card product of the operator's catalog (D1 `gift_card_products`). */
export interface GiftCardProduct {
  id: string;
  brand: string;
  currency: string;
  /** Ascending, distinct, positive minor units: the only amounts a user may redeem. */
  denominationsMinor: number[];
  active: boolean;
  createdAtMs: number;
  updatedAtMs: number;
}

/** Queue message asking the dispatch consumer to hand a payout to the processor. */
export interface PayoutDispatchMessage {
  kind: "payout_dispatch";
  payoutId: string;
  userId: string;
}

/**
 * Daily wallet audits: one message per wallet asks it to check its buckets against its
 * ledger; a page message fans out the next page of wallets, so a run over millions of
 * wallets is a chain of small steps rather than one long cron invocation.
 */
export type WalletAuditMessage =
  | { kind: "wallet_audit"; runId: string; userId: string }
  | { kind: "wallet_audit_page"; runId: string; afterUserId: string };

/** Payout id pattern: also the processor's idempotency key and a ledger posting key part. */
export const PAYOUT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
