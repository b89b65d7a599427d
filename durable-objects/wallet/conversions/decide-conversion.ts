import { MS_PER_DAY, MS_PER_SEC } from "#shared/time/clock";
import { returnWindowEndsAtMs } from "./confirmation-policy";
import { decideBinding, repricedClick } from "./decide-binding";
import type { ConversionEvent, StoredClick, StoredTxn } from "./types";

/** A click older than this at conversion time earns nothing. */
export const ATTRIBUTION_WINDOW_DAYS = 30;
/**
 * How long a postback may wait for its click to arrive through the clicks queue before the
 * missing click counts as a rejection rather than as lag.
 */
export const CLICK_ARRIVAL_GRACE_MS = 15 * 60_000;
/** Clock skew tolerated between the network's conversion time and our click time. */
export const CLOCK_SKEW_MS = 5 * 60_000;

export type RejectReason =
  | "click_not_found"
  | "click_mismatch"
  | "outside_attribution_window"
  | "conversion_before_click"
  | "currency_mismatch"
  /** Reported at another advertiser than the clicked offer's (decide-binding.ts). */
  | "offer_mismatch";

/** What to do with a conversion event; the wallet object carries it out in one transaction. */
export type ConversionDecision =
  | {
      action: "create";
      expectedConfirmAtMs: number;
      /**
       * Present when the sale is priced by another offer than the clicked one (the network's
       * `offerMismatch: "reprice"`): the click as that offer prices it.
       */
      pricedAs?: StoredClick;
    }
  | { action: "reject"; reason: RejectReason; detail?: string }
  | { action: "update" }
  | { action: "duplicate" }
  | { action: "stale" }
  | { action: "ignore"; why: string }
  | { action: "retry_later" };

/**
 * Pure: the next step for `event`, given what the wallet already knows. No I/O, no clock
 * other than `nowMs`, so every branch is covered by a table test.
 */
export function decideConversion(input: {
  existing: StoredTxn | null;
  click: StoredClick | null;
  event: ConversionEvent;
  nowMs: number;
}): ConversionDecision {
  const { existing, click, event, nowMs } = input;
  if (existing) return decideUpdate(existing, event);

  if (!click) {
    const clickAtMs = event.clickAtSec * MS_PER_SEC;
    return nowMs - clickAtMs < CLICK_ARRIVAL_GRACE_MS
      ? { action: "retry_later" }
      : { action: "reject", reason: "click_not_found" };
  }
  // The click must be for this offer on the network that reports the sale. (The event's
  // offer comes from the same sub-ID as the click id, so the offer check guards the data, not
  // against abuse; the merchant the sale was made at is checked by the binding below.)
  if (click.offerId !== event.offerId || click.networkId !== event.networkId) {
    return { action: "reject", reason: "click_mismatch" };
  }
  const binding = decideBinding(click, event);
  if (binding.kind === "mismatch") {
    return {
      action: "reject",
      reason: "offer_mismatch",
      detail: JSON.stringify({ clickedRef: binding.clickedRef, reportedRef: binding.reportedRef }),
    };
  }
  const priced = binding.kind === "repriced" ? repricedClick(click, binding.offer) : click;
  if (event.occurredAtMs < click.clickedAtMs - CLOCK_SKEW_MS) {
    return { action: "reject", reason: "conversion_before_click" };
  }
  if (event.occurredAtMs - click.clickedAtMs > ATTRIBUTION_WINDOW_DAYS * MS_PER_DAY) {
    return { action: "reject", reason: "outside_attribution_window" };
  }
  if (event.currency !== priced.currency) return { action: "reject", reason: "currency_mismatch" };
  const expectedConfirmAtMs = returnWindowEndsAtMs(event.occurredAtMs, priced.returnWindowDays);
  return binding.kind === "repriced"
    ? { action: "create", expectedConfirmAtMs, pricedAs: priced }
    : { action: "create", expectedConfirmAtMs };
}

const STATUS_RANK = { pending: 1, approved: 2, cancelled: 3 } as const;

/** The network's view of an order at one moment, as far as ordering is concerned. */
export interface NetworkVersion {
  status: "pending" | "approved" | "cancelled";
  /** The network's update time, or, when `timeKnown` is false, the receipt time. */
  atMs: number;
  /**
   * Whether `atMs` is the network's own update time. Every network format that has its own
   * ordering exposes it as a modification time (generic `updated_at`, Admitad
   * `status_updated`, impact.com `UpdateDate`, CJ `postingDate`, a template's `updatedAt`);
   * none sends a revision counter. Without one, the receipt time says when we heard, not when
   * the network changed the order: a replayed older postback is "received" last.
   */
  timeKnown: boolean;
  saleAmountMinor: number;
  commissionMinor: number;
}

/**
 * Whether `incoming` is a later network state than `current`:
 *
 * 1. status rank: pending < approved < cancelled (a cancellation is final; an approval
 *    never goes back to pending);
 * 2. within one status, when both carry the network's own update time, the later one
 *    (partial refunds and corrections, newest wins);
 * 3. otherwise (either side has only a receipt time), the lower amounts, sale then commission.
 *    Within one status a network moves amounts only down (a partial refund or a return of some
 *    lines; an upward correction is the rare exception), so the lower amount is the newer state,
 *    and a replay of an older postback (a larger amount, received last) cannot undo a newer
 *    partial refund. A network that raises an amount must send its update time for it to apply;
 *    without one it is held as `stale` (reconciliation flags it `report_behind`);
 * 4. then, for equal amounts, the later time (new line items with the same totals), then 0.
 *
 * The order is antisymmetric, so for a network that always, or never, sends update times the
 * state a transaction ends in does not depend on arrival order. (A network that sends times on
 * some updates and not on others can meet rules 2 and 3 in a cycle; the ledger stays exact,
 * only which of those states wins may then depend on arrival.)
 */
export function compareNetworkVersions(
  incoming: NetworkVersion,
  current: NetworkVersion,
): -1 | 0 | 1 {
  const rank = STATUS_RANK[incoming.status] - STATUS_RANK[current.status];
  if (rank !== 0) return rank > 0 ? 1 : -1;
  const bothTimed = incoming.timeKnown && current.timeKnown;
  if (bothTimed && incoming.atMs !== current.atMs) return incoming.atMs > current.atMs ? 1 : -1;
  if (incoming.saleAmountMinor !== current.saleAmountMinor) {
    return incoming.saleAmountMinor < current.saleAmountMinor ? 1 : -1;
  }
  if (incoming.commissionMinor !== current.commissionMinor) {
    return incoming.commissionMinor < current.commissionMinor ? 1 : -1;
  }
  if (incoming.atMs !== current.atMs) return incoming.atMs > current.atMs ? 1 : -1;
  return 0;
}

export function eventVersion(event: ConversionEvent): NetworkVersion {
  return {
    status: event.status,
    atMs: event.updatedAtMs ?? event.receivedAtMs,
    timeKnown: event.updatedAtMs !== null,
    saleAmountMinor: event.saleAmountMinor,
    commissionMinor: event.commissionMinor,
  };
}

function decideUpdate(existing: StoredTxn, event: ConversionEvent): ConversionDecision {
  if (existing.status === "rejected") return { action: "duplicate" };
  if (event.currency !== existing.currency) return { action: "ignore", why: "currency_changed" };
  // A repeat of the state we hold is a duplicate whenever it was sent (a re-sent postback
  // without an update time carries a new receipt time, not a new state).
  if (
    event.status === existing.networkStatus &&
    event.saleAmountMinor === existing.saleAmountMinor &&
    event.commissionMinor === existing.commissionMinor &&
    sameLineItems(event.lineItems, existing.lineItems)
  ) {
    return { action: "duplicate" };
  }
  const order = compareNetworkVersions(eventVersion(event), {
    status: existing.networkStatus,
    atMs: existing.networkUpdatedAtMs,
    timeKnown: existing.networkTimeKnown,
    saleAmountMinor: existing.saleAmountMinor,
    commissionMinor: existing.commissionMinor,
  });
  if (order === 0) return { action: "duplicate" };
  return order > 0 ? { action: "update" } : { action: "stale" };
}

function sameLineItems(a: ConversionEvent["lineItems"], b: StoredTxn["lineItems"]): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
