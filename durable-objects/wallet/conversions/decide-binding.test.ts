import { describe, expect, test } from "vitest";
import { MS_PER_DAY } from "#shared/time/clock";
import { type Binding, decideBinding, repricedClick } from "./decide-binding";
import { decideConversion } from "./decide-conversion";
import type { ConversionEvent, RepriceOffer, StoredClick } from "./types";

const CLICKED_AT_MS = 1_760_000_000_000;
const HOUR_MS = 3_600_000;

const CLICK: StoredClick = {
  clickId: "clk_a",
  offerId: "offer-a",
  merchantId: "merchant-a",
  networkId: "net",
  clickedAtMs: CLICKED_AT_MS,
  currency: "INR",
  terms: { basis: "sale", defaultRateBps: 1_000, categoryRates: {} },
  returnWindowDays: 30,
  boosts: [{ campaignId: "cmp-a", boostRateBps: 200, category: null }],
  networkOfferRef: "A-ref",
};

const OFFER_B: RepriceOffer = {
  offerId: "offer-b",
  merchantId: "merchant-b",
  networkOfferRef: "B-ref",
  currency: "INR",
  terms: { basis: "sale", defaultRateBps: 200, categoryRates: {} },
  returnWindowDays: 14,
  startsAtMs: null,
  endsAtMs: null,
  active: true,
};

const EVENT: ConversionEvent = {
  txnId: "txn_a",
  postbackId: "pb_a",
  networkId: "net",
  orderId: "ord-1",
  userId: "usr_1",
  offerId: "offer-a",
  clickId: "clk_a",
  clickAtSec: CLICKED_AT_MS / 1000,
  status: "pending",
  currency: "INR",
  saleAmountMinor: 10_000,
  commissionMinor: 800,
  category: null,
  lineItems: null,
  occurredAtMs: CLICKED_AT_MS + HOUR_MS,
  updatedAtMs: null,
  receivedAtMs: CLICKED_AT_MS + 2 * HOUR_MS,
};

const MISMATCH: Binding = { kind: "mismatch", clickedRef: "A-ref", reportedRef: "B-ref" };

describe("decideBinding", () => {
  test.each<{
    label: string;
    clickRef: string | undefined;
    reported: string | null | undefined;
    offer?: RepriceOffer | null;
    want: Binding;
  }>([
    { label: "same reference", clickRef: "A-ref", reported: "A-ref", want: { kind: "bound" } },
    {
      label: "same after trimming",
      clickRef: "A-ref",
      reported: " A-ref ",
      want: { kind: "bound" },
    },
    {
      label: "reported absent (format without it)",
      clickRef: "A-ref",
      reported: undefined,
      want: { kind: "bound" },
    },
    { label: "reported null", clickRef: "A-ref", reported: null, want: { kind: "bound" } },
    { label: "reported blank", clickRef: "A-ref", reported: "  ", want: { kind: "bound" } },
    { label: "offer has no reference", clickRef: "", reported: "B-ref", want: { kind: "bound" } },
    {
      label: "click from before it was carried",
      clickRef: undefined,
      reported: "B-ref",
      want: { kind: "bound" },
    },
    {
      label: "differs, no offer to reprice by",
      clickRef: "A-ref",
      reported: "B-ref",
      want: MISMATCH,
    },
    {
      label: "differs, null reprice offer",
      clickRef: "A-ref",
      reported: "B-ref",
      offer: null,
      want: MISMATCH,
    },
    {
      label: "differs, operator's offer for it",
      clickRef: "A-ref",
      reported: "B-ref",
      offer: OFFER_B,
      want: { kind: "repriced", offer: OFFER_B },
    },
    {
      label: "differs, offer is for yet another reference",
      clickRef: "A-ref",
      reported: "B-ref",
      offer: { ...OFFER_B, networkOfferRef: "C-ref" },
      want: MISMATCH,
    },
    {
      label: "differs, offer changed after the click (its terms then are unknown)",
      clickRef: "A-ref",
      reported: "B-ref",
      offer: { ...OFFER_B, changedAtMs: CLICKED_AT_MS + 1 },
      want: MISMATCH,
    },
    {
      label: "differs, offer last changed at the click",
      clickRef: "A-ref",
      reported: "B-ref",
      offer: { ...OFFER_B, changedAtMs: CLICKED_AT_MS },
      want: { kind: "repriced", offer: { ...OFFER_B, changedAtMs: CLICKED_AT_MS } },
    },
    {
      label: "differs, offer switched off",
      clickRef: "A-ref",
      reported: "B-ref",
      offer: { ...OFFER_B, active: false },
      want: MISMATCH,
    },
    {
      label: "differs, offer started after the click",
      clickRef: "A-ref",
      reported: "B-ref",
      offer: { ...OFFER_B, startsAtMs: CLICKED_AT_MS + 1 },
      want: MISMATCH,
    },
    {
      label: "differs, offer started exactly at the click",
      clickRef: "A-ref",
      reported: "B-ref",
      offer: { ...OFFER_B, startsAtMs: CLICKED_AT_MS },
      want: { kind: "repriced", offer: { ...OFFER_B, startsAtMs: CLICKED_AT_MS } },
    },
    {
      label: "differs, offer ended exactly at the click",
      clickRef: "A-ref",
      reported: "B-ref",
      offer: { ...OFFER_B, endsAtMs: CLICKED_AT_MS },
      want: MISMATCH,
    },
    {
      label: "differs, offer ended 1 ms after the click",
      clickRef: "A-ref",
      reported: "B-ref",
      offer: { ...OFFER_B, endsAtMs: CLICKED_AT_MS + 1 },
      want: { kind: "repriced", offer: { ...OFFER_B, endsAtMs: CLICKED_AT_MS + 1 } },
    },
    {
      label: "the clicked offer, its reference changed since the click",
      clickRef: "A-old",
      reported: "B-ref",
      offer: { ...OFFER_B, offerId: "offer-a" },
      want: { kind: "bound" },
    },
  ])("$label → $want.kind", ({ clickRef, reported, offer, want }) => {
    const click = { ...CLICK, networkOfferRef: clickRef };
    const event = { networkOfferRef: reported, repriceOffer: offer };
    expect(decideBinding(click, event)).toEqual(want);
  });
});

describe("repricedClick", () => {
  test("takes the offer's terms, window and currency, keeps the click's identity, drops boosts", () => {
    expect(repricedClick(CLICK, OFFER_B)).toEqual({
      clickId: "clk_a",
      offerId: "offer-b",
      merchantId: "merchant-b",
      networkId: "net",
      clickedAtMs: CLICKED_AT_MS,
      currency: "INR",
      terms: OFFER_B.terms,
      returnWindowDays: 14,
      confirmationPolicy: "return_window",
      boosts: [],
      networkOfferRef: "B-ref",
    });
  });

  test("confirms as the offer it is priced by, not as the clicked one", () => {
    const clicked = { ...CLICK, confirmationPolicy: "return_window" as const };
    const offer = { ...OFFER_B, confirmationPolicy: "network_approval" as const };
    expect(repricedClick(clicked, offer).confirmationPolicy).toBe("network_approval");
  });
});

describe("decideConversion: which merchant was clicked", () => {
  const nowMs = CLICKED_AT_MS + 3 * HOUR_MS;
  const decide = (event: Partial<ConversionEvent>, click: StoredClick = CLICK) =>
    decideConversion({ existing: null, click, event: { ...EVENT, ...event }, nowMs });

  test("a sale at the clicked advertiser is created at the click's terms", () => {
    expect(decide({ networkOfferRef: "A-ref" })).toEqual({
      action: "create",
      expectedConfirmAtMs: EVENT.occurredAtMs + 30 * MS_PER_DAY,
    });
  });

  test("a sale at another advertiser is rejected offer_mismatch, naming both references", () => {
    expect(decide({ networkOfferRef: "B-ref" })).toEqual({
      action: "reject",
      reason: "offer_mismatch",
      detail: JSON.stringify({ clickedRef: "A-ref", reportedRef: "B-ref" }),
    });
  });

  test("repriced: priced as the reported offer, with its return window", () => {
    expect(decide({ networkOfferRef: "B-ref", repriceOffer: OFFER_B })).toEqual({
      action: "create",
      expectedConfirmAtMs: EVENT.occurredAtMs + 14 * MS_PER_DAY,
      pricedAs: repricedClick(CLICK, OFFER_B),
    });
  });

  test.each<{ label: string; event: Partial<ConversionEvent>; want: string }>([
    {
      label: "network mismatch is reported before the offer binding",
      event: { networkId: "other", networkOfferRef: "B-ref" },
      want: "click_mismatch",
    },
    {
      label: "offer binding is reported before timing",
      event: { networkOfferRef: "B-ref", occurredAtMs: CLICKED_AT_MS - MS_PER_DAY },
      want: "offer_mismatch",
    },
    {
      label: "a repriced sale is still checked for timing",
      event: {
        networkOfferRef: "B-ref",
        repriceOffer: OFFER_B,
        occurredAtMs: CLICKED_AT_MS + 31 * MS_PER_DAY,
      },
      want: "outside_attribution_window",
    },
    {
      label: "a repriced sale in another currency than the reported offer's",
      event: { networkOfferRef: "B-ref", repriceOffer: { ...OFFER_B, currency: "USD" } },
      want: "currency_mismatch",
    },
    {
      label: "a repriced sale in the reported offer's currency, not the clicked one's",
      event: {
        networkOfferRef: "B-ref",
        currency: "USD",
        repriceOffer: { ...OFFER_B, currency: "USD" },
      },
      want: "create",
    },
  ])("$label → $want", ({ event, want }) => {
    const decision = decide(event);
    expect(decision.action === "reject" ? decision.reason : decision.action).toBe(want);
  });

  test("an existing order is not re-bound: a later update is ordered, never rejected", () => {
    const created = decide({ networkOfferRef: "A-ref" });
    expect(created.action).toBe("create");
    const decision = decideConversion({
      existing: {
        txnId: EVENT.txnId,
        networkId: "net",
        orderId: EVENT.orderId,
        clickId: CLICK.clickId,
        offerId: CLICK.offerId,
        status: "pending",
        rejectReason: null,
        currency: "INR",
        saleAmountMinor: 10_000,
        commissionMinor: 800,
        cashbackMinor: 1_000,
        rateBps: 1_000,
        category: null,
        lineItems: null,
        terms: CLICK.terms,
        boosts: [],
        desiredBoostMinor: 0,
        grantedBoostMinor: 0,
        networkStatus: "pending",
        networkUpdatedAtMs: EVENT.receivedAtMs,
        networkTimeKnown: false,
        windowElapsed: false,
        heldPendingMinor: 1_000,
        heldConfirmedMinor: 0,
        clickedAtMs: CLICKED_AT_MS,
        convertedAtMs: EVENT.occurredAtMs,
        expectedConfirmAtMs: null,
        confirmationPolicy: "return_window",
        windowEndsAtMs: null,
        confirmedAtMs: null,
        version: 1,
        createdAtMs: nowMs,
        updatedAtMs: nowMs,
      },
      click: null,
      event: { ...EVENT, status: "approved", networkOfferRef: "B-ref" },
      nowMs,
    });
    expect(decision).toEqual({ action: "update" });
  });
});
