import type { ClickMessage, TransactionProjection } from "#shared/messages";
import type { CashbackTerms } from "#shared/money/cashback";
import type { LineItem } from "#shared/networks/types";
import type { TxnBoost } from "../boosts/boosts";
import type { ConfirmationPolicy } from "./confirmation-policy";

/**
 * The wallet's records of clicks and transactions. Fields a message already declares are not
 * declared again: a stored click is the click message's payload, a stored transaction extends
 * what its projection carries (renaming `id` to `txnId`) with what only the wallet keeps.
 */

/** What the projection of a transaction carries (shared/messages.ts). */
type TxnRecord = TransactionProjection["txn"];

export type TxnStatus = TxnRecord["status"];

/** A normalised conversion update, whatever network format it arrived in. */
export interface ConversionEvent {
  /** Deterministic from (network, order id), so every retry names the same transaction. */
  txnId: string;
  postbackId: string;
  /**
   * Where the update came from; reconciliation marks what it found, `claim` an order an
   * operator recorded by approving a missing-cashback claim. Default "postback".
   */
  source?: "postback" | "reconciliation" | "claim";
  networkId: string;
  orderId: string;
  userId: string;
  offerId: string;
  clickId: string;
  clickAtSec: number;
  status: "pending" | "approved" | "cancelled";
  currency: string;
  saleAmountMinor: number;
  commissionMinor: number;
  category: string | null;
  lineItems: LineItem[] | null;
  occurredAtMs: number;
  /** When the network last changed the order; null when the format does not say. */
  updatedAtMs: number | null;
  /** When Boomerang received this update; orders updates that carry no time of their own. */
  receivedAtMs: number;
  /**
   * The advertiser/campaign reference the network reported the sale at; compared with the
   * click's (decide-binding.ts). Absent or null: not reported, nothing to compare.
   */
  networkOfferRef?: string | null;
  /**
   * The operator's offer for `networkOfferRef` on this network, looked up by the postbacks
   * consumer when the network's `offerMismatch` option is `reprice` and the reference differs
   * from the clicked offer's. Absent: a mismatch is rejected.
   */
  repriceOffer?: RepriceOffer | null;
}

/** An offer a mismatched sale may be priced by (the network's `offerMismatch: "reprice"`). */
export interface RepriceOffer {
  offerId: string;
  merchantId: string;
  networkOfferRef: string;
  currency: string;
  /** The offer's terms as the catalog holds them when the order is first judged. */
  terms: CashbackTerms;
  returnWindowDays: number;
  /** The offer's resolved confirmation policy; absent means today's (return_window). */
  confirmationPolicy?: ConfirmationPolicy;
  startsAtMs: number | null;
  endsAtMs: number | null;
  /**
   * When the offer was last changed in the catalog. The catalog keeps no history of terms, so
   * an offer changed after the click cannot be priced "as of the click": such a sale stays an
   * `offer_mismatch` for review. Absent only in older messages and table tests.
   */
  changedAtMs?: number;
  /** Offer, merchant and network switched on. */
  active: boolean;
}

/** A click as the redirect worker minted it: the click message without its envelope. */
export type StoredClick = Pick<
  ClickMessage,
  | "clickId"
  | "offerId"
  | "merchantId"
  | "networkId"
  | "clickedAtMs"
  | "currency"
  | "terms"
  | "returnWindowDays"
  | "confirmationPolicy"
  | "boosts"
  | "networkOfferRef"
  | "quality"
>;

export interface StoredTxn extends Omit<TxnRecord, "id" | "boostMinor"> {
  txnId: string;
  category: string | null;
  lineItems: LineItem[] | null;
  /** The click-time terms, kept with the transaction: clicks are pruned, returns come later. */
  terms: CashbackTerms | null;
  /** The click's campaign boosts with what each earns and was granted (boosts/boosts.ts). */
  boosts: TxnBoost[];
  /** Σ desired boost, in minor units; derived from `boosts` when the row is written. */
  desiredBoostMinor: number;
  /** Σ boost the ledger holds (granted, up to desired), in minor units; projected as `boostMinor`. */
  grantedBoostMinor: number;
  /** The latest network state applied (see compareNetworkVersions). */
  networkStatus: "pending" | "approved" | "cancelled";
  networkUpdatedAtMs: number;
  /**
   * Whether `networkUpdatedAtMs` is the network's own update time (false: the receipt time,
   * because the network sent none). Decides how replays are ordered (compareNetworkVersions).
   */
  networkTimeKnown: boolean;
  /** True once the return window passed with the order not cancelled. */
  windowElapsed: boolean;
  /** Frozen from the click: what confirms it (conversions/confirmation-policy.ts). */
  confirmationPolicy: ConfirmationPolicy;
  /** Purchase time + the click's return window; `expectedConfirmAtMs` follows the policy. */
  windowEndsAtMs: number | null;
  /** What the ledger holds for this transaction (see ledger/position.ts). */
  heldPendingMinor: number;
  heldConfirmedMinor: number;
  createdAtMs: number;
}

/**
 * Exhaustive outcome of applying a conversion event. `retry_later` is the only transient
 * one: the click may still be on its way through the clicks queue.
 */
export type ConversionOutcome =
  | "created"
  | "updated"
  | "duplicate"
  | "stale"
  | "ignored"
  | "rejected"
  | "retry_later";

export interface ConversionResult {
  outcome: ConversionOutcome;
  txn: StoredTxn | null;
  reason: string | null;
}
