import { describe, expect, test } from "vitest";
import { assembleFunnel, type FunnelInput } from "./assemble";

const stages = (signups: number, qualified = 0, rewarded = 0) => ({
  signups,
  qualified,
  rewarded,
  held: 0,
  rejected: 0,
  reversed: 0,
});

const BASE: FunnelInput = {
  query: { fromMs: 0, toMs: 86_400_000, ruleId: null, referrerId: null },
  clicks: 10,
  all: stages(4, 2, 1),
  byRule: [
    { ruleId: null, ...stages(2) },
    { ruleId: "ref-a", ...stages(2, 2, 1) },
  ],
  byReferrer: [
    { referrerId: "u1", ...stages(3, 2, 1) },
    { referrerId: "u2", ...stages(1) },
  ],
  referrerClicks: [{ referrerId: "u1", clicks: 7 }],
  timesAll: { grp: null, referrals: 2, medianMs: 1_000, p90Ms: 5_000 },
  timesByRule: [{ grp: "ref-a", referrals: 2, medianMs: 1_000, p90Ms: 5_000 }],
  timesByReferrer: [{ grp: "u1", referrals: 2, medianMs: 1_000, p90Ms: 5_000 }],
};

const NO_TIMES = { referrals: 0, medianMs: null, p90Ms: null };

describe("assembleFunnel", () => {
  test.each([
    {
      label: "totals carry the clicks and the overall times",
      input: BASE,
      check: (f: ReturnType<typeof assembleFunnel>) => {
        expect(f.total).toEqual({
          clicks: 10,
          ...stages(4, 2, 1),
          clickToQualification: { referrals: 2, medianMs: 1_000, p90Ms: 5_000 },
        });
        expect([f.from, f.to]).toEqual(["1970-01-01T00:00:00.000Z", "1970-01-02T00:00:00.000Z"]);
      },
    },
    {
      label: "a campaign without times gets zero referrals and nulls; campaigns have no clicks",
      input: BASE,
      check: (f: ReturnType<typeof assembleFunnel>) => {
        expect(f.byCampaign).toEqual([
          { ruleId: null, ...stages(2), clickToQualification: NO_TIMES },
          {
            ruleId: "ref-a",
            ...stages(2, 2, 1),
            clickToQualification: { referrals: 2, medianMs: 1_000, p90Ms: 5_000 },
          },
        ]);
      },
    },
    {
      label: "a referrer without clicks in the range has 0 clicks",
      input: BASE,
      check: (f: ReturnType<typeof assembleFunnel>) => {
        expect(f.byReferrer.map((r) => [r.referrerId, r.clicks])).toEqual([
          ["u1", 7],
          ["u2", 0],
        ]);
        expect(f.byReferrer[1]?.clickToQualification).toEqual(NO_TIMES);
      },
    },
    {
      label: "filtered to a campaign, clicks are null everywhere",
      input: { ...BASE, query: { ...BASE.query, ruleId: "ref-a" } },
      check: (f: ReturnType<typeof assembleFunnel>) => {
        expect(f.total.clicks).toBeNull();
        expect(f.byReferrer.map((r) => r.clicks)).toEqual([null, null]);
        expect(f.ruleId).toBe("ref-a");
      },
    },
    {
      label: "no referrals at all: zeros, not nulls, for counts",
      input: {
        ...BASE,
        clicks: 0,
        all: null,
        byRule: [],
        byReferrer: [],
        referrerClicks: [],
        timesAll: null,
        timesByRule: [],
        timesByReferrer: [],
      },
      check: (f: ReturnType<typeof assembleFunnel>) => {
        expect(f.total).toEqual({ clicks: 0, ...stages(0), clickToQualification: NO_TIMES });
        expect(f.byCampaign).toEqual([]);
      },
    },
    {
      label: "SQL numbers as strings or floats become integers",
      input: {
        ...BASE,
        timesAll: { grp: null, referrals: "3" as never, medianMs: 1500.4, p90Ms: "9000" as never },
      },
      check: (f: ReturnType<typeof assembleFunnel>) => {
        expect(f.total.clickToQualification).toEqual({
          referrals: 3,
          medianMs: 1500,
          p90Ms: 9000,
        });
      },
    },
  ])("$label", ({ input, check }) => {
    check(assembleFunnel(input));
  });
});
