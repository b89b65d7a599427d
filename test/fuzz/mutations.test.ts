import { describe, expect, it } from "vitest";
import {
  BODY_MUTATIONS,
  deeplyNested,
  mutateBody,
  mutateValue,
  nodePaths,
  VALUE_MUTATIONS,
} from "./mutations";

/** Each mutation does what its name says, on a fixed input. */

const BODY = {
  amountMinor: 100,
  currency: "INR",
  destination: { id: "dst_abcdefgh" },
  tags: ["a"],
};

describe("mutateValue", () => {
  it.each([
    ["negative-number", 1, 0, { ...BODY, amountMinor: -1 }],
    ["huge-number", 1, 0, { ...BODY, amountMinor: 1e308 }],
    ["odd-number", 1, 0, { ...BODY, amountMinor: 0.5 }],
    ["hostile-string", 0, 1, { ...BODY, currency: "\u0000" }],
    ["missing-field", 0, 0, { currency: "INR", destination: { id: "dst_abcdefgh" }, tags: ["a"] }],
    ["null-field", 1, 0, { ...BODY, currency: null }],
  ] as const)("%s", (kind, a, b, expected) => {
    expect(mutateValue(BODY, kind, a, b)).toEqual(expected);
  });

  it("wrong-type replaces a node with a value of another type", () => {
    const out = mutateValue(BODY, "wrong-type", 1, 0) as Record<string, unknown>;
    expect(typeof out.amountMinor).not.toBe("number");
  });

  it("extra-field adds an own property, even __proto__, without polluting prototypes", () => {
    const out = mutateValue(BODY, "extra-field", 0, 0) as Record<string, unknown>;
    expect(Object.hasOwn(out, "__proto__")).toBe(true);
    expect(JSON.stringify(out)).toContain('"__proto__":{"polluted":true}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("deep-nesting nests at least 1,000 levels", () => {
    const out = mutateValue(BODY, "deep-nesting", 0, 0);
    expect(JSON.stringify(out).split("[").length - 1).toBeGreaterThanOrEqual(500);
    expect(nodePaths(deeplyNested(1, 10))).toHaveLength(11);
  });

  it("long-string makes a string of thousands of characters", () => {
    const out = mutateValue(BODY, "long-string", 0, 0) as Record<string, unknown>;
    expect(String(out.currency).length).toBeGreaterThanOrEqual(4_000);
  });

  it("never changes its input and always gives something for every kind", () => {
    const before = JSON.stringify(BODY);
    for (const kind of VALUE_MUTATIONS) {
      for (let a = 0; a < 6; a++) expect(mutateValue(BODY, kind, a, a)).not.toBeUndefined();
    }
    expect(JSON.stringify(BODY)).toBe(before);
  });
});

describe("mutateBody", () => {
  const json = JSON.stringify(BODY);
  it("truncated cuts the text short", () => {
    expect(mutateBody(json, "truncated", 5, 64).text).toBe(json.slice(0, 5));
  });
  it("oversized is one byte past the bound and still JSON", () => {
    const { text } = mutateBody(json, "oversized", 0, 1024);
    expect(new TextEncoder().encode(text).length).toBe(1025);
    expect(JSON.parse(text as string)).toEqual(BODY);
  });
  it("wrong-content-type keeps the body, changes the type; no-content-type drops it", () => {
    expect(mutateBody(json, "wrong-content-type", 0, 64)).toEqual({
      text: json,
      contentType: "text/plain",
    });
    expect(mutateBody(json, "no-content-type", 0, 64).contentType).toBeUndefined();
  });
  it("every kind gives a body", () => {
    for (const kind of BODY_MUTATIONS)
      expect(mutateBody(json, kind, 3, 64).text).not.toBeUndefined();
  });
});
