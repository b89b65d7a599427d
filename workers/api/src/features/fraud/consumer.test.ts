import { describe, expect, test } from "vitest";
import { withSharingFacts } from "#shared/fraud/identity-links";
import type { Observation } from "#shared/fraud/risk-contract";
import { linkRowsOf } from "./consumer";

const base: Observation = { observationId: "o1", userId: "u1", kind: "login", atMs: 1_000 };

describe("linkRowsOf", () => {
  test.each<{ label: string; observations: Observation[]; want: number }>([
    { label: "no identifiers: no rows", observations: [base], want: 0 },
    {
      label: "one row per link identifier",
      observations: [{ ...base, identifiers: { device: "v1.d", ip_prefix: "v1.i" } }],
      want: 2,
    },
    {
      label: "kinds that are not links are not written",
      observations: [{ ...base, identifiers: { device: "v1.d", asn: "v1.a" } }],
      want: 1,
    },
  ])("$label", ({ observations, want }) => {
    expect(linkRowsOf(observations)).toHaveLength(want);
  });
});

describe("withSharingFacts", () => {
  test("adds the sharing facts beside the producer's own", () => {
    const observation = {
      ...base,
      identifiers: { device: "v1.d" },
      facts: { "signal.country": "IN" },
    };
    expect(withSharingFacts(observation, new Map([["device|v1.d", 3]])).facts).toEqual({
      "signal.country": "IN",
      "signal.usersSharingDevice": 2,
    });
  });

  test("an observation without identifiers is passed on as it is", () => {
    expect(withSharingFacts(base, new Map())).toBe(base);
  });
});
