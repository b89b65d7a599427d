import { describe, expect, test } from "vitest";
import { MAX_BOOSTS_PER_OFFER, type OfferBoost } from "../config/offer-config";
import { clickBoosts } from "./click-boosts";

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
const click = (segments: string[], offerId = "o1", merchantId = "m1") => ({
  clickId: "click-1",
  userId: "u9",
  offerId,
  merchantId,
  currency: "INR",
  segments,
  atMs: NOW_MS,
});

describe("clickBoosts: what a click freezes, decided by the rules engine", () => {
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
    { label: "targets this offer", boost: boost({ offerId: "o1" }), segments: [], live: true },
    { label: "targets another offer", boost: boost({ offerId: "o2" }), segments: [], live: false },
    {
      label: "targets this offer's merchant",
      boost: boost({ offerId: null, merchantId: "m1" }),
      segments: [],
      live: true,
    },
    {
      label: "targets another merchant",
      boost: boost({ offerId: null, merchantId: "m2" }),
      segments: [],
      live: false,
    },
  ])("$label", ({ boost: b, segments, live }) => {
    const got = clickBoosts({ boosts: [b] }, click(segments));
    expect(got).toEqual(live ? [{ campaignId: "c", boostRateBps: 200, category: null }] : []);
  });

  test("the category and the rule's version travel with the boost", () => {
    const got = clickBoosts(
      { boosts: [boost({ category: "fashion", ruleVersion: 3 })] },
      click([]),
    );
    expect(got).toEqual([
      { campaignId: "c", boostRateBps: 200, category: "fashion", ruleVersion: 3 },
    ]);
  });

  test("every live campaign stacks, in campaign id order", () => {
    const got = clickBoosts(
      { boosts: [boost({ campaignId: "b", boostRateBps: 50 }), boost({ campaignId: "a" })] },
      click([]),
    );
    expect(got.map((b) => b.campaignId)).toEqual(["a", "b"]);
  });

  test("a config cached before campaigns existed has none", () => {
    expect(clickBoosts({}, click([]))).toEqual([]);
  });

  test("bounded", () => {
    const many = Array.from({ length: MAX_BOOSTS_PER_OFFER + 3 }, (_, i) =>
      boost({ campaignId: `c${i}` }),
    );
    expect(clickBoosts({ boosts: many }, click([]))).toHaveLength(MAX_BOOSTS_PER_OFFER);
  });
});
