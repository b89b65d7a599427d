import { and, asc, eq, gt, isNull, or } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { z } from "zod";
import { budgetOf } from "#durable-objects/campaign-budget/index";
import { refreshCachedConfig } from "#shared/config/config-store";
import { MAX_BOOSTS_PER_OFFER } from "#shared/config/offer-config";
import { campaigns, merchants, offers } from "#shared/db/schema";
import type { ApiEnv } from "#shared/env";
import { AppError } from "#shared/http/errors";
import type { CampaignInputSchema } from "../schemas";

/**
 * Campaign writes and reads. A campaign is defined in D1 (the catalog); its budget is spent
 * by its budget object, the single writer (durable-objects/campaign-budget/). An upsert
 * configures the budget object first, then writes D1, then refreshes the cached configs of
 * the offers it boosts (and of those it boosted before), so a click can only carry a
 * campaign whose budget object is ready.
 */

/** Fan-out bound: a merchant-wide campaign refreshes at most this many offers inline. */
const MAX_REFRESH_OFFERS = 1_000;
/** Bound on the campaigns read to decorate the user's offer list. */
const MAX_LIVE_CAMPAIGNS = 1_000;

export type CampaignInput = z.output<typeof CampaignInputSchema>;
export type CampaignRow = typeof campaigns.$inferSelect;

export async function upsertCampaign(env: ApiEnv, id: string, input: CampaignInput) {
  const nowMs = Date.now();
  const db = drizzle(env.DB);
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

  const configured = await budgetOf(env, id).configure({
    campaignId: id,
    currency: input.currency,
    budgetMinor: input.budgetMinor,
  });
  if (configured.status === "below_outstanding") {
    throw new AppError(
      "conflict",
      `budgetMinor cannot go below what is already granted (${configured.totals.outstandingMinor} ${configured.totals.currency})`,
    );
  }
  if (configured.status === "currency_locked") {
    throw new AppError(
      "conflict",
      `the campaign already has reservations in ${configured.totals.currency}; its currency cannot change`,
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
  await db
    .insert(campaigns)
    .values({ ...values, id, createdAtMs: nowMs })
    .onConflictDoUpdate({ target: campaigns.id, set: values });

  const offerIds = new Set([
    ...(await targetOfferIds(env, input)),
    ...(previous ? await targetOfferIds(env, previous) : []),
  ]);
  await refreshCachedConfig(env, { offerIds: [...offerIds], networkIds: [] });
  return getCampaign(env, id);
}

/** The target must exist, and an offer target must be in the campaign's currency. */
async function checkTarget(env: ApiEnv, input: CampaignInput): Promise<void> {
  const db = drizzle(env.DB);
  if (input.offerId !== null) {
    const offer = (
      await db
        .select({ merchantId: offers.merchantId, currency: offers.currency })
        .from(offers)
        .where(eq(offers.id, input.offerId))
        .limit(1)
    )[0];
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
  const merchant = await db
    .select({ id: merchants.id })
    .from(merchants)
    .where(eq(merchants.id, merchantId))
    .limit(1);
  if (merchant.length === 0) {
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
  return (
    await drizzle(env.DB)
      .select({ id: offers.id })
      .from(offers)
      .where(eq(offers.merchantId, target.merchantId))
      .limit(MAX_REFRESH_OFFERS)
  ).map((r) => r.id);
}

async function findCampaign(env: ApiEnv, id: string): Promise<CampaignRow | null> {
  const row = (
    await drizzle(env.DB).select().from(campaigns).where(eq(campaigns.id, id)).limit(1)
  )[0];
  return row ?? null;
}

export async function getCampaign(env: ApiEnv, id: string): Promise<CampaignRow> {
  const row = await findCampaign(env, id);
  if (!row) throw new AppError("not_found", `campaign ${id} not found`);
  return row;
}

export async function listCampaigns(env: ApiEnv): Promise<CampaignRow[]> {
  return drizzle(env.DB).select().from(campaigns).orderBy(campaigns.id).limit(500);
}

/** The budget as its single writer reports it: desired, granted, released, remaining. */
export async function getCampaignBudget(env: ApiEnv, id: string) {
  const campaign = await getCampaign(env, id);
  const totals = await budgetOf(env, id).totals();
  if (!totals) {
    // Only if the upsert failed between D1 and the object; the next PUT configures it.
    return {
      campaignId: id,
      currency: campaign.currency,
      budgetMinor: campaign.budgetMinor,
      desiredMinor: 0,
      grantedMinor: 0,
      remainingMinor: campaign.budgetMinor,
      grantedTotalMinor: 0,
      releasedMinor: 0,
      reservations: 0,
      partialReservations: 0,
      updatedAtMs: null,
    };
  }
  return {
    campaignId: totals.campaignId,
    currency: totals.currency,
    budgetMinor: totals.budgetMinor,
    desiredMinor: totals.desiredMinor,
    grantedMinor: totals.outstandingMinor,
    remainingMinor: totals.remainingMinor,
    grantedTotalMinor: totals.grantedTotalMinor,
    releasedMinor: totals.releasedTotalMinor,
    reservations: totals.reservations,
    partialReservations: totals.partialReservations,
    updatedAtMs: totals.updatedAtMs,
  };
}

/** Active campaigns that have not ended, for decorating the user's offer list. */
export async function listUnendedCampaigns(env: ApiEnv, nowMs: number): Promise<CampaignRow[]> {
  return drizzle(env.DB)
    .select()
    .from(campaigns)
    .where(
      and(
        eq(campaigns.active, true),
        or(isNull(campaigns.endsAtMs), gt(campaigns.endsAtMs, nowMs)),
      ),
    )
    .orderBy(asc(campaigns.id))
    .limit(MAX_LIVE_CAMPAIGNS);
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
