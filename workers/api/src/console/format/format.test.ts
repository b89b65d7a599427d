import { describe, expect, test } from "vitest";
import { formatMoney, formatRateBps, minorToDecimalString } from "./money";
import { formatDateTime } from "./time";

describe("minorToDecimalString", () => {
  test.each([
    { label: "euros and cents", minor: 12345, currency: "EUR", expected: "123.45" },
    { label: "under one unit", minor: 7, currency: "USD", expected: "0.07" },
    { label: "negative", minor: -7, currency: "USD", expected: "-0.07" },
    { label: "zero-decimal currency", minor: 500, currency: "JPY", expected: "500" },
    { label: "three-decimal currency", minor: 1005, currency: "KWD", expected: "1.005" },
    { label: "zero", minor: 0, currency: "EUR", expected: "0.00" },
    {
      label: "beyond double precision of decimals",
      minor: 9007199254740991,
      currency: "EUR",
      expected: "90071992547409.91",
    },
  ])("$label", ({ minor, currency, expected }) => {
    expect(minorToDecimalString(minor, currency)).toBe(expected);
  });
});

describe("formatMoney", () => {
  test.each([
    { label: "euro", minor: 123456, currency: "EUR", expected: "€1,234.56" },
    { label: "dollar negative", minor: -250, currency: "USD", expected: "-$2.50" },
    { label: "yen", minor: 1500, currency: "JPY", expected: "¥1,500" },
    { label: "pound", minor: 5, currency: "GBP", expected: "£0.05" },
  ])("$label", ({ minor, currency, expected }) => {
    expect(formatMoney(minor, currency)).toBe(expected);
  });
});

describe("formatRateBps", () => {
  test.each([
    { bps: 250, expected: "2.5%" },
    { bps: 1000, expected: "10%" },
    { bps: 1, expected: "0.01%" },
  ])("$bps bps", ({ bps, expected }) => {
    expect(formatRateBps(bps)).toBe(expected);
  });
});

describe("formatDateTime", () => {
  test.each([
    { label: "UTC", at: "2026-12-05T13:03:00Z", zone: "UTC", expected: "2026-12-05 13:03" },
    {
      label: "Berlin in winter",
      at: "2026-12-05T13:03:00Z",
      zone: "Europe/Berlin",
      expected: "2026-12-05 14:03",
    },
    {
      label: "across midnight",
      at: "2026-12-05T23:30:00Z",
      zone: "Asia/Tokyo",
      expected: "2026-12-06 08:30",
    },
    {
      label: "unknown zone falls back to UTC",
      at: "2026-12-05T13:03:00Z",
      zone: "Mars/Base",
      expected: "2026-12-05 13:03",
    },
    { label: "epoch ms", at: 0, zone: "UTC", expected: "1970-01-01 00:00" },
  ])("$label", ({ at, zone, expected }) => {
    expect(formatDateTime(at, zone)).toBe(expected);
  });
  test("null is a dash", () => {
    expect(formatDateTime(null, "UTC")).toBe("—");
  });
});
