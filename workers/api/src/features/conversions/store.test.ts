import { describe, expect, test } from "vitest";
import { orderIdOf } from "./store";

describe("orderIdOf (audit-log search key)", () => {
  test.each([
    { label: "a generic body", raw: '{"order_id":"ord-1"}', expected: "ord-1" },
    { label: "no order id", raw: '{"amount":1}', expected: null },
    { label: "a number, not a string", raw: '{"order_id":42}', expected: null },
    { label: "not JSON", raw: "order_id=ord-1", expected: null },
    {
      label: "a long id, cut at 128",
      raw: `{"order_id":"${"x".repeat(200)}"}`,
      expected: "x".repeat(128),
    },
  ])("$label", ({ raw, expected }) => {
    expect(orderIdOf(raw)).toBe(expected);
  });
});
