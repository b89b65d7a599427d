import { describe, expect, test } from "vitest";
import type { AttributionClaims } from "#shared/referrals/attribution-token";
import {
  type AttributionDecision,
  type AttributionInputs,
  decideAttribution,
  type FingerprintClick,
} from "./decide-attribution";

const SIGNUP_MS = Date.parse("2026-12-01T12:00:00Z");
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const DAY_MS = 24 * HOUR_MS;

const base: AttributionInputs = {
  refereeId: "bea",
  signedUpAtMs: SIGNUP_MS,
  firstSignup: true,
  alreadyReferred: false,
  program: { programId: "default", touch: "last", windowDays: 30, probabilisticWindowHours: 2 },
  typedCode: null,
  token: null,
  clicks: [],
};

const claims = (over: Partial<AttributionClaims> = {}): AttributionClaims => ({
  clickId: "rc_tok",
  referrerId: "tom",
  programId: "default",
  code: "TOMCODE",
  platform: "android",
  clickedAtSec: (SIGNUP_MS - DAY_MS) / 1000,
  ...over,
});
const token = (over: Partial<AttributionClaims> = {}) => ({
  ok: true as const,
  claims: claims(over),
});
const code = (userId: string | null) => ({
  code: "ANACODE",
  owner: userId ? { userId, programId: "default" } : null,
});
const click = (clickId: string, referrerId: string, agoMs: number): FingerprintClick => ({
  clickId,
  referrerId,
  programId: "default",
  clickedAtMs: SIGNUP_MS - agoMs,
});
const referral = (
  referrerId: string,
  method: "code" | "token" | "probabilistic",
  clickId: string | null,
  reason: string,
): AttributionDecision =>
  ({ referrerId, programId: "default", method, clickId, reason }) as AttributionDecision;

describe("decideAttribution", () => {
  test.each<{ label: string; inputs: Partial<AttributionInputs>; want: AttributionDecision }>([
    // precedence
    {
      label: "a typed code beats a token and a fingerprint click of others",
      inputs: { typedCode: code("ana"), token: token(), clicks: [click("rc_p", "pia", HOUR_MS)] },
      want: referral("ana", "code", null, "code_at_signup"),
    },
    {
      label: "a typed code names the click of a token from the same referrer",
      inputs: { typedCode: code("tom"), token: token() },
      want: referral("tom", "code", "rc_tok", "code_at_signup"),
    },
    {
      label: "a token beats a fingerprint click",
      inputs: { token: token(), clicks: [click("rc_p", "pia", HOUR_MS)] },
      want: referral("tom", "token", "rc_tok", "install_referrer_token"),
    },
    {
      label: "an iOS token came through a deep link",
      inputs: { token: token({ platform: "ios" }) },
      want: referral("tom", "token", "rc_tok", "deep_link_token"),
    },
    {
      label: "a web token came through the web signup",
      inputs: { token: token({ platform: "web" }) },
      want: referral("tom", "token", "rc_tok", "web_signup_token"),
    },
    {
      label: "a token exactly at the end of the window",
      inputs: { token: token({ clickedAtSec: (SIGNUP_MS - 30 * DAY_MS) / 1000 }) },
      want: referral("tom", "token", "rc_tok", "install_referrer_token"),
    },
    {
      label: "a fingerprint click alone: last touch",
      inputs: { clicks: [click("rc_a", "ana", 90 * 60_000), click("rc_p", "pia", 10 * 60_000)] },
      want: referral("pia", "probabilistic", "rc_p", "probabilistic_match"),
    },
    {
      label: "a fingerprint click alone: first touch",
      inputs: {
        program: { ...base.program, touch: "first" },
        clicks: [click("rc_p", "pia", 10 * 60_000), click("rc_a", "ana", 90 * 60_000)],
      },
      want: referral("ana", "probabilistic", "rc_a", "probabilistic_match"),
    },
    {
      label: "a fingerprint click exactly at the start of the window",
      inputs: { clicks: [click("rc_p", "pia", 2 * HOUR_MS)] },
      want: referral("pia", "probabilistic", "rc_p", "probabilistic_match"),
    },
    // a refused method falls through to the next
    {
      label: "an unknown code falls through to the token",
      inputs: { typedCode: code(null), token: token() },
      want: referral("tom", "token", "rc_tok", "install_referrer_token"),
    },
    {
      label: "one's own code falls through to a fingerprint click",
      inputs: { typedCode: code("bea"), clicks: [click("rc_p", "pia", HOUR_MS)] },
      want: referral("pia", "probabilistic", "rc_p", "probabilistic_match"),
    },
    {
      label: "a forged token falls through to a fingerprint click",
      inputs: { token: { ok: false }, clicks: [click("rc_p", "pia", HOUR_MS)] },
      want: referral("pia", "probabilistic", "rc_p", "probabilistic_match"),
    },
    {
      label: "one's own later click does not hide another's earlier one",
      inputs: { clicks: [click("rc_p", "pia", HOUR_MS), click("rc_b", "bea", 60_000)] },
      want: referral("pia", "probabilistic", "rc_p", "probabilistic_match"),
    },
    // refusals
    { label: "no evidence", inputs: {}, want: { none: "no_evidence" } },
    { label: "an unknown code", inputs: { typedCode: code(null) }, want: { none: "unknown_code" } },
    {
      label: "one's own code",
      inputs: { typedCode: code("bea") },
      want: { none: "self_referral" },
    },
    {
      label: "one's own token",
      inputs: { token: token({ referrerId: "bea" }) },
      want: { none: "self_referral" },
    },
    { label: "a forged token", inputs: { token: { ok: false } }, want: { none: "token_invalid" } },
    {
      label: "a token clicked past the window",
      inputs: { token: token({ clickedAtSec: (SIGNUP_MS - 30 * DAY_MS - 1000) / 1000 }) },
      want: { none: "token_expired" },
    },
    {
      label: "a fingerprint click before the window",
      inputs: { clicks: [click("rc_p", "pia", 2 * HOUR_MS + 1)] },
      want: { none: "no_evidence" },
    },
    {
      label: "a fingerprint click after the signup",
      inputs: { clicks: [click("rc_p", "pia", -1)] },
      want: { none: "no_evidence" },
    },
    {
      label: "only one's own fingerprint click",
      inputs: { clicks: [click("rc_b", "bea", HOUR_MS)] },
      want: { none: "self_referral" },
    },
    {
      label: "a second signup, however good its code",
      inputs: { firstSignup: false, typedCode: code("ana") },
      want: { none: "not_first_signup" },
    },
    {
      label: "a user already referred",
      inputs: { alreadyReferred: true, typedCode: code("ana") },
      want: { none: "already_referred" },
    },
    // banned referrers (an operator's ban): their evidence is skipped, the next method tried
    {
      label: "a banned referrer's code alone",
      inputs: { typedCode: code("ana"), bannedReferrers: ["ana"] },
      want: { none: "referrer_banned" },
    },
    {
      label: "a banned referrer's code, then another's token: the token attributes",
      inputs: { typedCode: code("ana"), token: token(), bannedReferrers: ["ana"] },
      want: referral("tom", "token", "rc_tok", "install_referrer_token"),
    },
    {
      label: "a banned referrer's token",
      inputs: { token: token(), bannedReferrers: ["tom"] },
      want: { none: "referrer_banned" },
    },
    {
      label: "a banned referrer's fingerprint click is passed over for another's",
      inputs: {
        clicks: [click("rc_a", "ana", HOUR_MS), click("rc_p", "pia", 2 * MINUTE_MS)],
        bannedReferrers: ["pia"],
      },
      want: referral("ana", "probabilistic", "rc_a", "probabilistic_match"),
    },
    {
      label: "only banned referrers' clicks",
      inputs: { clicks: [click("rc_p", "pia", HOUR_MS)], bannedReferrers: ["pia"] },
      want: { none: "referrer_banned" },
    },
  ])("$label", ({ inputs, want }) => {
    expect(decideAttribution({ ...base, ...inputs })).toEqual(want);
  });
});
