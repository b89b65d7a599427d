import { computeCashback } from "../../shared/money/cashback";
import { MS_PER_DAY, MS_PER_SEC } from "../../shared/time/clock";
import type { ConversionEvent, StoredClick, StoredTxn } from "./types";

/** A click older than this at conversion time earns nothing. */
export const ATTRIBUTION_WINDOW_DAYS = 30;
/**
 * How long a postback may wait for its click to arrive through the clicks queue before the
 * missing click counts as a rejection rather than as lag.
 */
export const CLICK_ARRIVAL_GRACE_MS = 15 * 60_000;
/** Clock skew tolerated between the network's conversion time and our click time. */
const CLOCK_SKEW_MS = 5 * 60_000;

export type RejectReason =
  | "click_not_found"
  | "click_mismatch"
  | "outside_attribution_window"
  | "conversion_before_click"
  | "currency_mismatch";

/** What to do with a conversion event; the wallet object carries it out in one transaction. */
export type ConversionDecision =
  | {
      action: "create";
      initial: "pending" | "confirmed" | "cancelled";
      cashbackMinor: number;
      rateBps: number;
      expectedConfirmAtMs: number;
    }
  | { action: "reject"; reason: RejectReason }
  | { action: "confirm" }
  | { action: "cancel" }
  | { action: "duplicate" }
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
  // The click must be for this offer on the network that reports the sale.
  if (click.offerId !== event.offerId || click.networkId !== event.networkId) {
    return { action: "reject", reason: "click_mismatch" };
  }
  if (event.occurredAtMs < click.clickedAtMs - CLOCK_SKEW_MS) {
    return { action: "reject", reason: "conversion_before_click" };
  }
  if (event.occurredAtMs - click.clickedAtMs > ATTRIBUTION_WINDOW_DAYS * MS_PER_DAY) {
    return { action: "reject", reason: "outside_attribution_window" };
  }
  if (event.currency !== click.currency) return { action: "reject", reason: "currency_mismatch" };

  const quote = computeCashback(click.terms, event);
  const initial =
    event.status === "approved"
      ? "confirmed"
      : event.status === "cancelled"
        ? "cancelled"
        : "pending";
  return {
    action: "create",
    initial,
    cashbackMinor: quote.cashbackMinor,
    rateBps: quote.rateBps,
    expectedConfirmAtMs: event.occurredAtMs + click.returnWindowDays * MS_PER_DAY,
  };
}

function decideUpdate(existing: StoredTxn, event: ConversionEvent): ConversionDecision {
  switch (existing.status) {
    case "rejected":
      return { action: "duplicate" };
    case "cancelled":
      // Terminal: a late sale or approval must not resurrect a cancelled order.
      return event.status === "cancelled"
        ? { action: "duplicate" }
        : { action: "ignore", why: `${event.status}_after_cancellation` };
    case "pending":
      if (event.status === "approved") return { action: "confirm" };
      if (event.status === "cancelled") return { action: "cancel" };
      return { action: "duplicate" };
    case "confirmed":
      if (event.status === "cancelled") {
        // Clawback after confirmation belongs to the returns policy (debt handling); until
        // then it is kept in the history for review and moves no money.
        return { action: "ignore", why: "cancelled_after_confirmation_needs_review" };
      }
      return { action: "duplicate" };
  }
}
