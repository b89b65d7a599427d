import { describe, expect, test } from "vitest";
import type { Rule } from "../rules/types";
import { referralCampaignsOf } from "./campaigns";

const rule = (id: string, effects: unknown[], extra: object = {}): Rule =>
  ({
    id,
    name: `Rule ${id}`,
    eventTypes: ["deposit.completed"],
    conditions: { all: [] },
    effects,
    priority: 10,
    group: "base",
    active: true,
    ...extra,
  }) as unknown as Rule;

describe("referralCampaignsOf", () => {
  test.each([
    { label: "no rules: no campaigns", rules: [], ids: [] },
    {
      label: "only rules with a referral reward are campaigns",
      rules: [
        rule("cash", [{ kind: "points_fixed", points: 10 }]),
        rule("ref", [{ kind: "referral_reward", referrer: { points: 300 } }]),
      ],
      ids: ["ref"],
    },
    {
      label: "the rule set's order is kept",
      rules: [
        rule("b", [{ kind: "referral_reward", referee: { points: 1 } }]),
        rule("a", [{ kind: "referral_reward", referee: { points: 1 } }]),
      ],
      ids: ["b", "a"],
    },
  ])("$label", ({ rules, ids }) => {
    expect(referralCampaignsOf(rules).map((c) => c.ruleId)).toEqual(ids);
  });

  test("a campaign carries its rewards, program, schedule and its other terms as text", () => {
    const [campaign] = referralCampaignsOf([
      rule(
        "ref",
        [
          {
            kind: "referral_reward",
            programId: "default",
            referrer: { amountMinor: 1_000, currency: "INR" },
            referee: { points: 50 },
            referrerMonthlyCap: 5,
            partialRefund: "proportional",
          },
        ],
        { active: false, schedule: { startsAtMs: 5 } },
      ),
    ]);
    expect(campaign).toEqual({
      ruleId: "ref",
      name: "Rule ref",
      active: false,
      eventTypes: ["deposit.completed"],
      schedule: { startsAtMs: 5 },
      programId: "default",
      referrer: { amountMinor: 1_000, currency: "INR" },
      referee: { points: 50 },
      terms: ["partialRefund: proportional", "referrerMonthlyCap: 5"],
    });
  });
});
