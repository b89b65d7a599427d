import type { ReferralPartyReward } from "#shared/rules/index";
import type { Rule } from "../rules/types";

/**
 * Pure: the referral campaigns of a rule set — the rules with a `referral_reward` effect
 * (docs/referrals.md, "Rewards": a campaign is a rule) — each with what it pays and the terms
 * its effect carries beyond the rewards (caps, tiers, account age…), in the rule set's order.
 */

export interface ReferralCampaign {
  ruleId: string;
  name: string;
  active: boolean;
  eventTypes: string[];
  schedule: { startsAtMs?: number | undefined; endsAtMs?: number | undefined };
  programId: string | null;
  referrer: ReferralPartyReward | null;
  referee: ReferralPartyReward | null;
  /** The effect's other fields, as `name: value` text, for the terms column. */
  terms: string[];
}

const REWARD_FIELDS = new Set(["kind", "programId", "referrer", "referee"]);

const termText = (value: unknown) =>
  typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));

/**
 * @example
 * referralCampaignsOf([{ id: "ref", name: "Ref", effects: [{ kind: "referral_reward",
 *   referrer: { points: 300 } }], … }]) // [{ ruleId: "ref", referrer: { points: 300 }, … }]
 */
export function referralCampaignsOf(rules: readonly Rule[]): ReferralCampaign[] {
  const campaigns: ReferralCampaign[] = [];
  for (const rule of rules) {
    const effect = rule.effects.find((e) => e.kind === "referral_reward");
    if (effect?.kind !== "referral_reward") continue;
    const fields = effect as Record<string, unknown>;
    campaigns.push({
      ruleId: rule.id,
      name: rule.name,
      active: rule.active,
      eventTypes: [...rule.eventTypes],
      schedule: rule.schedule ?? {},
      programId: effect.programId ?? null,
      referrer: effect.referrer ?? null,
      referee: effect.referee ?? null,
      terms: Object.keys(fields)
        .filter((k) => !REWARD_FIELDS.has(k) && fields[k] !== undefined && fields[k] !== null)
        .sort()
        .map((k) => `${k}: ${termText(fields[k])}`),
    });
  }
  return campaigns;
}
