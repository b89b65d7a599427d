import type { z } from "zod";
import { type BudgetConfigureResult, budgetFor } from "#durable-objects/budget/index";
import { campaignBudgetKey } from "#shared/campaigns/campaign-rule";
import { refreshCachedConfig } from "#shared/config/config-store";
import { MAX_BOOSTS_PER_OFFER } from "#shared/config/offer-config";
import type { ApiEnv } from "#shared/env";
import { AppError } from "#shared/http/errors";
import { merchantExists, offerIdsOfMerchant, offerTarget } from "../catalog/index";
import type { CampaignInputSchema } from "./schemas";
import { type CampaignRow, findCampaign, getCampaign, saveCampaign } from "./store";

/**
 * Campaign writes and reads. A campaign is defined in D1 (the catalog) and is a rule of the
 * rules engine (shared/campaigns/campaign-rule.ts derives it); its budget is its rule's
 * campaign/lifetime budget, spent by that key's budget object, the single writer
 * (durable-objects/budget/). An upsert configures the budget object first, then writes D1,
 * then refreshes the cached configs of the offers it boosts (and of those it boosted before),
 * so a click can only carry a campaign whose budget object is ready.
 */

/** Fan-out bound: a merchant-wide campaign refreshes at most this many offers inline. */
const MAX_REFRESH_OFFERS = 1_000;

export type CampaignInput = z.output<typeof CampaignInputSchema>;

export async function upsertCampaign(env: ApiEnv, id: string, input: CampaignInput) {
  const nowMs = Date.now();
  await checkTarget(env, input);
  const previous = await findCampaign(env, id);
  // Clicks freeze a campaign's boost the moment they happen, so its currency is fixed from
  // creation: changing it would strand every boost already shown.
  if (previous && previous.currency !== input.currency) {
    throw new AppError(
      "conflict",
      `the campaign's currency is ${previous.currency} and cannot change`,
    );
  }

  const budgetKey = campaignBudgetKey(id);
  const configured = await budgetFor(env, budgetKey).configure({
    budgetKey,
    unit: input.currency,
    limit: input.budgetMinor,
    parts: input.budgetParts,
  });
  if (configured.status === "below_outstanding") {
    throw new AppError("conflict", await belowOutstandingDetail(env, budgetKey, configured, input));
  }
  if (configured.status === "unit_mismatch") {
    throw new AppError(
      "conflict",
      `the campaign already has reservations in ${configured.usage?.unit ?? "another currency"}; its currency cannot change`,
    );
  }

  const values = {
    name: input.name,
    active: input.active,
    startsAtMs: input.startsAt ? Date.parse(input.startsAt) : null,
    endsAtMs: input.endsAt ? Date.parse(input.endsAt) : null,
    merchantId: input.merchantId,
    offerId: input.offerId,
    category: input.category,
    userSegment: input.userSegment,
    boostRateBps: input.boostRateBps,
    currency: input.currency,
    budgetMinor: input.budgetMinor,
    updatedAtMs: nowMs,
  };
  // A write that changes nothing keeps the rule's version (a repeated PUT is not a new rule).
  const changed =
    !previous ||
    (Object.keys(values) as (keyof typeof values)[]).some(
      (key) => key !== "updatedAtMs" && previous[key] !== values[key],
    );
  await saveCampaign(env, id, values, nowMs, changed);

  const offerIds = new Set([
    ...(await targetOfferIds(env, input)),
    ...(previous ? await targetOfferIds(env, previous) : []),
  ]);
  await refreshCachedConfig(env, { offerIds: [...offerIds], networkIds: [] });
  return getCampaign(env, id);
}

/** The target must exist, and an offer target must be in the campaign's currency. */
async function checkTarget(env: ApiEnv, input: CampaignInput): Promise<void> {
  if (input.offerId !== null) {
    const offer = await offerTarget(env, input.offerId);
    if (!offer) {
      throw new AppError("validation_failed", "unknown offer", [
        { path: "offerId", message: `offer ${input.offerId} does not exist` },
      ]);
    }
    if (input.merchantId !== null && offer.merchantId !== input.merchantId) {
      throw new AppError("validation_failed", "offer and merchant disagree", [
        { path: "merchantId", message: `offer ${input.offerId} belongs to ${offer.merchantId}` },
      ]);
    }
    if (offer.currency !== input.currency) {
      throw new AppError("validation_failed", "currency mismatch", [
        { path: "currency", message: `offer ${input.offerId} is in ${offer.currency}` },
      ]);
    }
    return;
  }
  const merchantId = input.merchantId as string;
  if (!(await merchantExists(env, merchantId))) {
    throw new AppError("validation_failed", "unknown merchant", [
      { path: "merchantId", message: `merchant ${merchantId} does not exist` },
    ]);
  }
}

async function targetOfferIds(
  env: ApiEnv,
  target: { offerId: string | null; merchantId: string | null },
): Promise<string[]> {
  if (target.offerId !== null) return [target.offerId];
  if (target.merchantId === null) return [];
  return offerIdsOfMerchant(env, target.merchantId, MAX_REFRESH_OFFERS);
}

/**
 * Why a lower budget was refused. The root's outstanding includes what it lent to budget
 * parts and could not take back (a part that did not answer the reclaim), so the summed usage
 * names what users were granted, and the rest is named as lent.
 */
async function belowOutstandingDetail(
  env: ApiEnv,
  budgetKey: string,
  configured: BudgetConfigureResult,
  input: { currency: string },
): Promise<string> {
  const held = configured.usage?.outstanding ?? 0;
  const summed = await budgetFor(env, budgetKey)
    .usage(budgetKey)
    .catch(() => null);
  const granted = Math.min(summed?.outstanding ?? held, held);
  const lent = held - granted;
  const base = `budgetMinor cannot go below what is already granted (${granted} ${input.currency})`;
  return lent > 0
    ? `${base} or lent to budget parts and not given back (${lent} ${input.currency})`
    : base;
}

/** The budget as its single writer reports it: desired, granted, released, remaining. */
export async function getCampaignBudget(env: ApiEnv, id: string) {
  const campaign = await getCampaign(env, id);
  const budgetKey = campaignBudgetKey(id);
  const usage = await budgetFor(env, budgetKey).usage(budgetKey);
  if (!usage) {
    // Only if the upsert failed between D1 and the object; the next PUT configures it.
    return {
      campaignId: id,
      budgetKey,
      currency: campaign.currency,
      budgetMinor: campaign.budgetMinor,
      desiredMinor: 0,
      grantedMinor: 0,
      remainingMinor: campaign.budgetMinor,
      grantedTotalMinor: 0,
      releasedMinor: 0,
      reservations: 0,
      partialReservations: 0,
      budgetParts: 1,
      partial: false,
      updatedAtMs: null,
    };
  }
  return {
    campaignId: id,
    budgetKey,
    currency: usage.unit,
    budgetMinor: usage.limit,
    desiredMinor: usage.askedTotal,
    grantedMinor: usage.outstanding,
    remainingMinor: usage.remaining,
    grantedTotalMinor: usage.grantedTotal,
    releasedMinor: usage.releasedTotal,
    reservations: usage.reservations,
    partialReservations: usage.partialReservations,
    budgetParts: usage.parts,
    partial: usage.partial ?? false,
    updatedAtMs: usage.updatedAtMs,
  };
}

/**
 * The campaigns that boost one offer, by the same rule as the cached offer config
 * (config-store.ts): targeting the offer, or its merchant without naming an offer, in its
 * currency, first MAX_BOOSTS_PER_OFFER by id.
 */
export function campaignsForOffer(
  all: readonly CampaignRow[],
  offer: { id: string; merchantId: string; currency: string },
): CampaignRow[] {
  return all
    .filter(
      (c) =>
        c.currency === offer.currency &&
        (c.offerId === offer.id || (c.offerId === null && c.merchantId === offer.merchantId)),
    )
    .slice(0, MAX_BOOSTS_PER_OFFER);
}
