import { describe, expect, test } from "vitest";
import { banBackTo, banNotice, type ReferrerBan, withBanNotice } from "./ban-outcome";

const ban = (over: Partial<ReferrerBan>): ReferrerBan => ({
  userId: "u1",
  banned: true,
  reason: "ring",
  bannedBy: "ops",
  bannedAtMs: 1,
  ...over,
});

describe("banNotice", () => {
  test.each([
    [
      "none rejected",
      ban({ rejectedReferrals: 0 }),
      "u1 is banned from referring: no referral was waiting to be rejected.",
    ],
    [
      "a field without a count",
      ban({}),
      "u1 is banned from referring: no referral was waiting to be rejected.",
    ],
    [
      "one rejected",
      ban({ rejectedReferrals: 1 }),
      "u1 is banned from referring: 1 referral not yet rewarded was rejected.",
    ],
    [
      "several rejected",
      ban({ rejectedReferrals: 3, moreToReject: false }),
      "u1 is banned from referring: 3 referrals not yet rewarded were rejected.",
    ],
    [
      "more remain",
      ban({ rejectedReferrals: 500, moreToReject: true }),
      "u1 is banned from referring: 500 referrals not yet rewarded were rejected. More remain: continue the ban to reject the next batch.",
    ],
  ])("%s", (_label, input, expected) => {
    expect(banNotice(input)).toBe(expected);
  });
});

describe("banBackTo", () => {
  test.each([
    ["a user's page", "/console/users/u1", "/console/users/u1"],
    ["a referral's page", "/console/referrals/ref_u2", "/console/referrals/ref_u2"],
    ["another section", "/console/payouts", "/fallback"],
    ["another origin", "https://evil.example/console/users/u1", "/fallback"],
    ["a protocol-relative path", "/console/users//evil.example", "/fallback"],
    ["a backslash", "/console/users/\\evil", "/fallback"],
    ["empty", "", "/fallback"],
  ])("%s", (_label, value, expected) => {
    expect(banBackTo(value, "/fallback")).toBe(expected);
  });
});

describe("withBanNotice", () => {
  test.each([
    ["a plain path", "/console/users/u1", "done", null, "/console/users/u1?notice=done"],
    [
      "an earlier notice replaced",
      "/console/users/u1?notice=old&banMore=u1",
      "new",
      null,
      "/console/users/u1?notice=new",
    ],
    [
      "more to reject",
      "/console/referrals/ref_u2",
      "n",
      "u1",
      "/console/referrals/ref_u2?notice=n&banMore=u1",
    ],
  ])("%s", (_label, back, notice, moreFor, expected) => {
    expect(withBanNotice(back, notice, moreFor)).toBe(expected);
  });
});
