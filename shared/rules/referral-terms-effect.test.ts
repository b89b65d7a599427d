import { describe, expect, test } from "vitest";
import { EffectSchema } from "./effects";

/** The `referral_reward` effect's campaign terms: the cap and the tiers (docs/referrals.md). */

const INR = (amountMinor: number) => ({ amountMinor, currency: "INR" });
const base = { kind: "referral_reward", referrer: INR(1_000), referee: INR(500) };

describe("referral_reward terms", () => {
  test.each<{ label: string; effect: object; issues: string[] }>([
    { label: "no terms (today's campaigns)", effect: base, issues: [] },
    { label: "a cap", effect: { ...base, referrerMonthlyCap: 5 }, issues: [] },
    { label: "a null cap", effect: { ...base, referrerMonthlyCap: null }, issues: [] },
    {
      label: "a zero cap",
      effect: { ...base, referrerMonthlyCap: 0 },
      issues: ["referrerMonthlyCap"],
    },
    {
      label: "ascending tiers, any unit",
      effect: {
        ...base,
        referrerTiers: [
          { fromNth: 5, reward: INR(2_500) },
          { fromNth: 10, reward: { points: 900 } },
        ],
      },
      issues: [],
    },
    {
      label: "tiers out of order",
      effect: {
        ...base,
        referrerTiers: [
          { fromNth: 10, reward: INR(2_500) },
          { fromNth: 5, reward: INR(2_000) },
        ],
      },
      issues: ["referrerTiers.1.fromNth"],
    },
    {
      label: "the same fromNth twice",
      effect: {
        ...base,
        referrerTiers: [
          { fromNth: 5, reward: INR(2_500) },
          { fromNth: 5, reward: INR(2_000) },
        ],
      },
      issues: ["referrerTiers.1.fromNth"],
    },
    {
      label: "fromNth 0",
      effect: { ...base, referrerTiers: [{ fromNth: 0, reward: INR(2_500) }] },
      issues: ["referrerTiers.0.fromNth"],
    },
    {
      label: "a cap without a referrer reward",
      effect: { kind: "referral_reward", referee: INR(500), referrerMonthlyCap: 5 },
      issues: ["referrer"],
    },
    {
      label: "tiers without a referrer reward",
      effect: {
        kind: "referral_reward",
        referee: INR(500),
        referrerTiers: [{ fromNth: 2, reward: INR(2_500) }],
      },
      issues: ["referrer"],
    },
  ])("$label", ({ effect, issues }) => {
    const parsed = EffectSchema.safeParse(effect);
    expect(parsed.success ? [] : parsed.error.issues.map((i) => i.path.join("."))).toEqual(issues);
  });
});
