import { expect, test } from "vitest";
import { DEFAULT_MAX_BODY_BYTES, maxBodyBytes, maxBodyBytesFor } from "./body-size";
import { claimsPerMonthOf } from "./caps";

test.each([
  { label: "unset: 64 KiB", raw: undefined, want: DEFAULT_MAX_BODY_BYTES },
  { label: "blank: 64 KiB", raw: "", want: DEFAULT_MAX_BODY_BYTES },
  { label: "a bound in bytes", raw: "131072", want: 131_072 },
  { label: "zero: the default", raw: "0", want: DEFAULT_MAX_BODY_BYTES },
  { label: "not a number: the default", raw: "64k", want: DEFAULT_MAX_BODY_BYTES },
  { label: "capped at 1 MiB", raw: "10485760", want: 1_048_576 },
])("maxBodyBytes: $label", ({ raw, want }) => {
  expect(maxBodyBytes(raw)).toBe(want);
});

test.each([
  {
    label: "a rule set draft: 1 MiB",
    method: "PUT",
    path: "/admin/v1/rules/draft",
    want: 1_048_576,
  },
  {
    label: "the console's draft editor: 1 MiB",
    method: "POST",
    path: "/console/rules/draft",
    want: 1_048_576,
  },
  {
    label: "reading the draft: the bound",
    method: "GET",
    path: "/admin/v1/rules/draft",
    want: 65_536,
  },
  { label: "any other route: the bound", method: "PUT", path: "/admin/v1/offers/x", want: 65_536 },
])("maxBodyBytesFor: $label", ({ method, path, want }) => {
  expect(maxBodyBytesFor(method, path, undefined)).toBe(want);
});

test.each([
  { label: "unset: 10", raw: undefined, want: 10 },
  { label: "a cap", raw: "3", want: 3 },
  { label: "zero would block every claim: the default", raw: "0", want: 10 },
  { label: "not a number: the default", raw: "ten", want: 10 },
  { label: "fractional: the default", raw: "2.5", want: 10 },
])("claimsPerMonthOf: $label", ({ raw, want }) => {
  expect(claimsPerMonthOf({ CLAIMS_PER_MONTH: raw })).toBe(want);
});
