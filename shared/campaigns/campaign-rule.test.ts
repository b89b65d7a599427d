import { describe, expect, test } from "vitest";
import { validateRuleSet } from "../rules/rule-schema";
import {
  type CampaignTerms,
  campaignBudgetKey,
  campaignRule,
  campaignRuleSet,
} from "./campaign-rule";

const terms = (fields: Partial<CampaignTerms> = {}): CampaignTerms => ({
  campaignId: "diwali",
  name: "Diwali",
  offerId: null,
  merchantId: "shopkart",
  category: "fashion",
  userSegment: "vip",
  boostRateBps: 200,
  startsAtMs: 1_800_000_000_000,
  endsAtMs: 1_800_086_400_000,
  budget: { amountMinor: 5_000_000, currency: "INR" },
  ...fields,
});

describe("campaignRule: a campaign as a rule of the engine", () => {
  test("target, segment, rate, category, schedule and budget become the rule's parts", () => {
    expect(campaignRule(terms())).toEqual({
      id: "campaign.diwali",
      name: "Diwali",
      eventTypes: ["offer.clicked"],
      conditions: {
        all: [
          { attr: "event.merchantId", op: "eq", value: "shopkart" },
          { attr: "user.segments", op: "contains_any", value: ["vip"] },
        ],
      },
      effects: [{ kind: "cashback_percent", rateBps: 200, category: "fashion" }],
      priority: 0,
      group: "campaigns",
      schedule: { startsAtMs: 1_800_000_000_000, endsAtMs: 1_800_086_400_000 },
      budgets: [
        {
          entity: "campaign",
          period: "lifetime",
          limit: { amountMinor: 5_000_000, currency: "INR" },
        },
      ],
      campaignId: "diwali",
      active: true,
    });
  });

  test("an offer target wins over its merchant; no segment, category or schedule: none", () => {
    const rule = campaignRule(
      terms({ offerId: "o1", userSegment: null, category: null, startsAtMs: null, endsAtMs: null }),
    );
    expect(rule.conditions).toEqual({ all: [{ attr: "event.offerId", op: "eq", value: "o1" }] });
    expect(rule.effects).toEqual([{ kind: "cashback_percent", rateBps: 200 }]);
    expect(rule.schedule).toEqual({});
  });

  test("what the campaign API accepts is a rule set the engine's validator accepts", () => {
    const longId = "c".repeat(63);
    const result = validateRuleSet(
      campaignRuleSet([terms(), terms({ campaignId: longId, offerId: "o1", active: false })]),
    );
    expect(result.ok ? [] : result.issues).toEqual([]);
  });

  test("its budget key is the rule's campaign budget for the campaign's lifetime", () => {
    expect(campaignBudgetKey("diwali")).toBe("rule:campaign.diwali:campaign:diwali:lifetime");
  });
});
