import type { CampaignBudgetBinding } from "./env";

/** The budget object of one campaign; the id is derived from the campaign id, so no lookup. */
export function budgetOf(env: CampaignBudgetBinding, campaignId: string) {
  return env.CAMPAIGN_BUDGET.get(env.CAMPAIGN_BUDGET.idFromName(campaignId));
}
