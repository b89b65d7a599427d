import { describe, expect, test } from "vitest";
import {
  decideReferrerReward,
  type ReferrerRewardDecision,
  type ReferrerRewardInputs,
  type ReferrerTerms,
  referrerTermsOf,
} from "./decide-referrer-reward";

const BASE = { amountMinor: 1_000, currency: "INR" } as const;
const FIFTH = { amountMinor: 2_500, currency: "INR" } as const;
const TENTH = { points: 900 } as const;
const TIERS: ReferrerTerms = {
  monthlyCap: null,
  tiers: [
    { fromNth: 5, reward: FIFTH },
    { fromNth: 10, reward: TENTH },
  ],
};
const CAP_5: ReferrerTerms = { monthlyCap: 5, tiers: [] };

describe("decideReferrerReward", () => {
  test.each<{
    label: string;
    input: Omit<ReferrerRewardInputs, "base">;
    want: ReferrerRewardDecision;
  }>([
    {
      label: "no terms: the base reward, whatever the counts",
      input: { terms: null, creditedThisMonth: 40, creditedEver: 99 },
      want: { action: "credit", reward: BASE, nth: 100, tierFromNth: null },
    },
    {
      label: "under the cap: the base",
      input: { terms: CAP_5, creditedThisMonth: 4, creditedEver: 4 },
      want: { action: "credit", reward: BASE, nth: 5, tierFromNth: null },
    },
    {
      label: "at the cap: capped",
      input: { terms: CAP_5, creditedThisMonth: 5, creditedEver: 5 },
      want: { action: "cap", reason: "referrer_cap_reached" },
    },
    {
      label: "a new month: the cap starts over, the nth does not",
      input: { terms: CAP_5, creditedThisMonth: 0, creditedEver: 5 },
      want: { action: "credit", reward: BASE, nth: 6, tierFromNth: null },
    },
    {
      label: "below the first tier: the base",
      input: { terms: TIERS, creditedThisMonth: 3, creditedEver: 3 },
      want: { action: "credit", reward: BASE, nth: 4, tierFromNth: null },
    },
    {
      label: "the 5th pays the first tier",
      input: { terms: TIERS, creditedThisMonth: 4, creditedEver: 4 },
      want: { action: "credit", reward: FIFTH, nth: 5, tierFromNth: 5 },
    },
    {
      label: "between tiers: the lower one still",
      input: { terms: TIERS, creditedThisMonth: 0, creditedEver: 8 },
      want: { action: "credit", reward: FIFTH, nth: 9, tierFromNth: 5 },
    },
    {
      label: "the 10th and after: the highest tier reached (another unit is fine)",
      input: { terms: TIERS, creditedThisMonth: 2, creditedEver: 20 },
      want: { action: "credit", reward: TENTH, nth: 21, tierFromNth: 10 },
    },
    {
      label: "the cap is checked before the tier",
      input: {
        terms: { ...TIERS, monthlyCap: 2 },
        creditedThisMonth: 2,
        creditedEver: 9,
      },
      want: { action: "cap", reason: "referrer_cap_reached" },
    },
  ])("$label", ({ input, want }) => {
    expect(decideReferrerReward({ base: BASE, ...input })).toEqual(want);
  });
});

describe("referrerTermsOf", () => {
  test.each([
    { label: "nothing set", effect: {}, want: null },
    {
      label: "a null cap and no tiers",
      effect: { referrerMonthlyCap: null, referrerTiers: [] },
      want: null,
    },
    { label: "a cap", effect: { referrerMonthlyCap: 5 }, want: { monthlyCap: 5, tiers: [] } },
    {
      label: "tiers",
      effect: { referrerTiers: [{ fromNth: 5, reward: FIFTH }] },
      want: { monthlyCap: null, tiers: [{ fromNth: 5, reward: FIFTH }] },
    },
  ])("$label", ({ effect, want }) => {
    expect(referrerTermsOf(effect)).toEqual(want);
  });
});
