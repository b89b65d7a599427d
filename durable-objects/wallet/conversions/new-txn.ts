import { type CashbackTerms, computeCashback } from "#shared/money/cashback";
import {
  desiredBoostMinor,
  effectiveBoostMinor,
  openBoosts,
  repriceBoosts,
} from "../boosts/boosts";
import {
  type ConfirmationState,
  decideConfirmation,
  expectedConfirmAtMs,
} from "./confirmation-policy";
import { eventVersion } from "./decide-conversion";
import type { ConversionEvent, StoredClick, StoredTxn } from "./types";

/** Pure: the records a conversion event creates or changes; the caller settles and saves them. */

/**
 * A new transaction for an order, priced at the click's frozen terms and confirmed by the
 * click's frozen policy (unpriced without a click: a rejected order earns nothing, and shows
 * nothing it would have earned). `windowEndsAtMs` is the purchase time plus the click's return
 * window; the expected confirmation date follows the policy (settle.ts keeps it current).
 *
 * @example
 * newTxn(event, click, nowMs, windowEndsAtMs).status // "pending"
 */
export function newTxn(
  event: ConversionEvent,
  click: StoredClick | null,
  nowMs: number,
  windowEndsAtMs: number | null,
): StoredTxn {
  const quote = click ? computeCashback(click.terms, event) : null;
  const boosts = openBoosts(click?.boosts ?? [], quote, event.status !== "cancelled");
  const confirmation: ConfirmationState = {
    policy: click?.confirmationPolicy ?? "return_window",
    networkStatus: event.status,
    windowElapsed: false,
    windowEndsAtMs,
  };
  return {
    txnId: event.txnId,
    networkId: event.networkId,
    orderId: event.orderId,
    clickId: event.clickId,
    // The priced offer: the clicked one, or the one a mismatched sale was repriced by.
    offerId: click?.offerId ?? event.offerId,
    status: "pending",
    rejectReason: null,
    currency: event.currency,
    saleAmountMinor: event.saleAmountMinor,
    commissionMinor: event.commissionMinor,
    cashbackMinor: quote?.cashbackMinor ?? 0,
    rateBps: quote?.rateBps ?? 0,
    category: event.category,
    lineItems: event.lineItems,
    terms: click?.terms ?? null,
    boosts,
    desiredBoostMinor: desiredBoostMinor(boosts),
    grantedBoostMinor: effectiveBoostMinor(boosts),
    networkStatus: event.status,
    networkUpdatedAtMs: eventVersion(event).atMs,
    networkTimeKnown: eventVersion(event).timeKnown,
    windowElapsed: false,
    confirmationPolicy: confirmation.policy,
    windowEndsAtMs,
    heldPendingMinor: 0,
    heldConfirmedMinor: 0,
    clickedAtMs: click?.clickedAtMs ?? event.clickAtSec * 1000,
    convertedAtMs: event.occurredAtMs,
    expectedConfirmAtMs: expectedConfirmAtMs(decideConfirmation(confirmation)),
    confirmedAtMs: null,
    version: 1,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
}

/**
 * Applies a newer network state to a transaction in place: amounts, items, price at its
 * frozen terms, boosts repriced; the version rises. The caller settles it.
 */
export function applyUpdate(txn: StoredTxn, event: ConversionEvent, nowMs: number): StoredTxn {
  txn.networkStatus = event.status;
  txn.networkUpdatedAtMs = eventVersion(event).atMs;
  txn.networkTimeKnown = eventVersion(event).timeKnown;
  txn.saleAmountMinor = event.saleAmountMinor;
  txn.commissionMinor = event.commissionMinor;
  txn.lineItems = event.lineItems;
  txn.category = event.category;
  const quote = computeCashback(termsOf(txn), event);
  txn.cashbackMinor = quote.cashbackMinor;
  txn.rateBps = quote.rateBps;
  txn.boosts = repriceBoosts(txn.boosts, quote, event.status !== "cancelled");
  txn.version += 1;
  txn.updatedAtMs = nowMs;
  return txn;
}

/** Terms for recomputation; rows from before terms were kept fall back to their rate. */
export function termsOf(txn: Pick<StoredTxn, "terms" | "rateBps">): CashbackTerms {
  return txn.terms ?? { basis: "sale", defaultRateBps: txn.rateBps, categoryRates: {} };
}

/** What a transaction's history records of the event that changed it. */
export function conversionDetail(event: ConversionEvent): string {
  return JSON.stringify({
    postbackId: event.postbackId,
    status: event.status,
    saleAmountMinor: event.saleAmountMinor,
    commissionMinor: event.commissionMinor,
    atMs: eventVersion(event).atMs,
  });
}
