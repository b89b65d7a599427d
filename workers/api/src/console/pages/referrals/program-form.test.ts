import { describe, expect, test } from "vitest";
import {
  DEFAULT_REFERRAL_PROGRAM,
  type ReferralProgramSettings,
} from "#shared/referrals/program-settings";
import { DEFAULT_FRAUD_SETTINGS } from "#shared/referrals/risk-signals";
import { type FormValues, programBody, programValues, settingsChanges } from "./program-form";

const FULL: ReferralProgramSettings = {
  programId: "default",
  attribution: { touch: "last", windowDays: 14, probabilisticWindowHours: 6 },
  qualification: { windowDays: 45 },
  fraud: {
    holdThreshold: 70,
    weights: { shared_ip_prefix: 40, probabilistic_attribution: 0 },
    maxReferralsPerReferrerPerDay: 5,
    autoApproveAfterHours: 72,
  },
  destinations: {
    webSignupUrl: "https://app.example.com/signup?utm=ref",
    iosAppStoreUrl: "https://apps.apple.com/app/id123456789",
    androidPlayStoreUrl: null,
  },
};

describe("programValues → programBody", () => {
  test.each<{ label: string; settings: ReferralProgramSettings }>([
    {
      label: "the defaults (no qualification, no fraud block)",
      settings: DEFAULT_REFERRAL_PROGRAM,
    },
    { label: "every setting given", settings: FULL },
    {
      label: "a qualification block with no window and fraud equal to the defaults",
      settings: {
        ...DEFAULT_REFERRAL_PROGRAM,
        qualification: { windowDays: null },
        fraud: DEFAULT_FRAUD_SETTINGS,
      },
    },
  ])("$label go round the form unchanged", ({ settings }) => {
    expect(programBody(programValues(settings, 3))).toEqual({ settings, expectedVersion: 3 });
  });

  test("a weight left to its default shows empty; a saved one shows its number", () => {
    const values = programValues(FULL, 1);
    expect(values["weight-shared_device"]).toBe("");
    expect(values["weight-shared_ip_prefix"]).toBe("40");
    expect(values["weight-probabilistic_attribution"]).toBe("0");
    expect(values.androidPlayStoreUrl).toBe("");
    expect(values.autoApproveAfterHours).toBe("72");
  });
});

describe("programBody", () => {
  const base = programValues(DEFAULT_REFERRAL_PROGRAM, 0);

  // biome-ignore lint/suspicious/noExplicitAny: test reads of the built JSON body.
  test.each<{ label: string; change: FormValues; check: (b: any) => void }>([
    {
      label: "a weight typed when the program had no fraud block adds one with it",
      change: { "weight-shared_device": "90" },
      check: (b) =>
        expect(b.settings.fraud).toEqual({
          ...DEFAULT_FRAUD_SETTINGS,
          weights: { shared_device: 90 },
        }),
    },
    {
      label: "a threshold changed adds the fraud block; empty auto-approve is never (null)",
      change: { holdThreshold: "80", autoApproveAfterHours: "" },
      check: (b) => {
        expect(b.settings.fraud.holdThreshold).toBe(80);
        expect(b.settings.fraud.autoApproveAfterHours).toBeNull();
      },
    },
    {
      label: "a qualification window typed adds the block",
      change: { qualificationWindowDays: "30" },
      check: (b) => expect(b.settings.qualification).toEqual({ windowDays: 30 }),
    },
    {
      label: "a qualification window cleared after a save is sent as null (no window)",
      change: { qualificationSaved: "on", qualificationWindowDays: "" },
      check: (b) => expect(b.settings.qualification).toEqual({ windowDays: null }),
    },
    {
      label: "text that is not a whole number goes to the API to be refused at its path",
      change: { windowDays: "two weeks", "weight-datacenter_ip": "1.5" },
      check: (b) => {
        expect(b.settings.attribution.windowDays).toBe("two weeks");
        expect(b.settings.fraud.weights.datacenter_ip).toBe("1.5");
      },
    },
    {
      label: "store URLs are trimmed; empty ones are null",
      change: { iosAppStoreUrl: "  https://apps.apple.com/app/id1  ", androidPlayStoreUrl: " " },
      check: (b) =>
        expect(b.settings.destinations).toMatchObject({
          iosAppStoreUrl: "https://apps.apple.com/app/id1",
          androidPlayStoreUrl: null,
        }),
    },
    {
      label: "a note is sent; no version leaves expectedVersion out",
      change: { note: "Diwali", expectedVersion: "" },
      check: (b) => {
        expect(b.note).toBe("Diwali");
        expect(b).not.toHaveProperty("expectedVersion");
      },
    },
  ])("$label", ({ change, check }) => {
    check(programBody({ ...base, ...change }));
  });
});

describe("settingsChanges", () => {
  test.each<{ label: string; before: unknown; after: unknown; want: string[] }>([
    { label: "the same settings", before: FULL, after: structuredClone(FULL), want: [] },
    {
      label: "a changed leaf",
      before: DEFAULT_REFERRAL_PROGRAM,
      after: {
        ...DEFAULT_REFERRAL_PROGRAM,
        attribution: { ...DEFAULT_REFERRAL_PROGRAM.attribution, touch: "last" },
      },
      want: ['attribution.touch: "first" → "last"'],
    },
    {
      label: "a block added: each of its leaves against —, sorted by path",
      before: DEFAULT_REFERRAL_PROGRAM,
      after: { ...DEFAULT_REFERRAL_PROGRAM, qualification: { windowDays: 30 } },
      want: ["qualification.windowDays: — → 30"],
    },
    {
      label: "a weight removed and null kept as a value",
      before: { fraud: { weights: { shared_device: 10 }, autoApproveAfterHours: 5 } },
      after: { fraud: { weights: {}, autoApproveAfterHours: null } },
      want: ["fraud.autoApproveAfterHours: 5 → null", "fraud.weights.shared_device: 10 → —"],
    },
  ])("$label", ({ before, after, want }) => {
    expect(settingsChanges(before, after)).toEqual(want);
  });
});
