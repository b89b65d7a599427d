import { expect, test } from "vitest";
import { referralDestination } from "./destination";
import type { ReferralProgramSettings } from "./program-settings";

const ALL: ReferralProgramSettings["destinations"] = {
  webSignupUrl: "https://app.example.com/signup?utm_source=referral",
  iosAppStoreUrl: "https://apps.apple.com/app/id123456789",
  androidPlayStoreUrl: "https://play.google.com/store/apps/details?id=com.example.app",
};
const WEB_ONLY = { ...ALL, iosAppStoreUrl: null, androidPlayStoreUrl: null };
const TOKEN = "MXxjbGtfYWJjfHVzcl80Mg.q83vEjRWeJq83vEjRWeJqw";
const CODE = "K7QM4XR";
const WEB_URL = `https://app.example.com/signup?utm_source=referral&ref_token=${TOKEN}&ref_code=${CODE}`;

test.each([
  {
    label: "iOS → the App Store page",
    destinations: ALL,
    platform: "ios" as const,
    want: ALL.iosAppStoreUrl,
  },
  {
    label: "Android → the Play Store page with the install referrer carrying the token",
    destinations: ALL,
    platform: "android" as const,
    want: `${ALL.androidPlayStoreUrl}&referrer=${encodeURIComponent(`ref_token=${TOKEN}`)}`,
  },
  {
    label: "web → the signup page with token and code",
    destinations: ALL,
    platform: "web" as const,
    want: WEB_URL,
  },
  {
    label: "iOS without an App Store page → web signup",
    destinations: WEB_ONLY,
    platform: "ios" as const,
    want: WEB_URL,
  },
  {
    label: "Android without a Play Store page → web signup",
    destinations: WEB_ONLY,
    platform: "android" as const,
    want: WEB_URL,
  },
  {
    label: "a Play Store URL without a query gets one",
    destinations: { ...ALL, androidPlayStoreUrl: "https://play.example.com/app" },
    platform: "android" as const,
    want: `https://play.example.com/app?referrer=ref_token%3D${TOKEN}`,
  },
  {
    label: "parameters already in the configured URL are replaced, not doubled",
    destinations: { ...ALL, webSignupUrl: "https://app.example.com/s?ref_code=OLD&ref_token=x" },
    platform: "web" as const,
    want: `https://app.example.com/s?ref_code=${CODE}&ref_token=${TOKEN}`,
  },
])("$label", ({ destinations, platform, want }) => {
  expect(referralDestination(destinations, platform, { token: TOKEN, code: CODE })).toBe(want);
});
