import { describe, expect, test } from "vitest";
import { getPath, isJsonPath } from "./json-path";

describe("getPath", () => {
  const doc = JSON.parse(
    '{"order":{"id":"A1","items":[{"sku":"S1"}]},"__proto__":{"polluted":true}}',
  ) as unknown;
  test.each([
    { path: "order.id", want: "A1" },
    { path: "order.items[0].sku", want: "S1" },
    { path: "order.items[1].sku", want: undefined },
    { path: "order.missing", want: undefined },
    { path: "order.id.length", want: undefined },
    { path: "order.toString", want: undefined },
    { path: "__proto__.polluted", want: undefined },
    { path: "constructor", want: undefined },
  ])("$path", ({ path, want }) => {
    expect(getPath(doc, path)).toBe(want);
  });
});

test.each([
  { path: "a.b[2].c", want: true },
  { path: "a..b", want: false },
  { path: "a.__proto__", want: false },
  { path: "constructor.prototype", want: false },
  { path: "a[99999]", want: false },
  { path: "", want: false },
])("isJsonPath($path)", ({ path, want }) => {
  expect(isJsonPath(path)).toBe(want);
});
