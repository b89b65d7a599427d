import { describe, expect, test } from "vitest";
import { MS_PER_DAY } from "#shared/time/clock";
import type { StoredClick } from "../conversions/types";
import {
  CLAIM_REVIEW_AFTER_DAYS,
  type ClaimInput,
  checkClaim,
  newClaim,
  sameClaimDetails,
} from "./decide-claim";

const NOW_MS = 1_760_000_000_000;
const CLICK: StoredClick = {
  clickId: "clk_1",
  offerId: "off_1",
  merchantId: "m_1",
  networkId: "net_1",
  clickedAtMs: NOW_MS - 2 * MS_PER_DAY,
  currency: "INR",
  terms: { basis: "sale", defaultRateBps: 500, categoryRates: {} },
  returnWindowDays: 30,
};
const INPUT: ClaimInput = {
  claimId: "clm_1",
  clickId: "clk_1",
  orderId: "ORD-1",
  amountMinor: 10_000,
  currency: "INR",
  purchasedAtMs: NOW_MS - MS_PER_DAY,
};

describe("checkClaim", () => {
  test.each<{
    label: string;
    input: Partial<ClaimInput>;
    click: StoredClick | null;
    want: unknown;
  }>([
    { label: "a purchase a day after the click", input: {}, click: CLICK, want: { ok: true } },
    {
      label: "no such click",
      input: {},
      click: null,
      want: { ok: false, reason: "click_not_found" },
    },
    {
      label: "purchase in the future beyond skew",
      input: { purchasedAtMs: NOW_MS + MS_PER_DAY },
      click: CLICK,
      want: { ok: false, reason: "purchase_in_future" },
    },
    {
      label: "purchase long before the click",
      input: { purchasedAtMs: CLICK.clickedAtMs - MS_PER_DAY },
      click: CLICK,
      want: { ok: false, reason: "purchase_outside_click_window" },
    },
    {
      label: "purchase after the attribution window",
      input: {},
      click: { ...CLICK, clickedAtMs: NOW_MS - 40 * MS_PER_DAY },
      want: { ok: false, reason: "purchase_outside_click_window" },
    },
    {
      label: "other currency than the click",
      input: { currency: "USD" },
      click: CLICK,
      want: { ok: false, reason: "currency_mismatch" },
    },
  ])("$label", ({ input, click, want }) => {
    expect(checkClaim({ ...INPUT, ...input }, click, NOW_MS)).toEqual(want);
  });
});

describe("sameClaimDetails", () => {
  const stored = newClaim(INPUT, CLICK, null, NOW_MS);
  test.each<{ label: string; change: Partial<ClaimInput>; want: boolean }>([
    { label: "same details", change: {}, want: true },
    { label: "other order", change: { orderId: "ORD-2" }, want: false },
    { label: "other amount", change: { amountMinor: 1 }, want: false },
    { label: "other click", change: { clickId: "clk_2" }, want: false },
    { label: "other purchase time", change: { purchasedAtMs: 1 }, want: false },
  ])("$label → $want", ({ change, want }) => {
    expect(sameClaimDetails(stored, { ...INPUT, ...change })).toBe(want);
  });
});

describe("newClaim", () => {
  test.each<{
    label: string;
    known: { txnId: string; status: string } | null;
    status: string;
    txnId: string | null;
  }>([
    { label: "order not known yet: open", known: null, status: "open", txnId: null },
    {
      label: "order known: matched",
      known: { txnId: "txn_1", status: "pending" },
      status: "matched",
      txnId: "txn_1",
    },
    {
      label: "order rejected: open for review",
      known: { txnId: "txn_1", status: "rejected" },
      status: "open",
      txnId: "txn_1",
    },
  ])("$label", ({ known, status, txnId }) => {
    const claim = newClaim(INPUT, CLICK, known, NOW_MS);
    expect(claim).toMatchObject({ status, txnId, offerId: "off_1", networkId: "net_1" });
    expect(claim.reviewDueAtMs).toBe(NOW_MS + CLAIM_REVIEW_AFTER_DAYS * MS_PER_DAY);
  });
});
