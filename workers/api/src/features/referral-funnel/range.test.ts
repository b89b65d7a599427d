import { describe, expect, test } from "vitest";
import { funnelRange } from "./range";

const NOW = Date.parse("2026-03-31T12:00:00Z");

describe("funnelRange", () => {
  test.each([
    {
      label: "defaults: the 30 days up to now",
      query: {},
      from: "2026-03-01T12:00:00.000Z",
      to: "2026-03-31T12:00:00.000Z",
    },
    {
      label: "only to: 30 days before it",
      query: { to: "2026-02-01T00:00:00Z" },
      from: "2026-01-02T00:00:00.000Z",
      to: "2026-02-01T00:00:00.000Z",
    },
    {
      label: "both, with an offset",
      query: { from: "2026-03-01T00:00:00+05:30", to: "2026-03-02T00:00:00+05:30" },
      from: "2026-02-28T18:30:00.000Z",
      to: "2026-03-01T18:30:00.000Z",
    },
    {
      label: "exactly 366 days is allowed",
      query: { from: "2025-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z" },
      from: "2025-01-01T00:00:00.000Z",
      to: "2026-01-02T00:00:00.000Z",
    },
  ])("$label", ({ query, from, to }) => {
    const r = funnelRange(query, NOW);
    expect(new Date(r.fromMs).toISOString()).toBe(from);
    expect(new Date(r.toMs).toISOString()).toBe(to);
  });

  test.each([
    { label: "empty", query: { from: "2026-03-01T00:00:00Z", to: "2026-03-01T00:00:00Z" } },
    { label: "inverted", query: { from: "2026-03-02T00:00:00Z", to: "2026-03-01T00:00:00Z" } },
    {
      label: "one day too long",
      query: { from: "2025-01-01T00:00:00Z", to: "2026-01-03T00:00:00Z" },
    },
  ])("refuses a range that is $label, naming from", ({ query }) => {
    expect(() => funnelRange(query, NOW)).toThrow(
      expect.objectContaining({ fields: [expect.objectContaining({ path: "from" })] }),
    );
  });
});
