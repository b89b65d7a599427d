import { expect, test } from "vitest";
import { DEFAULT_MAX_BODY_BYTES, maxBodyBytes } from "./body-size";
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
  { label: "unset: 10", raw: undefined, want: 10 },
  { label: "a cap", raw: "3", want: 3 },
  { label: "zero would block every claim: the default", raw: "0", want: 10 },
  { label: "not a number: the default", raw: "ten", want: 10 },
  { label: "fractional: the default", raw: "2.5", want: 10 },
])("claimsPerMonthOf: $label", ({ raw, want }) => {
  expect(claimsPerMonthOf({ CLAIMS_PER_MONTH: raw })).toBe(want);
});
