import { describe, expect, test } from "vitest";
import { assert, assertNever, InvariantError } from "./assert";

describe("assert", () => {
  test("passes when the condition holds", () => {
    expect(() => assert(1 + 1 === 2, "arithmetic")).not.toThrow();
  });
  test.each([
    ["false", false],
    ["zero", 0],
    ["empty string", ""],
    ["null", null],
    ["undefined", undefined],
  ])("throws an InvariantError on %s", (_label, value) => {
    expect(() => assert(value, "must hold")).toThrow(InvariantError);
    expect(() => assert(value, "must hold")).toThrow("must hold");
  });
  test("assertNever names the unexpected value", () => {
    expect(() => assertNever("mystery" as never, "schedule kind")).toThrow(
      'unexpected schedule kind: "mystery"',
    );
  });
});
