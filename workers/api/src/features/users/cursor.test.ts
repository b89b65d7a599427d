import { describe, expect, test } from "vitest";
import { AppError } from "#shared/http/errors";
import { cursorInt, decodeCursor, encodeCursor } from "./cursor";

describe("user cursors", () => {
  test.each([
    { label: "ledger sequence", parts: [42], arity: 1 },
    { label: "transaction position", parts: [1_700_000_000_000, "txn_abc"], arity: 2 },
    { label: "unicode id", parts: [1, "tx-é"], arity: 2 },
  ])("round-trips a $label", ({ parts, arity }) => {
    expect(decodeCursor(encodeCursor(parts), arity)).toEqual(parts.map(String));
  });

  test("no cursor is the first page", () => {
    expect(decodeCursor(undefined, 2)).toBeNull();
  });

  test.each([
    { label: "not base64url", cursor: "%%%", arity: 1 },
    { label: "wrong arity", cursor: encodeCursor([1, "a"]), arity: 1 },
    { label: "empty part", cursor: encodeCursor(["", "a"]), arity: 2 },
    { label: "plain text", cursor: "bm90LWEtY3Vyc29y", arity: 2 },
  ])("refuses $label with a 400 naming cursor", ({ cursor, arity }) => {
    expect(() => decodeCursor(cursor, arity)).toThrow(AppError);
  });

  test.each([
    { label: "integer", part: "17", value: 17 },
    { label: "zero", part: "0", value: 0 },
  ])("reads a numeric part: $label", ({ part, value }) => {
    expect(cursorInt(part)).toBe(value);
  });

  test.each([
    { label: "fraction", part: "1.5" },
    { label: "word", part: "abc" },
    { label: "beyond safe integers", part: "9007199254740993" },
  ])("refuses a numeric part: $label", ({ part }) => {
    expect(() => cursorInt(part)).toThrow(AppError);
  });
});
