import { describe, expect, test } from "vitest";
import {
  DEFAULT_REFERRAL_PROGRAM,
  destinationUrlProblem,
  type ReferralProgramSettings,
  validateReferralProgramSettings,
} from "./program-settings";

const VALID: ReferralProgramSettings = {
  programId: "default",
  attribution: { touch: "last", windowDays: 14, probabilisticWindowHours: 6 },
  destinations: {
    webSignupUrl: "https://app.example.com/signup?utm_source=referral",
    iosAppStoreUrl: "https://apps.apple.com/app/id123456789",
    androidPlayStoreUrl: "https://play.google.com/store/apps/details?id=com.example.app",
  },
};

type Patch = (s: ReferralProgramSettings) => unknown;
const withAttribution =
  (patch: Partial<ReferralProgramSettings["attribution"]> | Record<string, unknown>): Patch =>
  (s) => ({ ...s, attribution: { ...s.attribution, ...patch } });
const withDestinations =
  (patch: Record<string, unknown>): Patch =>
  (s) => ({ ...s, destinations: { ...s.destinations, ...patch } });

describe("validateReferralProgramSettings", () => {
  test("the defaults validate", () => {
    expect(validateReferralProgramSettings(DEFAULT_REFERRAL_PROGRAM)).toEqual({
      ok: true,
      settings: DEFAULT_REFERRAL_PROGRAM,
    });
  });

  test.each([
    { label: "all set", patch: (s: ReferralProgramSettings) => s },
    {
      label: "no store pages",
      patch: withDestinations({ iosAppStoreUrl: null, androidPlayStoreUrl: null }),
    },
    {
      label: "shortest windows",
      patch: withAttribution({ windowDays: 1, probabilisticWindowHours: 1 }),
    },
    {
      label: "longest windows",
      patch: withAttribution({ windowDays: 365, probabilisticWindowHours: 72 }),
    },
    { label: "first touch", patch: withAttribution({ touch: "first" }) },
  ])("valid: $label", ({ patch }) => {
    expect(validateReferralProgramSettings(patch(VALID)).ok).toBe(true);
  });

  test.each([
    {
      label: "window of 0 days",
      patch: withAttribution({ windowDays: 0 }),
      path: "attribution.windowDays",
    },
    {
      label: "window of 366 days",
      patch: withAttribution({ windowDays: 366 }),
      path: "attribution.windowDays",
    },
    {
      label: "fractional window",
      patch: withAttribution({ windowDays: 1.5 }),
      path: "attribution.windowDays",
    },
    {
      label: "probabilistic window of 0 h",
      patch: withAttribution({ probabilisticWindowHours: 0 }),
      path: "attribution.probabilisticWindowHours",
    },
    {
      label: "probabilistic window of 73 h",
      patch: withAttribution({ probabilisticWindowHours: 73 }),
      path: "attribution.probabilisticWindowHours",
    },
    {
      label: "unknown touch",
      patch: withAttribution({ touch: "middle" }),
      path: "attribution.touch",
    },
    {
      label: "http signup page",
      patch: withDestinations({ webSignupUrl: "http://app.example.com/signup" }),
      path: "destinations.webSignupUrl",
    },
    {
      label: "javascript: URL",
      patch: withDestinations({ webSignupUrl: "javascript:alert(1)" }),
      path: "destinations.webSignupUrl",
    },
    {
      label: "relative URL",
      patch: withDestinations({ webSignupUrl: "/signup" }),
      path: "destinations.webSignupUrl",
    },
    {
      label: "null signup page",
      patch: withDestinations({ webSignupUrl: null }),
      path: "destinations.webSignupUrl",
    },
    {
      label: "credentials in a store URL",
      patch: withDestinations({ iosAppStoreUrl: "https://u:p@apps.apple.com/x" }),
      path: "destinations.iosAppStoreUrl",
    },
    {
      label: "http Play Store URL",
      patch: withDestinations({ androidPlayStoreUrl: "http://play.google.com/x" }),
      path: "destinations.androidPlayStoreUrl",
    },
    {
      label: "URL over 2048 chars",
      patch: withDestinations({ webSignupUrl: `https://a.example/${"x".repeat(2048)}` }),
      path: "destinations.webSignupUrl",
    },
    {
      label: "another program",
      patch: (s: ReferralProgramSettings) => ({ ...s, programId: "summer" }),
      path: "programId",
    },
    {
      label: "an unknown field",
      patch: (s: ReferralProgramSettings) => ({ ...s, extra: 1 }),
      path: "",
    },
    {
      label: "missing destinations",
      patch: ({ destinations: _d, ...s }: ReferralProgramSettings) => s,
      path: "destinations",
    },
  ])("invalid: $label at $path", ({ patch, path }) => {
    const checked = validateReferralProgramSettings(patch(VALID));
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.issues.map((i) => i.path.join("."))).toContain(path);
  });
});

test.each([
  { raw: "https://app.example.com/signup", want: null },
  { raw: "https://app.example.com:8443/signup?x=1#top", want: null },
  { raw: "http://app.example.com", want: "must be an https URL" },
  { raw: "ftp://app.example.com", want: "must be an https URL" },
  { raw: "not a url", want: "must be an absolute https URL" },
  { raw: "https://user@app.example.com", want: "must not carry a user name or password" },
])("destinationUrlProblem($raw) → $want", ({ raw, want }) => {
  expect(destinationUrlProblem(raw)).toBe(want);
});
