import { describe, expect, test } from "vitest";
import { EffectSchema } from "./effects";

/** The referral reward's money terms (docs/referrals.md, "After qualification"). */
const base = { kind: "referral_reward", referee: { amountMinor: 500, currency: "INR" } };

describe("referral_reward effect: money terms", () => {
  test.each([
    { label: "no terms (today's campaigns)", extra: {}, ok: true },
    { label: "account age 0", extra: { minAccountAgeDays: 0 }, ok: true },
    { label: "account age 365", extra: { minAccountAgeDays: 365 }, ok: true },
    { label: "account age 366", extra: { minAccountAgeDays: 366 }, ok: false },
    { label: "negative account age", extra: { minAccountAgeDays: -1 }, ok: false },
    { label: "fractional account age", extra: { minAccountAgeDays: 1.5 }, ok: false },
    { label: "await the event's confirmation", extra: { awaitEventConfirmation: true }, ok: true },
    { label: "await given as a string", extra: { awaitEventConfirmation: "yes" }, ok: false },
    { label: "partial refund keep", extra: { partialRefund: "keep" }, ok: true },
    { label: "partial refund proportional", extra: { partialRefund: "proportional" }, ok: true },
    { label: "partial refund of another kind", extra: { partialRefund: "half" }, ok: false },
  ])("$label → ok: $ok", ({ extra, ok }) => {
    expect(EffectSchema.safeParse({ ...base, ...extra }).success).toBe(ok);
  });

  test("absent terms stay absent after parsing (stored rules do not change shape)", () => {
    const parsed = EffectSchema.parse(base);
    expect(parsed).toEqual(base);
  });
});
