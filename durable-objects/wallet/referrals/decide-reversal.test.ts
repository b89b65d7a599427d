import { describe, expect, test } from "vitest";
import {
  decideReversal,
  type Fraction,
  type ReversalCause,
  type ReversalDecision,
  reversalShare,
} from "./decide-reversal";
import { DEFAULT_REFERRAL_TERMS, referralTermsOf } from "./referral-terms";

const refund = (refundMinor: number, refundedBeforeMinor = 0, originalMinor = 10_000) =>
  ({ kind: "refund", originalMinor, refundedBeforeMinor, refundMinor }) as const;
const WHOLE = { num: 1, den: 1 };

describe("decideReversal", () => {
  test.each<{
    label: string;
    cause: ReversalCause;
    partial: "keep" | "proportional";
    want: ReversalDecision;
  }>([
    {
      label: "a chargeback takes everything (keep)",
      cause: { kind: "chargeback" },
      partial: "keep",
      want: { action: "reverse", whole: true, fraction: WHOLE },
    },
    {
      label: "a chargeback takes everything (proportional)",
      cause: { kind: "chargeback" },
      partial: "proportional",
      want: { action: "reverse", whole: true, fraction: WHOLE },
    },
    {
      label: "a full refund takes everything, even when the campaign keeps on partial refunds",
      cause: refund(10_000),
      partial: "keep",
      want: { action: "reverse", whole: true, fraction: WHOLE },
    },
    {
      label: "a refund completing earlier partial ones takes everything",
      cause: refund(4_000, 6_000),
      partial: "keep",
      want: { action: "reverse", whole: true, fraction: WHOLE },
    },
    {
      label: "refunds adding up to more than the original take everything",
      cause: refund(9_000, 6_000),
      partial: "proportional",
      want: { action: "reverse", whole: true, fraction: WHOLE },
    },
    {
      label: "a partial refund, keep: nothing",
      cause: refund(2_500),
      partial: "keep",
      want: { action: "none", why: "partial_refund_kept" },
    },
    {
      label: "a partial refund, proportional: its share of the original",
      cause: refund(2_500),
      partial: "proportional",
      want: { action: "reverse", whole: false, fraction: { num: 2_500, den: 10_000 } },
    },
    {
      label: "a second partial refund, proportional: its own share (the whole original as base)",
      cause: refund(2_500, 2_500),
      partial: "proportional",
      want: { action: "reverse", whole: false, fraction: { num: 2_500, den: 10_000 } },
    },
    {
      label: "a refund of nothing takes nothing",
      cause: refund(0),
      partial: "proportional",
      want: { action: "none", why: "nothing_refunded" },
    },
    {
      label: "an original without an amount takes nothing",
      cause: refund(100, 0, 0),
      partial: "proportional",
      want: { action: "none", why: "nothing_refunded" },
    },
  ])("$label", ({ cause, partial, want }) => {
    expect(decideReversal(cause, partial)).toEqual(want);
  });
});

describe("reversalShare", () => {
  test.each<{ label: string; credited: number; taken: number; fraction: Fraction; want: number }>([
    { label: "whole: all of it", credited: 1_000, taken: 0, fraction: WHOLE, want: 1_000 },
    { label: "whole: what is left", credited: 1_000, taken: 200, fraction: WHOLE, want: 800 },
    { label: "a quarter", credited: 1_000, taken: 0, fraction: { num: 1, den: 4 }, want: 250 },
    {
      label: "a third rounds down (333.33…)",
      credited: 1_000,
      taken: 0,
      fraction: { num: 1, den: 3 },
      want: 333,
    },
    {
      label: "two thirds rounds down (666.66…)",
      credited: 1_000,
      taken: 0,
      fraction: { num: 2, den: 3 },
      want: 666,
    },
    {
      label: "never more than is left",
      credited: 1_000,
      taken: 900,
      fraction: { num: 1, den: 2 },
      want: 100,
    },
    {
      label: "a tiny share of a tiny bonus rounds to nothing",
      credited: 3,
      taken: 0,
      fraction: { num: 1, den: 10 },
      want: 0,
    },
    { label: "nothing left: nothing", credited: 500, taken: 500, fraction: WHOLE, want: 0 },
    {
      label: "more taken than credited (cannot happen): nothing, never negative",
      credited: 500,
      taken: 600,
      fraction: WHOLE,
      want: 0,
    },
  ])("$label", ({ credited, taken, fraction, want }) => {
    expect(reversalShare(credited, taken, fraction)).toBe(want);
  });
});

describe("referralTermsOf", () => {
  const applied = (effect: object) =>
    [
      {
        ruleId: "r",
        ruleVersion: 1,
        group: "g",
        budgetKeys: [],
        effect: { kind: "referral_reward", ...effect },
      },
    ] as never;
  test.each([
    { label: "absent fields: the defaults", effect: {}, want: DEFAULT_REFERRAL_TERMS },
    {
      label: "every field set",
      effect: {
        minAccountAgeDays: 14,
        awaitEventConfirmation: true,
        partialRefund: "proportional",
      },
      want: { minAccountAgeDays: 14, awaitEventConfirmation: true, partialRefund: "proportional" },
    },
  ])("$label", ({ effect, want }) => {
    expect(referralTermsOf(applied(effect), "r")).toEqual(want);
  });

  test("another rule's effect is not this rule's terms", () => {
    expect(referralTermsOf(applied({ minAccountAgeDays: 3 }), "other")).toEqual(
      DEFAULT_REFERRAL_TERMS,
    );
  });
});
