import { describe, expect, test } from "vitest";
import { decideAccept } from "./decide-accept";

describe("decideAccept", () => {
  test.each([
    { label: "an id never seen", stored: null, digest: "aa", expected: "accepted" },
    {
      label: "the same event again",
      stored: { digest: "aa" },
      digest: "aa",
      expected: "duplicate",
    },
    {
      label: "another body under a used id",
      stored: { digest: "aa" },
      digest: "bb",
      expected: "conflict",
    },
  ])("$label → $expected", ({ stored, digest, expected }) => {
    expect(decideAccept(stored, digest)).toBe(expected);
  });
});
