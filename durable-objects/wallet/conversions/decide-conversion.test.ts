import { describe, expect, test } from "vitest";
import { MS_PER_DAY } from "#shared/time/clock";
import {
  ATTRIBUTION_WINDOW_DAYS,
  CLICK_ARRIVAL_GRACE_MS,
  type ConversionDecision,
  compareNetworkVersions,
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
  lineItems: null,
  occurredAtMs: CLICKED_AT_MS + 10 * MINUTE_MS,
  updatedAtMs: null,
  receivedAtMs: CLICKED_AT_MS + 11 * MINUTE_MS,
};

function txn(status: TxnStatus, networkStatus: StoredTxn["networkStatus"] = "pending"): StoredTxn {
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
    lineItems: null,
    terms: CLICK.terms,
    boosts: [],
    desiredBoostMinor: 0,
    grantedBoostMinor: 0,
    networkStatus,
    networkUpdatedAtMs: EVENT.receivedAtMs,
    networkTimeKnown: true,
    windowElapsed: status === "confirmed" && networkStatus === "pending",
    confirmationPolicy: "return_window",
    windowEndsAtMs: EVENT.occurredAtMs + 30 * MS_PER_DAY,
    heldPendingMinor: status === "pending" ? 4_995 : 0,
    heldConfirmedMinor: status === "confirmed" ? 4_995 : 0,
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

  // Pricing is computeCashback's job (cashback.test.ts); the decision only says "create" and
  // when the return window closes, whatever status the first update carries.
  test.each([
    { label: "first update pending", event: { status: "pending" as const }, click: CLICK },
    { label: "first update approved", event: { status: "approved" as const }, click: CLICK },
    { label: "first update cancelled", event: { status: "cancelled" as const }, click: CLICK },
    { label: "7-day return window", event: {}, click: { ...CLICK, returnWindowDays: 7 } },
    { label: "0-day return window", event: {}, click: { ...CLICK, returnWindowDays: 0 } },
  ])("$label → create", ({ event, click }) => {
    const fullEvent = { ...EVENT, ...event };
    expect(decideConversion({ existing: null, click, event: fullEvent, nowMs })).toEqual({
      action: "create",
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
  const LATER = EVENT.receivedAtMs + MINUTE_MS;
  const EARLIER = EVENT.receivedAtMs - MINUTE_MS;
  test.each<{
    label: string;
    existing: StoredTxn;
    event: Partial<ConversionEvent>;
    want: ConversionDecision["action"];
  }>([
    {
      label: "rejected stays rejected",
      existing: txn("rejected"),
      event: { status: "approved" },
      want: "duplicate",
    },
    {
      label: "same state re-sent later",
      existing: txn("pending"),
      event: { receivedAtMs: LATER },
      want: "duplicate",
    },
    {
      label: "pending → approved",
      existing: txn("pending"),
      event: { status: "approved" },
      want: "update",
    },
    {
      label: "pending → cancelled",
      existing: txn("pending"),
      event: { status: "cancelled" },
      want: "update",
    },
    {
      label: "approved → pending is never a step back",
      existing: txn("confirmed", "approved"),
      event: { status: "pending", receivedAtMs: LATER },
      want: "stale",
    },
    {
      label: "cancelled is final, even for a later approval",
      existing: txn("cancelled", "cancelled"),
      event: { status: "approved", updatedAtMs: LATER },
      want: "stale",
    },
    {
      label: "return after approval",
      existing: txn("confirmed", "approved"),
      event: { status: "cancelled" },
      want: "update",
    },
    {
      label: "return after the window confirmed it",
      existing: txn("confirmed", "pending"),
      event: { status: "cancelled" },
      want: "update",
    },
    {
      label: "partial refund reported later",
      existing: txn("confirmed", "approved"),
      event: { status: "approved", saleAmountMinor: 50_000, updatedAtMs: LATER },
      want: "update",
    },
    {
      label: "an older amount arriving after a newer one",
      existing: txn("confirmed", "approved"),
      event: { status: "approved", saleAmountMinor: 150_000, updatedAtMs: EARLIER },
      want: "stale",
    },
    {
      label: "same time, lower amount wins the tie",
      existing: txn("pending"),
      event: { saleAmountMinor: 50_000, updatedAtMs: EVENT.receivedAtMs },
      want: "update",
    },
    {
      label: "same time, higher amount loses the tie",
      existing: txn("pending"),
      event: { saleAmountMinor: 150_000, updatedAtMs: EVENT.receivedAtMs },
      want: "stale",
    },
    {
      label: "new line items with the same totals",
      existing: txn("pending"),
      event: {
        receivedAtMs: LATER,
        lineItems: [
          {
            sku: null,
            category: "fashion",
            amountMinor: 99_900,
            commissionMinor: null,
            quantity: 1,
          },
        ],
      },
      want: "update",
    },
  ])("$label → $want", ({ existing, event, want }) => {
    expect(
      decideConversion({ existing, click: CLICK, event: { ...EVENT, ...event }, nowMs: LATER })
        .action,
    ).toBe(want);
  });

  test("a currency change is ignored for review", () => {
    expect(
      decideConversion({
        existing: txn("pending"),
        click: CLICK,
        event: { ...EVENT, currency: "USD", status: "approved" },
        nowMs: CLICKED_AT_MS,
      }),
    ).toEqual({ action: "ignore", why: "currency_changed" });
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
        occurredAtMs: CLICKED_AT_MS + 365 * MS_PER_DAY,
      },
      nowMs: CLICKED_AT_MS + 400 * MS_PER_DAY,
    });
    expect(decision).toEqual({ action: "update" });
  });
});

describe("compareNetworkVersions", () => {
  const base = {
    status: "pending" as const,
    atMs: 1_000,
    timeKnown: true,
    saleAmountMinor: 100,
    commissionMinor: 10,
  };
  test.each([
    { label: "identical", incoming: base, want: 0 },
    {
      label: "higher rank wins over time",
      incoming: { ...base, status: "approved" as const, atMs: 1 },
      want: 1,
    },
    {
      label: "lower rank loses",
      incoming: { ...base, status: "pending" as const },
      current: { ...base, status: "cancelled" as const },
      want: -1,
    },
    { label: "newer time", incoming: { ...base, atMs: 2_000 }, want: 1 },
    { label: "older time", incoming: { ...base, atMs: 500 }, want: -1 },
    { label: "tie: lower sale wins", incoming: { ...base, saleAmountMinor: 90 }, want: 1 },
    { label: "tie: lower commission wins", incoming: { ...base, commissionMinor: 9 }, want: 1 },
  ])("$label", ({ incoming, current, want }) => {
    expect(compareNetworkVersions(incoming, current ?? base)).toBe(want);
    // Antisymmetric: the order is total, so arrival order cannot change the winner.
    expect(compareNetworkVersions(current ?? base, incoming)).toBe(want === 0 ? 0 : -want);
  });
});

describe("replay ordering without the network's update time", () => {
  const T1 = EVENT.receivedAtMs;
  const T2 = T1 + MINUTE_MS;
  const T3 = T1 + 2 * MINUTE_MS;
  /** The stored state after an update: what the network said, and when we heard it. */
  const held = (sale: number, commission: number, atMs: number, timeKnown: boolean): StoredTxn => ({
    ...txn("pending"),
    saleAmountMinor: sale,
    commissionMinor: commission,
    networkUpdatedAtMs: atMs,
    networkTimeKnown: timeKnown,
  });

  test.each<{
    label: string;
    existing: StoredTxn;
    event: Partial<ConversionEvent>;
    want: ConversionDecision["action"];
  }>([
    {
      label: "partial refund 10,000 → 6,000, both untimed",
      existing: held(10_000, 800, T1, false),
      event: { saleAmountMinor: 6_000, commissionMinor: 480, receivedAtMs: T2 },
      want: "update",
    },
    {
      label: "replay of the 10,000 postback after the refund, received last",
      existing: held(6_000, 480, T2, false),
      event: { saleAmountMinor: 10_000, commissionMinor: 800, receivedAtMs: T3 },
      want: "stale",
    },
    {
      label: "replay of the 10,000 postback that had a time, over an untimed refund",
      existing: held(6_000, 480, T2, false),
      event: { saleAmountMinor: 10_000, commissionMinor: 800, updatedAtMs: T1, receivedAtMs: T3 },
      want: "stale",
    },
    {
      label: "untimed refund over a timed original",
      existing: held(10_000, 800, T1, true),
      event: { saleAmountMinor: 6_000, commissionMinor: 480, receivedAtMs: T2 },
      want: "update",
    },
    {
      label: "timed refund over an untimed original",
      existing: held(10_000, 800, T1, false),
      event: { saleAmountMinor: 6_000, commissionMinor: 480, updatedAtMs: T2, receivedAtMs: T2 },
      want: "update",
    },
    {
      label: "untimed: commission lowered, sale unchanged",
      existing: held(10_000, 800, T1, false),
      event: { saleAmountMinor: 10_000, commissionMinor: 500, receivedAtMs: T2 },
      want: "update",
    },
    {
      label: "untimed upward correction is held (needs the network's time)",
      existing: held(6_000, 480, T1, false),
      event: { saleAmountMinor: 7_000, commissionMinor: 560, receivedAtMs: T2 },
      want: "stale",
    },
    {
      label: "timed upward correction, both timed: newest wins",
      existing: held(6_000, 480, T1, true),
      event: { saleAmountMinor: 7_000, commissionMinor: 560, updatedAtMs: T2, receivedAtMs: T2 },
      want: "update",
    },
    {
      label: "timed replay of an older state, both timed",
      existing: held(6_000, 480, T2, true),
      event: { saleAmountMinor: 10_000, commissionMinor: 800, updatedAtMs: T1, receivedAtMs: T3 },
      want: "stale",
    },
    {
      label: "untimed: a status change still wins whatever the amounts",
      existing: held(6_000, 480, T2, false),
      event: {
        status: "approved",
        saleAmountMinor: 10_000,
        commissionMinor: 800,
        receivedAtMs: T1,
      },
      want: "update",
    },
  ])("$label → $want", ({ existing, event, want }) => {
    expect(
      decideConversion({ existing, click: CLICK, event: { ...EVENT, ...event }, nowMs: T3 }).action,
    ).toBe(want);
  });

  test.each([
    {
      label: "untimed: lower amounts win over a later receipt",
      a: { atMs: 3_000, timeKnown: false, saleAmountMinor: 100 },
      b: { atMs: 2_000, timeKnown: false, saleAmountMinor: 60 },
      want: -1,
    },
    {
      label: "one side untimed: lower amounts win over a later network time",
      a: { atMs: 3_000, timeKnown: true, saleAmountMinor: 100 },
      b: { atMs: 2_000, timeKnown: false, saleAmountMinor: 60 },
      want: -1,
    },
    {
      label: "untimed, equal amounts: the later receipt",
      a: { atMs: 3_000, timeKnown: false, saleAmountMinor: 100 },
      b: { atMs: 2_000, timeKnown: false, saleAmountMinor: 100 },
      want: 1,
    },
    {
      label: "both timed: the later network time, whatever the amounts",
      a: { atMs: 3_000, timeKnown: true, saleAmountMinor: 100 },
      b: { atMs: 2_000, timeKnown: true, saleAmountMinor: 60 },
      want: 1,
    },
  ])("compareNetworkVersions: $label", ({ a, b, want }) => {
    const base = { status: "pending" as const, commissionMinor: 10 };
    expect(compareNetworkVersions({ ...base, ...a }, { ...base, ...b })).toBe(want);
    expect(compareNetworkVersions({ ...base, ...b }, { ...base, ...a })).toBe(-want);
  });
});
