import { describe, expect, test } from "vitest";
import { liveBoosts, MAX_BOOSTS_PER_OFFER, type OfferBoost } from "./offer-config";

const NOW_MS = 1_800_000_000_000;
const boost = (fields: Partial<OfferBoost>): OfferBoost => ({
  campaignId: "c",
  boostRateBps: 200,
  category: null,
  startsAtMs: null,
  endsAtMs: null,
  userSegment: null,
  ...fields,
});

describe("liveBoosts: what a click freezes", () => {
  test.each([
    { label: "no schedule, no segment", boost: boost({}), segments: [], live: true },
    {
      label: "started exactly now",
      boost: boost({ startsAtMs: NOW_MS }),
      segments: [],
      live: true,
    },
    {
      label: "not started yet",
      boost: boost({ startsAtMs: NOW_MS + 1 }),
      segments: [],
      live: false,
    },
    {
      label: "ends a moment later",
      boost: boost({ endsAtMs: NOW_MS + 1 }),
      segments: [],
      live: true,
    },
    { label: "ended exactly now", boost: boost({ endsAtMs: NOW_MS }), segments: [], live: false },
    {
      label: "segment the user has",
      boost: boost({ userSegment: "vip" }),
      segments: ["new", "vip"],
      live: true,
    },
    {
      label: "segment the user lacks",
      boost: boost({ userSegment: "vip" }),
      segments: ["new"],
      live: false,
    },
  ])("$label", ({ boost: b, segments, live }) => {
    const got = liveBoosts({ boosts: [b] }, NOW_MS, segments);
    expect(got).toEqual(live ? [{ campaignId: "c", boostRateBps: 200, category: null }] : []);
  });

  test("a config cached before campaigns existed has none", () => {
    expect(liveBoosts({}, NOW_MS, [])).toEqual([]);
  });

  test("bounded", () => {
    const many = Array.from({ length: MAX_BOOSTS_PER_OFFER + 3 }, (_, i) =>
      boost({ campaignId: `c${i}` }),
    );
    expect(liveBoosts({ boosts: many }, NOW_MS, [])).toHaveLength(MAX_BOOSTS_PER_OFFER);
  });
});
