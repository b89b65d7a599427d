import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { minorUnitExponent, parseDecimalToMinor, parseSignedDecimalToMinor } from "./decimal";

describe("minorUnitExponent", () => {
  test.each([
    { currency: "INR", want: 2 },
    { currency: "USD", want: 2 },
    { currency: "EUR", want: 2 },
    { currency: "GBP", want: 2 },
    { currency: "JPY", want: 0 },
    { currency: "KRW", want: 0 },
    { currency: "KWD", want: 3 },
    { currency: "BHD", want: 3 },
    { currency: "jpy", want: 0 },
    { currency: "XYZ", want: 2 },
    { currency: "__proto__", want: 2 },
    { currency: "constructor", want: 2 },
  ])("$currency has $want decimals", ({ currency, want }) => {
    expect(minorUnitExponent(currency)).toBe(want);
  });
});

describe("parseDecimalToMinor accepts", () => {
  test.each([
    { label: "two decimals", value: "1299.00", currency: "INR", want: 129_900 },
    { label: "thousands separator", value: "1,299.5", currency: "INR", want: 129_950 },
    { label: "several groups", value: "1,234,567.89", currency: "USD", want: 123_456_789 },
    { label: "a JSON number", value: 12.3, currency: "INR", want: 1_230 },
    { label: "an integer number", value: 100, currency: "USD", want: 10_000 },
    { label: "no decimals", value: "42", currency: "EUR", want: 4_200 },
    { label: "surrounding spaces", value: "  7.25 ", currency: "GBP", want: 725 },
    { label: "zero", value: "0", currency: "INR", want: 0 },
    { label: "negative zero number", value: -0, currency: "INR", want: 0 },
    { label: "leading zeros", value: "007.50", currency: "INR", want: 750 },
    { label: "half-even: 0.005 → 0 (tie to even)", value: "0.005", currency: "USD", want: 0 },
    { label: "half-even: 0.015 → 2 (tie to even)", value: "0.015", currency: "USD", want: 2 },
    { label: "half-even: 0.025 → 2 (tie to even)", value: "0.025", currency: "USD", want: 2 },
    { label: "past the half rounds up", value: "0.0051", currency: "USD", want: 1 },
    { label: "below the half rounds down", value: "12.344999", currency: "INR", want: 1_234 },
    { label: "float noise rounds away", value: 0.1 + 0.2, currency: "USD", want: 30 },
    { label: "JPY has no minor unit", value: "1299", currency: "JPY", want: 1_299 },
    { label: "JPY rounds half-even", value: "1299.5", currency: "JPY", want: 1_300 },
    { label: "JPY 1298.5 ties to even", value: "1298.5", currency: "JPY", want: 1_298 },
    { label: "KRW grouped", value: "15,000", currency: "KRW", want: 15_000 },
    { label: "KWD has thousandths", value: "1.2345", currency: "KWD", want: 1_234 },
    { label: "BHD three decimals", value: "10.125", currency: "BHD", want: 10_125 },
    { label: "unknown currency uses 2", value: "1.23", currency: "XYZ", want: 123 },
    { label: "12 integer digits", value: "999999999999", currency: "JPY", want: 999_999_999_999 },
    {
      label: "12 integer digits with many decimals",
      value: "999999999999.999999",
      currency: "KWD",
      want: 1_000_000_000_000_000,
    },
  ])("$label", ({ value, currency, want }) => {
    expect(parseDecimalToMinor(value, currency)).toEqual({ ok: true, amountMinor: want });
  });
});

describe("parseDecimalToMinor refuses", () => {
  test.each([
    { label: "a negative string", value: "-5", reason: "negative" },
    { label: "negative zero string", value: "-0.00", reason: "negative" },
    { label: "a negative number", value: -12.5, reason: "negative" },
    { label: "NaN", value: Number.NaN, reason: "not_a_number" },
    { label: "Infinity", value: Number.POSITIVE_INFINITY, reason: "not_a_number" },
    { label: "the text NaN", value: "NaN", reason: "not_a_number" },
    { label: "the text Infinity", value: "Infinity", reason: "not_a_number" },
    { label: "an exponent", value: "1e3", reason: "exponent" },
    { label: "a negative exponent", value: "1.5E-3", reason: "exponent" },
    { label: "a huge number", value: 1e21, reason: "exponent" },
    { label: "13 integer digits", value: "1000000000000", reason: "too_large" },
    { label: "13 grouped digits", value: "1,000,000,000,000", reason: "too_large" },
    { label: "a very long string", value: `1${"0".repeat(100)}`, reason: "too_large" },
    { label: "empty", value: "", reason: "empty" },
    { label: "spaces only", value: "   ", reason: "empty" },
    { label: "a European decimal comma", value: "12,5", reason: "malformed" },
    { label: "a European grouping", value: "1.299,50", reason: "malformed" },
    { label: "a bad group", value: "1,29,900", reason: "malformed" },
    { label: "a plus sign", value: "+5", reason: "malformed" },
    { label: "a bare point", value: ".5", reason: "malformed" },
    { label: "a trailing point", value: "5.", reason: "malformed" },
    { label: "two points", value: "1.2.3", reason: "malformed" },
    { label: "hex", value: "0x10", reason: "malformed" },
    { label: "a currency sign", value: "$5", reason: "malformed" },
    { label: "words", value: "twelve", reason: "malformed" },
    { label: "unicode digits", value: "١٢٣", reason: "malformed" },
    { label: "null", value: null, reason: "not_a_number" },
    { label: "an object", value: { valueOf: () => 5 }, reason: "not_a_number" },
    { label: "a boolean", value: true, reason: "not_a_number" },
  ])("$label → $reason", ({ value, reason }) => {
    const parsed = parseDecimalToMinor(value, "INR");
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toBe(reason);
  });
});

describe("parseSignedDecimalToMinor", () => {
  test.each([
    { label: "a negative delta", value: "-12.50", amountMinor: 1_250, negative: true },
    { label: "a positive amount", value: "12.50", amountMinor: 1_250, negative: false },
    { label: "a negative number", value: -3, amountMinor: 300, negative: true },
    { label: "a negative that rounds to zero", value: "-0.001", amountMinor: 0, negative: false },
  ])("$label", ({ value, amountMinor, negative }) => {
    expect(parseSignedDecimalToMinor(value, "USD")).toEqual({ ok: true, amountMinor, negative });
  });
});

describe("properties", () => {
  test("never throws and ok results are safe non-negative integers", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.double(),
          fc.stringMatching(/^-?[\d,]{0,20}(\.\d{0,20})?([eE][+-]?\d{1,3})?$/),
          fc.constantFrom(null, undefined, {}, [], true),
        ),
        fc.constantFrom("INR", "JPY", "KWD", "XYZ"),
        (value, currency) => {
          const parsed = parseDecimalToMinor(value, currency);
          if (parsed.ok) {
            expect(Number.isSafeInteger(parsed.amountMinor)).toBe(true);
            expect(parsed.amountMinor).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test("round-trips whole minor amounts written with the currency's decimals", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 99_999_999_999 }),
        fc.constantFrom("INR", "JPY", "KWD"),
        (minor, currency) => {
          const exponent = minorUnitExponent(currency);
          const digits = String(minor).padStart(exponent + 1, "0");
          const text =
            exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
          expect(parseDecimalToMinor(text, currency)).toEqual({ ok: true, amountMinor: minor });
        },
      ),
    );
  });
});
