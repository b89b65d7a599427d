import { expect, test } from "vitest";
import type { ReferralClickMessage } from "#shared/messages";
import { referralClickRowOf } from "./click-rows";

const MESSAGE: ReferralClickMessage = {
  kind: "referral_click",
  clickId: "clk_mi3x2k9aXf3Qa-_bcdefghijkl",
  code: "K7QM4XR",
  referrerId: "usr_42",
  programId: "default",
  platform: "ios",
  fingerprint: "A".repeat(43),
  clickedAtMs: 1_760_000_000_000,
  requestId: "req_1",
};
const { kind: _kind, requestId: _requestId, ...ROW } = MESSAGE;

test("a well-formed message is its row (without kind and request id)", () => {
  expect(referralClickRowOf(MESSAGE)).toEqual(ROW);
});

test.each([
  { label: "null", body: null },
  { label: "a string", body: "referral_click" },
  { label: "an offer click", body: { ...MESSAGE, kind: "click" } },
  { label: "no click id", body: { ...MESSAGE, clickId: undefined } },
  { label: "a click id without its prefix", body: { ...MESSAGE, clickId: "abc" } },
  { label: "a lower-case code", body: { ...MESSAGE, code: "k7qm4xr" } },
  { label: "a referrer id with a pipe", body: { ...MESSAGE, referrerId: "a|b" } },
  { label: "a program id with spaces", body: { ...MESSAGE, programId: "my program" } },
  { label: "an unknown platform", body: { ...MESSAGE, platform: "desktop" } },
  { label: "a raw IP as fingerprint", body: { ...MESSAGE, fingerprint: "203.0.113.7" } },
  { label: "a fractional time", body: { ...MESSAGE, clickedAtMs: 1.5 } },
  { label: "a negative time", body: { ...MESSAGE, clickedAtMs: -1 } },
  { label: "a time as text", body: { ...MESSAGE, clickedAtMs: "1760000000000" } },
])("malformed: $label → null", ({ body }) => {
  expect(referralClickRowOf(body)).toBeNull();
});
