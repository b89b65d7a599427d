import { describe, expect, test } from "vitest";
import { MS_PER_DAY } from "../../shared/time/clock";
import {
  ATTRIBUTION_WINDOW_DAYS,
  CLICK_ARRIVAL_GRACE_MS,
  type ConversionDecision,
  decideConversion,
} from "./decide-conversion";
import type { ConversionEvent, StoredClick, StoredTxn, TxnStatus } from "./types";

const CLICKED_AT_MS = 1_760_000_000_000;
const MINUTE_MS = 60_000;
const SKEW_MS = 5 * MINUTE_MS;

const CLICK: StoredClick = {
  clickId: "clk_mi3x2k9aXf3q",
  offerId: "acme-shoes",
  merchantId: "acme",
  networkId: "demo-network",
  clickedAtMs: CLICKED_AT_MS,
  currency: "INR",
  terms: { basis: "sale", defaultRateBps: 500, categoryRates: { fashion: 1_000 } },
  returnWindowDays: 30,
};

const EVENT: ConversionEvent = {
  txnId: "txn_abc",
  postbackId: "pb_abc",
  networkId: "demo-network",
  orderId: "ord-1",
  userId: "usr_42",
  offerId: "acme-shoes",
  clickId: CLICK.clickId,
  clickAtSec: CLICKED_AT_MS / 1000,
  status: "pending",
  currency: "INR",
  saleAmountMinor: 99_900,
  commissionMinor: 8_000,
  category: null,
  occurredAtMs: CLICKED_AT_MS + 10 * MINUTE_MS,
};

function txn(status: TxnStatus): StoredTxn {
  return {
    txnId: EVENT.txnId,
    networkId: EVENT.networkId,
    orderId: EVENT.orderId,
    clickId: CLICK.clickId,
    offerId: CLICK.offerId,
    status,
    rejectReason: status === "rejected" ? "click_not_found" : null,
    currency: "INR",
    saleAmountMinor: 99_900,
    commissionMinor: 8_000,
    cashbackMinor: 4_995,
    rateBps: 500,
    category: null,
    clickedAtMs: CLICKED_AT_MS,
    convertedAtMs: EVENT.occurredAtMs,
    expectedConfirmAtMs: EVENT.occurredAtMs + 30 * MS_PER_DAY,
    confirmedAtMs: status === "confirmed" ? EVENT.occurredAtMs + 30 * MS_PER_DAY : null,
    version: 1,
    createdAtMs: EVENT.occurredAtMs,
    updatedAtMs: EVENT.occurredAtMs,
  };
}

describe("decideConversion: new transaction without its click", () => {
  test.each([
    { label: "click just made", ageMs: 0, want: { action: "retry_later" } },
    {
      label: "click 1 ms inside the arrival grace",
      ageMs: CLICK_ARRIVAL_GRACE_MS - 1,
      want: { action: "retry_later" },
    },
    {
      label: "click exactly at the arrival grace",
      ageMs: CLICK_ARRIVAL_GRACE_MS,
      want: { action: "reject", reason: "click_not_found" },
    },
    {
      label: "click a day old",
      ageMs: MS_PER_DAY,
      want: { action: "reject", reason: "click_not_found" },
    },
    {
      // The sub-ID's click time can be ahead of our clock; that is lag, not a rejection.
      label: "click time in the future",
      ageMs: -MINUTE_MS,
      want: { action: "retry_later" },
    },
  ])("$label", ({ ageMs, want }) => {
    const decision = decideConversion({
      existing: null,
      click: null,
      event: EVENT,
      nowMs: CLICKED_AT_MS + ageMs,
    });
    expect(decision).toEqual(want);
  });
});

describe("decideConversion: new transaction with its click", () => {
  const nowMs = CLICKED_AT_MS + 40 * MS_PER_DAY;

  test.each<{ label: string; event: Partial<ConversionEvent>; want: string }>([
    {
      label: "offer differs from the click's",
      event: { offerId: "other-offer" },
      want: "click_mismatch",
    },
    {
      label: "reported by another network than the click went to",
      event: { networkId: "other-network" },
      want: "click_mismatch",
    },
    {
      label: "conversion 5 min + 1 ms before the click",
      event: { occurredAtMs: CLICKED_AT_MS - SKEW_MS - 1 },
      want: "conversion_before_click",
    },
    {
      label: "conversion a day before the click",
      event: { occurredAtMs: CLICKED_AT_MS - MS_PER_DAY },
      want: "conversion_before_click",
    },
    {
      label: "conversion exactly 5 min before the click (within skew)",
      event: { occurredAtMs: CLICKED_AT_MS - SKEW_MS },
      want: "create",
    },
    {
      label: "conversion 1 min before the click (within skew)",
      event: { occurredAtMs: CLICKED_AT_MS - MINUTE_MS },
      want: "create",
    },
    { label: "conversion at the click", event: { occurredAtMs: CLICKED_AT_MS }, want: "create" },
    {
      label: "conversion exactly 30 days after the click",
      event: { occurredAtMs: CLICKED_AT_MS + ATTRIBUTION_WINDOW_DAYS * MS_PER_DAY },
      want: "create",
    },
    {
      label: "conversion 30 days + 1 ms after the click",
      event: { occurredAtMs: CLICKED_AT_MS + ATTRIBUTION_WINDOW_DAYS * MS_PER_DAY + 1 },
      want: "outside_attribution_window",
    },
    {
      label: "currency differs from the click's",
      event: { currency: "USD" },
      want: "currency_mismatch",
    },
    {
      label: "offer mismatch is reported before currency mismatch",
      event: { offerId: "other-offer", currency: "USD" },
      want: "click_mismatch",
    },
    {
      label: "timing is reported before currency mismatch",
      event: { occurredAtMs: CLICKED_AT_MS - MS_PER_DAY, currency: "USD" },
      want: "conversion_before_click",
    },
  ])("$label → $want", ({ event, want }) => {
    const decision = decideConversion({
      existing: null,
      click: CLICK,
      event: { ...EVENT, ...event },
      nowMs,
    });
    expect(decision.action === "reject" ? decision.reason : decision.action).toBe(want);
  });

  test.each([
    {
      label: "pending → created pending, 5% of 999.00",
      event: { status: "pending" as const },
      click: CLICK,
      want: { initial: "pending", cashbackMinor: 4_995, rateBps: 500 },
    },
    {
      label: "approved → created confirmed",
      event: { status: "approved" as const },
      click: CLICK,
      want: { initial: "confirmed", cashbackMinor: 4_995, rateBps: 500 },
    },
    {
      label: "cancelled → created cancelled (still priced, for the history)",
      event: { status: "cancelled" as const },
      click: CLICK,
      want: { initial: "cancelled", cashbackMinor: 4_995, rateBps: 500 },
    },
    {
      label: "category rate from the click's frozen terms",
      event: { category: "fashion" },
      click: CLICK,
      want: { initial: "pending", cashbackMinor: 9_990, rateBps: 1_000 },
    },
    {
      label: "commission basis from the click's frozen terms, rounded down",
      event: { commissionMinor: 8_019 },
      click: { ...CLICK, terms: { ...CLICK.terms, basis: "commission" as const } },
      want: { initial: "pending", cashbackMinor: 400, rateBps: 500 },
    },
    {
      label: "7-day return window",
      event: {},
      click: { ...CLICK, returnWindowDays: 7 },
      want: { initial: "pending", cashbackMinor: 4_995, rateBps: 500 },
    },
    {
      label: "0-day return window",
      event: {},
      click: { ...CLICK, returnWindowDays: 0 },
      want: { initial: "pending", cashbackMinor: 4_995, rateBps: 500 },
    },
  ])("$label", ({ event, click, want }) => {
    const fullEvent = { ...EVENT, ...event };
    expect(decideConversion({ existing: null, click, event: fullEvent, nowMs })).toEqual({
      action: "create",
      ...want,
      expectedConfirmAtMs: fullEvent.occurredAtMs + click.returnWindowDays * MS_PER_DAY,
    });
  });

  test("expectedConfirmAtMs counts from the conversion, not the click", () => {
    const occurredAtMs = CLICKED_AT_MS + 3 * MS_PER_DAY + 123;
    const decision = decideConversion({
      existing: null,
      click: CLICK,
      event: { ...EVENT, occurredAtMs },
      nowMs,
    });
    expect(decision).toMatchObject({ expectedConfirmAtMs: occurredAtMs + 30 * MS_PER_DAY });
  });
});

describe("decideConversion: update of an existing transaction", () => {
  test.each<{
    existing: TxnStatus;
    event: ConversionEvent["status"];
    want: ConversionDecision;
  }>([
    { existing: "rejected", event: "pending", want: { action: "duplicate" } },
    { existing: "rejected", event: "approved", want: { action: "duplicate" } },
    { existing: "rejected", event: "cancelled", want: { action: "duplicate" } },
    {
      existing: "cancelled",
      event: "pending",
      want: { action: "ignore", why: "pending_after_cancellation" },
    },
    {
      existing: "cancelled",
      event: "approved",
      want: { action: "ignore", why: "approved_after_cancellation" },
    },
    { existing: "cancelled", event: "cancelled", want: { action: "duplicate" } },
    { existing: "pending", event: "pending", want: { action: "duplicate" } },
    { existing: "pending", event: "approved", want: { action: "confirm" } },
    { existing: "pending", event: "cancelled", want: { action: "cancel" } },
    { existing: "confirmed", event: "pending", want: { action: "duplicate" } },
    { existing: "confirmed", event: "approved", want: { action: "duplicate" } },
    {
      existing: "confirmed",
      event: "cancelled",
      want: { action: "ignore", why: "cancelled_after_confirmation_needs_review" },
    },
  ])("$existing txn + $event event → $want.action", ({ existing, event, want }) => {
    expect(
      decideConversion({
        existing: txn(existing),
        click: CLICK,
        event: { ...EVENT, status: event },
        nowMs: CLICKED_AT_MS,
      }),
    ).toEqual(want);
  });

  test("an existing transaction is decided without its click or the attribution checks", () => {
    // Updates must not be re-judged: the click may be gone and the window long closed.
    const decision = decideConversion({
      existing: txn("pending"),
      click: null,
      event: {
        ...EVENT,
        status: "approved",
        offerId: "other-offer",
        currency: "USD",
        occurredAtMs: CLICKED_AT_MS + 365 * MS_PER_DAY,
      },
      nowMs: CLICKED_AT_MS + 400 * MS_PER_DAY,
    });
    expect(decision).toEqual({ action: "confirm" });
  });
});
