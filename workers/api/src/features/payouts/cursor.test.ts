import { describe, expect, test } from "vitest";
import { toBase64Url, utf8 } from "#shared/crypto/encoding";
import { AppError } from "#shared/http/errors";
import {
  decodeDiscrepancyCursor,
  decodePayoutCursor,
  encodeDiscrepancyCursor,
  encodePayoutCursor,
} from "./cursor";

const b64json = (value: unknown) => toBase64Url(utf8.encode(JSON.stringify(value)));

describe("payout cursor", () => {
  test.each([
    { label: "a payout id", last: { createdAtMs: 1_700_000_000_000, payoutId: "pay_abc" } },
    { label: "time zero", last: { createdAtMs: 0, payoutId: "p-1_x" } },
  ])("round-trips $label", ({ last }) => {
    expect(decodePayoutCursor(encodePayoutCursor(last))).toEqual(last);
  });

  test.each([
    { label: "absent", cursor: undefined },
    { label: "empty", cursor: "" },
  ])("$label is the first page", ({ cursor }) => {
    expect(decodePayoutCursor(cursor)).toBeNull();
  });

  test.each([
    { label: "no dot", cursor: "1700000000000" },
    { label: "negative time", cursor: "-1.pay" },
    { label: "16-digit time", cursor: "1234567890123456.pay" },
    { label: "a space in the id", cursor: "1.pay x" },
    { label: "id too long", cursor: `1.${"a".repeat(65)}` },
  ])("refuses $label", ({ cursor }) => {
    expect(() => decodePayoutCursor(cursor)).toThrow(AppError);
  });
});

describe("discrepancy cursor", () => {
  test("round-trips a position", () => {
    const d = { createdAtMs: 5, runId: "run_1", kind: "status_mismatch", subject: "pay_y" };
    expect(decodeDiscrepancyCursor(encodeDiscrepancyCursor(d))).toEqual([
      5,
      "run_1",
      "status_mismatch",
      "pay_y",
    ]);
  });

  test.each([
    { label: "not base64url", cursor: "%%%" },
    { label: "not JSON", cursor: toBase64Url(utf8.encode("nope")) },
    { label: "three parts", cursor: b64json([1, "a", "b"]) },
    { label: "a fractional time", cursor: b64json([1.5, "a", "b", "c"]) },
    { label: "a number where a string belongs", cursor: b64json([1, "a", 2, "c"]) },
    { label: "an object", cursor: b64json({ createdAtMs: 1 }) },
  ])("refuses $label with a 400 naming before", ({ cursor }) => {
    try {
      decodeDiscrepancyCursor(cursor);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).fields?.[0]?.path).toBe("before");
    }
  });
});
