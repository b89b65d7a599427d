import { describe, expect, test } from "vitest";
import { computeCashback } from "#shared/money/cashback";
import {
  effectiveBoostMinor,
  openBoosts,
  owedBoosts,
  pinBudgetParts,
  pinnedParts,
  recordGrant,
  repriceBoosts,
  type TxnBoost,
} from "./boosts";

const TERMS = { basis: "sale" as const, defaultRateBps: 500, categoryRates: {} };
const quoteFor = (saleAmountMinor: number, category: string | null = null) =>
  computeCashback(TERMS, { saleAmountMinor, commissionMinor: 0, category });
const ALL = { campaignId: "all", boostRateBps: 200, category: null };
const SHOES = { campaignId: "shoes", boostRateBps: 300, category: "shoes" };

const boost = (fields: Partial<TxnBoost>): TxnBoost => ({
  ...ALL,
  desiredMinor: 2_000,
  grantedMinor: 0,
  seq: 1,
  syncedSeq: 0,
  ...fields,
});

describe("openBoosts", () => {
  test.each([
    {
      label: "an earning order owes a request per boost that earns something",
      snapshots: [ALL, SHOES],
      quote: quoteFor(100_000, "shoes"),
      earning: true,
      want: [
        { ...ALL, desiredMinor: 2_000, grantedMinor: 0, seq: 1, syncedSeq: 0 },
        { ...SHOES, desiredMinor: 3_000, grantedMinor: 0, seq: 1, syncedSeq: 0 },
      ],
    },
    {
      label: "a boost for another category earns nothing and owes nothing",
      snapshots: [SHOES],
      quote: quoteFor(100_000, "bags"),
      earning: true,
      want: [{ ...SHOES, desiredMinor: 0, grantedMinor: 0, seq: 1, syncedSeq: 1 }],
    },
    {
      label: "an order cancelled on arrival earns nothing",
      snapshots: [ALL],
      quote: quoteFor(100_000),
      earning: false,
      want: [{ ...ALL, desiredMinor: 0, grantedMinor: 0, seq: 1, syncedSeq: 1 }],
    },
    {
      label: "no click, no quote: nothing",
      snapshots: [ALL],
      quote: null,
      earning: true,
      want: [{ ...ALL, desiredMinor: 0, grantedMinor: 0, seq: 1, syncedSeq: 1 }],
    },
    { label: "no boosts", snapshots: [], quote: quoteFor(1), earning: true, want: [] },
  ])("$label", ({ snapshots, quote, earning, want }) => {
    expect(openBoosts(snapshots, quote, earning)).toEqual(want);
  });
});

describe("repriceBoosts", () => {
  test.each([
    {
      label: "same amount: unchanged, nothing new owed",
      boosts: [boost({ grantedMinor: 2_000, syncedSeq: 1 })],
      quote: quoteFor(100_000),
      earning: true,
      want: [boost({ grantedMinor: 2_000, syncedSeq: 1 })],
    },
    {
      label: "partial refund: a lower desired amount is a new request",
      boosts: [boost({ grantedMinor: 2_000, syncedSeq: 1 })],
      quote: quoteFor(60_000),
      earning: true,
      want: [boost({ desiredMinor: 1_200, grantedMinor: 2_000, seq: 2, syncedSeq: 1 })],
    },
    {
      label: "cancellation: desired 0, a release is owed",
      boosts: [boost({ grantedMinor: 2_000, syncedSeq: 1 })],
      quote: quoteFor(100_000),
      earning: false,
      want: [boost({ desiredMinor: 0, grantedMinor: 2_000, seq: 2, syncedSeq: 1 })],
    },
    {
      label: "a correction while the first request is still owed supersedes it",
      boosts: [boost({})],
      quote: quoteFor(150_000),
      earning: true,
      want: [boost({ desiredMinor: 3_000, seq: 2, syncedSeq: 0 })],
    },
  ])("$label", ({ boosts, quote, earning, want }) => {
    expect(repriceBoosts(boosts, quote, earning)).toEqual(want);
  });
});

describe("effectiveBoostMinor and owedBoosts", () => {
  test.each([
    { label: "nothing granted yet", boosts: [boost({})], effective: 0, owed: 1 },
    {
      label: "granted in full",
      boosts: [boost({ grantedMinor: 2_000, syncedSeq: 1 })],
      effective: 2_000,
      owed: 0,
    },
    {
      label: "a lowered desired amount counts at once, before the budget hears of it",
      boosts: [boost({ desiredMinor: 500, grantedMinor: 2_000, seq: 2, syncedSeq: 1 })],
      effective: 500,
      owed: 1,
    },
    {
      label: "a raised desired amount counts only once granted",
      boosts: [boost({ desiredMinor: 3_000, grantedMinor: 2_000, seq: 2, syncedSeq: 1 })],
      effective: 2_000,
      owed: 1,
    },
    {
      label: "several campaigns add up",
      boosts: [
        boost({ grantedMinor: 2_000, syncedSeq: 1 }),
        boost({ ...SHOES, desiredMinor: 3_000, grantedMinor: 1_000, syncedSeq: 1 }),
      ],
      effective: 3_000,
      owed: 0,
    },
  ])("$label", ({ boosts, effective, owed }) => {
    expect(effectiveBoostMinor(boosts)).toBe(effective);
    expect(owedBoosts(boosts)).toHaveLength(owed);
  });
});

describe("recordGrant", () => {
  test("records the answer to the owed request", () => {
    expect(recordGrant([boost({})], "all", 1, 1_500)).toEqual([
      boost({ grantedMinor: 1_500, syncedSeq: 1 }),
    ]);
  });

  test("an answer to a superseded request is dropped", () => {
    expect(recordGrant([boost({ seq: 2 })], "all", 1, 1_500)).toBeNull();
  });

  test("an unknown campaign is dropped", () => {
    expect(recordGrant([boost({})], "other", 1, 1_500)).toBeNull();
  });

  test("a grant above the desired amount breaks the budget's contract", () => {
    expect(() => recordGrant([boost({})], "all", 1, 2_001)).toThrow(RangeError);
  });
});

describe("pinnedParts and pinBudgetParts", () => {
  test("a pinned layout stands; an unpinned boost answered before parts is the root's; else none", () => {
    expect(pinnedParts(boost({ budgetParts: 4, syncedSeq: 0 }))).toBe(4);
    expect(pinnedParts(boost({ syncedSeq: 1 }))).toBe(1);
    expect(pinnedParts(boost({ syncedSeq: 0 }))).toBeNull();
  });

  test("pins only the campaign's unpinned boost, and never moves a pin", () => {
    const boosts = [boost({ syncedSeq: 0 }), boost({ ...SHOES, syncedSeq: 0 })];
    const pinned = pinBudgetParts(boosts, "all", 4);
    expect(pinned.map((b) => b.budgetParts)).toEqual([4, undefined]);
    expect(pinBudgetParts(pinned, "all", 8)[0]?.budgetParts).toBe(4);
    // A reprice keeps the pin: the raise goes where the reservation is.
    expect(repriceBoosts(pinned, quoteFor(50_000), false)[0]?.budgetParts).toBe(4);
  });
});
