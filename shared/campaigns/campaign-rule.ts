import type { BoostSnapshot } from "../money/boost";
import { joinBudgetKey } from "../rules/budget-keys";
import type { CompiledRuleSet } from "../rules/compile";
import type { Condition } from "../rules/conditions";
import type { Evaluation } from "../rules/evaluate";
import type { Rule, RuleSet } from "../rules/rule-schema";

/**
 * A campaign boost is a rule of the one rules engine (docs/rules.md "Campaign boosts"): it
 * listens to `offer.clicked`, its conditions are the campaign's target and segment, its one
 * effect is a `cashback_percent` (optionally for one category), its schedule is the
 * campaign's, and its budget is a campaign/lifetime money budget kept by the generalised
 * budget object. This file derives that rule from the campaign's terms — the same function
 * for the admin API's view, the redirect's evaluation and the user's offer list — so a
 * campaign's boost is decided one way everywhere. Pure: no I/O, no clock.
 */

/** The event a click is evaluated as; only campaign rules listen to it. */
export const CLICK_EVENT_TYPE = "offer.clicked";
/** The system group campaign rules stack in: every live campaign on an offer adds its boost. */
export const CAMPAIGN_GROUP = "campaigns";
const RULE_ID_PREFIX = "campaign.";

/** What a campaign says, as the catalog row or an offer's config carries it. */
export interface CampaignTerms {
  campaignId: string;
  name?: string | undefined;
  /**
   * The target: one offer, or every offer of a merchant. Both absent (an offer config cached
   * before targets were carried): the offer whose config holds the boost.
   */
  offerId?: string | null | undefined;
  merchantId?: string | null | undefined;
  category: string | null;
  userSegment: string | null;
  boostRateBps: number;
  startsAtMs: number | null;
  endsAtMs: number | null;
  active?: boolean | undefined;
  /** The campaign's budget; absent where only the boost is decided (a click). */
  budget?: { amountMinor: number; currency: string } | undefined;
  /** The rule's version (the campaign's, +1 per write); absent on configs cached before. */
  ruleVersion?: number | undefined;
}

/** `campaign.<id>`: the campaign's rule id (ledger entries and budgets name it). */
export const campaignRuleId = (campaignId: string) => `${RULE_ID_PREFIX}${campaignId}`;

/**
 * The budget key of a campaign: its rule's campaign budget for the campaign's lifetime.
 *
 * @example
 * campaignBudgetKey("diwali") // "rule:campaign.diwali:campaign:diwali:lifetime"
 */
export function campaignBudgetKey(campaignId: string): string {
  return joinBudgetKey(campaignRuleId(campaignId), "campaign", campaignId, "lifetime");
}

/**
 * The campaign's rule.
 *
 * @example
 * campaignRule({ campaignId: "diwali", merchantId: "shopkart", offerId: null, category: null,
 *   userSegment: "vip", boostRateBps: 200, startsAtMs: null, endsAtMs: null })
 * // { id: "campaign.diwali", eventTypes: ["offer.clicked"], group: "campaigns",
 * //   conditions: { all: [merchant is shopkart, segments contain vip] },
 * //   effects: [{ kind: "cashback_percent", rateBps: 200 }], … }
 */
export function campaignRule(terms: CampaignTerms): Rule {
  const conditions: Condition[] = [];
  if (terms.offerId) conditions.push({ attr: "event.offerId", op: "eq", value: terms.offerId });
  else if (terms.merchantId) {
    conditions.push({ attr: "event.merchantId", op: "eq", value: terms.merchantId });
  }
  if (terms.userSegment !== null) {
    conditions.push({ attr: "user.segments", op: "contains_any", value: [terms.userSegment] });
  }
  return {
    id: campaignRuleId(terms.campaignId),
    name: terms.name ?? terms.campaignId,
    eventTypes: [CLICK_EVENT_TYPE],
    conditions: { all: conditions },
    effects: [
      {
        kind: "cashback_percent",
        rateBps: terms.boostRateBps,
        ...(terms.category === null ? {} : { category: terms.category }),
      },
    ],
    priority: 0,
    group: CAMPAIGN_GROUP,
    schedule: {
      ...(terms.startsAtMs === null ? {} : { startsAtMs: terms.startsAtMs }),
      ...(terms.endsAtMs === null ? {} : { endsAtMs: terms.endsAtMs }),
    },
    budgets: terms.budget
      ? [
          {
            entity: "campaign",
            period: "lifetime",
            limit: { amountMinor: terms.budget.amountMinor, currency: terms.budget.currency },
          },
        ]
      : [],
    campaignId: terms.campaignId,
    active: terms.active ?? true,
  };
}

/**
 * The campaign rules of one offer as a rule set of their own: one stackable group, schedules
 * in absolute time (UTC; campaign rules have no local-time conditions).
 */
export function campaignRuleSet(terms: readonly CampaignTerms[]): RuleSet {
  return {
    version: 1,
    timeZone: "UTC",
    groups: [{ name: CAMPAIGN_GROUP, mode: "stackable" }],
    rules: terms.map(campaignRule),
  };
}

/** The click (or the viewing of an offer) as the facts campaign rules are evaluated on. */
export interface ClickFacts {
  clickId: string;
  userId: string;
  offerId: string;
  merchantId: string;
  currency: string;
  /** The segments the user's link carries. */
  segments: readonly string[];
  atMs: number;
}

export function clickFacts(click: ClickFacts) {
  return {
    "event.type": CLICK_EVENT_TYPE,
    "event.id": click.clickId,
    "event.occurredAtMs": click.atMs,
    "event.currency": click.currency,
    "event.merchantId": click.merchantId,
    "event.offerId": click.offerId,
    "user.id": click.userId,
    "user.segments": click.segments,
  };
}

/**
 * The boosts an evaluation applied, as a click freezes them: each campaign rule's percentage,
 * category and version, at most `max`, in the engine's order (priority, then rule id).
 */
export function boostsOf(
  compiled: CompiledRuleSet,
  evaluation: Evaluation,
  terms: readonly CampaignTerms[],
  max: number,
): BoostSnapshot[] {
  const boosts: BoostSnapshot[] = [];
  for (const applied of evaluation.applied) {
    const campaignId = compiled.rules.get(applied.ruleId)?.campaignId;
    if (applied.effect.kind !== "cashback_percent" || campaignId === undefined) continue;
    const ruleVersion = terms.find((t) => t.campaignId === campaignId)?.ruleVersion;
    boosts.push({
      campaignId,
      boostRateBps: applied.effect.rateBps,
      category: applied.effect.category ?? null,
      ...(ruleVersion === undefined ? {} : { ruleVersion }),
    });
    if (boosts.length === max) break;
  }
  return boosts;
}

/**
 * What an operator's rule set may not use, because campaigns own it: rule ids `campaign.*`
 * (a campaign's rule and budget key), the group `campaigns`, and the `offer.clicked` event
 * (only campaign rules are evaluated at a click). Issues at their paths, like the engine's.
 *
 * @example
 * reservedForCampaigns({ rules: [{ id: "campaign.x", group: "g", eventTypes: ["purchase.completed"] }] })
 * // [{ path: ["rules", 0, "id"], message: 'rule ids starting "campaign." belong to campaigns' }]
 */
export function reservedForCampaigns(ruleSet: {
  rules: readonly Pick<Rule, "id" | "group" | "eventTypes">[];
}): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  ruleSet.rules.forEach((rule, index) => {
    if (rule.id.startsWith(RULE_ID_PREFIX)) {
      issues.push({
        path: ["rules", index, "id"],
        message: `rule ids starting "${RULE_ID_PREFIX}" belong to campaigns (PUT /admin/v1/campaigns/{id})`,
      });
    }
    if (rule.group === CAMPAIGN_GROUP) {
      issues.push({
        path: ["rules", index, "group"],
        message: `the group "${CAMPAIGN_GROUP}" belongs to campaigns`,
      });
    }
    const clicked = rule.eventTypes.indexOf(CLICK_EVENT_TYPE);
    if (clicked >= 0) {
      issues.push({
        path: ["rules", index, "eventTypes", clicked],
        message: `${CLICK_EVENT_TYPE} is evaluated only for campaign rules: a boost at click time is a campaign`,
      });
    }
  });
  return issues;
}
