import { describe, expect, test } from "vitest";
import {
  checkRedemption,
  DEFAULT_PAYOUT_POLICY,
  newDeviceHold,
  parsePayoutPolicy,
  type RedemptionFacts,
} from "./policy";

const HOUR_MS = 3_600_000;
const NOW = 1_800_000_000_000;

const FACTS: RedemptionFacts = {
  type: "bank",
  currency: "INR",
  amountMinor: 10_000,
  destinationUsableFromMs: NOW - 1,
  destinationStatus: "active",
  kycStatus: "none",
  redeemedBeforeMinor: 0,
  nowMs: NOW,
};

describe("checkRedemption", () => {
  test.each([
    { label: "a plain bank redemption", change: {}, want: null },
    { label: "exactly the bank minimum", change: { amountMinor: 10_000 }, want: null },
    { label: "one paisa under it", change: { amountMinor: 9_999 }, want: "below_minimum" },
    { label: "UPI has a lower minimum", change: { type: "upi", amountMinor: 5_000 }, want: null },
    {
      label: "a currency with no rules",
      change: { currency: "JPY" },
      want: "currency_not_redeemable",
    },
    {
      label: "still cooling off",
      change: { destinationUsableFromMs: NOW + 1 },
      want: "destination_cooling_off",
    },
    { label: "cooling-off ends now", change: { destinationUsableFromMs: NOW }, want: null },
    {
      label: "a failed destination",
      change: { destinationStatus: "needs_attention" },
      want: "destination_unusable",
    },
    {
      label: "a removed destination",
      change: { destinationStatus: "removed" },
      want: "destination_unusable",
    },
    { label: "at the KYC threshold", change: { amountMinor: 1_000_000 }, want: null },
    { label: "over it without KYC", change: { amountMinor: 1_000_001 }, want: "kyc_required" },
    {
      label: "over it in total",
      change: { redeemedBeforeMinor: 995_000, amountMinor: 10_000 },
      want: "kyc_required",
    },
    {
      label: "over it with pending KYC",
      change: { amountMinor: 2_000_000, kycStatus: "pending" },
      want: "kyc_required",
    },
    {
      label: "over it with KYC verified",
      change: { amountMinor: 2_000_000, kycStatus: "verified" },
      want: null,
    },
  ] as const)("$label → $want", ({ change, want }) => {
    const refusal = checkRedemption(DEFAULT_PAYOUT_POLICY, { ...FACTS, ...change });
    expect(refusal?.code ?? null).toBe(want);
  });
});

describe("newDeviceHold", () => {
  test.each([
    { label: "no devices", seen: [], want: false },
    { label: "the user's only device, just now", seen: [NOW - 60_000], want: false },
    {
      label: "a second device an hour ago",
      seen: [NOW - 90 * 24 * HOUR_MS, NOW - HOUR_MS],
      want: true,
    },
    {
      label: "a second device two days ago",
      seen: [NOW - 90 * 24 * HOUR_MS, NOW - 48 * HOUR_MS],
      want: false,
    },
    { label: "two old devices", seen: [NOW - 900 * HOUR_MS, NOW - 800 * HOUR_MS], want: false },
    {
      label: "two devices first seen together, now",
      seen: [NOW - 1_000, NOW - 1_000],
      want: false,
    },
  ])("$label → $want", ({ seen, want }) => {
    expect(newDeviceHold(DEFAULT_PAYOUT_POLICY, seen, NOW)).toBe(want);
  });

  test("a zero-hour window never holds", () => {
    const policy = { ...DEFAULT_PAYOUT_POLICY, newDeviceHoldHours: 0 };
    expect(newDeviceHold(policy, [NOW - 900 * HOUR_MS, NOW - 1], NOW)).toBe(false);
  });
});

describe("parsePayoutPolicy", () => {
  test.each([
    { label: "unset", raw: undefined, ok: true },
    { label: "empty", raw: "", ok: true },
    { label: "one override", raw: '{"coolingOffHours":48}', ok: true },
    { label: "not JSON", raw: "{cooling", ok: false },
    { label: "an array", raw: "[]", ok: false },
    { label: "an unknown key", raw: '{"coolingOff":1}', ok: false },
    {
      label: "a negative minimum",
      raw: '{"minimumMinor":{"INR":{"bank":-1,"upi":0,"gift_card":0}}}',
      ok: false,
    },
    { label: "a lower-case currency", raw: '{"kycThresholdMinor":{"inr":5}}', ok: false },
    { label: "a too-short code lifetime", raw: '{"stepUpTtlSec":5}', ok: false },
  ])("$label → ok $ok", ({ raw, ok }) => {
    expect(parsePayoutPolicy(raw).ok).toBe(ok);
  });

  test("overrides replace whole top-level keys and keep the other defaults", () => {
    const parsed = parsePayoutPolicy('{"coolingOffHours":48,"kycThresholdMinor":{"INR":5}}');
    if (!parsed.ok) throw new Error(parsed.detail);
    expect(parsed.policy.coolingOffHours).toBe(48);
    expect(parsed.policy.kycThresholdMinor).toEqual({ INR: 5 });
    expect(parsed.policy.minimumMinor).toEqual(DEFAULT_PAYOUT_POLICY.minimumMinor);
  });
});
