import { describe, expect, test } from "vitest";
import {
  DEFAULT_REFERRAL_PROGRAM,
  fraudSettingsOf,
  validateReferralProgramSettings,
} from "./program-settings";
import { DEFAULT_FRAUD_SETTINGS } from "./risk-signals";

/** The `fraud` part of the referral program's settings (docs/referrals.md "Fraud holds"). */

const FRAUD = {
  holdThreshold: 50,
  weights: { shared_ip_prefix: 40 },
  maxReferralsPerReferrerPerDay: 20,
  autoApproveAfterHours: 48,
};

describe("fraud settings", () => {
  test("absent: the defaults are in force", () => {
    expect(fraudSettingsOf(DEFAULT_REFERRAL_PROGRAM)).toEqual(DEFAULT_FRAUD_SETTINGS);
  });

  test("given: kept as saved", () => {
    const checked = validateReferralProgramSettings({ ...DEFAULT_REFERRAL_PROGRAM, fraud: FRAUD });
    expect(checked.ok && fraudSettingsOf(checked.settings)).toEqual(FRAUD);
  });

  test.each([
    { label: "a threshold of 0", patch: { holdThreshold: 0 }, path: "fraud.holdThreshold" },
    {
      label: "a weight over 100",
      patch: { weights: { shared_device: 101 } },
      path: "fraud.weights.shared_device",
    },
    {
      label: "an unknown signal",
      patch: { weights: { shared_shoe_size: 10 } },
      path: "fraud.weights",
    },
    {
      label: "a velocity limit of 0",
      patch: { maxReferralsPerReferrerPerDay: 0 },
      path: "fraud.maxReferralsPerReferrerPerDay",
    },
    {
      label: "an auto-approve of 0 hours",
      patch: { autoApproveAfterHours: 0 },
      path: "fraud.autoApproveAfterHours",
    },
    { label: "an unknown field", patch: { holdAll: true }, path: "fraud" },
  ])("$label is refused at $path", ({ patch, path }) => {
    const checked = validateReferralProgramSettings({
      ...DEFAULT_REFERRAL_PROGRAM,
      fraud: { ...FRAUD, ...patch },
    });
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.issues.map((i) => i.path.join("."))).toContain(path);
  });
});
