import { describe, expect, test } from "vitest";
import type { NormalizedConversion } from "#shared/networks/types";
import { classify, describe as describeOrder, type Projection, sameAsProjection } from "./decide";

const conversion = (over: Partial<NormalizedConversion>): NormalizedConversion =>
  ({
    orderId: "ord-1",
    status: "pending",
    currency: "INR",
    saleAmountMinor: 10_000,
    commissionMinor: 800,
    ...over,
  }) as NormalizedConversion;

const row = (over: Partial<Projection>): Projection => ({
  status: "pending",
  userId: "u1",
  rejectReason: null,
  saleAmountMinor: 10_000,
  commissionMinor: 800,
  ...over,
});

describe("sameAsProjection", () => {
  test.each([
    { label: "pending ↔ pending", theirs: {}, ours: {}, same: true },
    {
      label: "pending ↔ confirmed (window closed first)",
      theirs: {},
      ours: { status: "confirmed" },
      same: true,
    },
    {
      label: "approved ↔ confirmed",
      theirs: { status: "approved" },
      ours: { status: "confirmed" },
      same: true,
    },
    { label: "approved ↔ pending", theirs: { status: "approved" }, ours: {}, same: false },
    {
      label: "cancelled ↔ cancelled",
      theirs: { status: "cancelled" },
      ours: { status: "cancelled" },
      same: true,
    },
    { label: "cancelled ↔ pending", theirs: { status: "cancelled" }, ours: {}, same: false },
    { label: "sale amount differs", theirs: { saleAmountMinor: 9_999 }, ours: {}, same: false },
    { label: "commission differs", theirs: { commissionMinor: 801 }, ours: {}, same: false },
    {
      label: "rejected by a wallet: final",
      theirs: { status: "approved" },
      ours: { status: "rejected", rejectReason: "duplicate_order" },
      same: true,
    },
    {
      label: "rejected with no user: judged again",
      theirs: {},
      ours: { status: "rejected", userId: null },
      same: false,
    },
    {
      label: "rejected for a missing click: judged again",
      theirs: {},
      ours: { status: "rejected", rejectReason: "click_not_found" },
      same: false,
    },
  ] as const)("$label", ({ theirs, ours, same }) => {
    expect(sameAsProjection(row(ours), conversion(theirs as Partial<NormalizedConversion>))).toBe(
      same,
    );
  });
});

describe("classify", () => {
  test.each([
    { label: "untrusted sub-ID", applied: { kind: "untrusted" }, outcome: "untrusted" },
    { label: "created", applied: { kind: "wallet", outcome: "created" }, outcome: "created" },
    { label: "updated", applied: { kind: "wallet", outcome: "updated" }, outcome: "updated" },
    {
      label: "duplicate: projection behind",
      applied: { kind: "wallet", outcome: "duplicate" },
      outcome: "matched",
    },
    {
      label: "stale report",
      applied: { kind: "wallet", outcome: "stale" },
      outcome: "report_behind",
    },
    { label: "rejected", applied: { kind: "wallet", outcome: "rejected" }, outcome: "rejected" },
    { label: "ignored", applied: { kind: "wallet", outcome: "ignored" }, outcome: "ignored" },
    {
      label: "click not there yet",
      applied: { kind: "wallet", outcome: "retry_later" },
      outcome: "waiting_for_click",
    },
  ] as const)("$label → $outcome", ({ applied, outcome }) => {
    expect(classify(applied)).toBe(outcome);
  });
});

describe("describe", () => {
  test.each([
    {
      label: "no row yet",
      ours: undefined,
      reason: null,
      text: "network: pending 10000/800 INR; ours before: none",
    },
    {
      label: "a row and a reason",
      ours: row({ status: "confirmed" }),
      reason: "stale",
      text: "network: pending 10000/800 INR; ours before: confirmed 10000/800; stale",
    },
  ])("$label", ({ ours, reason, text }) => {
    expect(describeOrder(ours, conversion({}), reason)).toBe(text);
  });
});
