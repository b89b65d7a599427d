import { and, eq, gte, lt, or } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { merchants, offers } from "#shared/db/schema";
import type { ConfigBindings } from "#shared/env";
import type { CashbackTerms } from "#shared/money/cashback";
import { feedRecordId } from "#shared/networks/feeds/feed-ids";
import type { OfferFeed, OfferFeedOffer } from "#shared/networks/types";

/**
 * What one merchant sync writes: the feed compared with the network's stored merchants and
 * offers. Only fields the feed owns are compared, and a record is written only when one of
 * them differs, so an identical feed plans no writes at all.
 */

/** Records read per network; more is refused rather than deactivating against a partial list. */
export const MAX_NETWORK_RECORDS = 20_000;

export interface SyncCounts {
  created: number;
  updated: number;
  deactivated: number;
  unchanged: number;
}

export const emptyCounts = (): SyncCounts => ({
  created: 0,
  updated: 0,
  deactivated: 0,
  unchanged: 0,
});

export interface SyncPlan {
  statements: BatchItem<"sqlite">[];
  offers: SyncCounts;
  merchants: SyncCounts;
  /** Offers whose cached config differs after the plan is applied. */
  changedOfferIds: Set<string>;
}

type MerchantRow = typeof merchants.$inferSelect;
type OfferRow = typeof offers.$inferSelect;

/**
 * Compares the feed with the network's records and returns the writes that make them match.
 * Reads every record of the network, plus any record whose id is in the network's id range
 * (an operator-made record there would be taken over: that is refused, not overwritten).
 */
export async function planSync(
  env: ConfigBindings,
  networkId: string,
  feed: OfferFeed,
  nowMs: number,
): Promise<SyncPlan> {
  const db = drizzle(env.DB);
  // Feed ids all start with "<networkId>-"; "." is the character after "-", so this range
  // holds exactly the ids with that prefix.
  const low = `${networkId}-`;
  const high = `${networkId}.`;
  const merchantRows = await db
    .select()
    .from(merchants)
    .where(
      or(eq(merchants.networkId, networkId), and(gte(merchants.id, low), lt(merchants.id, high))),
    )
    .limit(MAX_NETWORK_RECORDS + 1);
  const offerRows = await db
    .select({ offer: offers, networkId: merchants.networkId })
    .from(offers)
    .innerJoin(merchants, eq(offers.merchantId, merchants.id))
    .where(or(eq(merchants.networkId, networkId), and(gte(offers.id, low), lt(offers.id, high))))
    .limit(MAX_NETWORK_RECORDS + 1);
  if (merchantRows.length > MAX_NETWORK_RECORDS || offerRows.length > MAX_NETWORK_RECORDS) {
    // Deactivating against a truncated list would switch off live offers: refuse instead.
    throw new Error(`network ${networkId} has more than ${MAX_NETWORK_RECORDS} records`);
  }
  const existingMerchants = new Map(merchantRows.map((m) => [m.id, m]));
  const existingOffers = new Map(offerRows.map((r) => [r.offer.id, r]));

  const plan: SyncPlan = {
    statements: [],
    offers: emptyCounts(),
    merchants: emptyCounts(),
    changedOfferIds: new Set(),
  };
  const offerStatements: BatchItem<"sqlite">[] = [];
  const seenMerchants = new Set<string>();
  const seenOffers = new Set<string>();
  /** Merchants whose landing URL or active flag changed: every offer config of theirs does. */
  const merchantConfigChanged = new Set<string>();

  for (const feedMerchant of feed.merchants) {
    const merchantId = await feedRecordId(networkId, feedMerchant.id);
    if (seenMerchants.has(merchantId)) {
      throw new Error(`feed merchants ${feedMerchant.id} and another map to one id ${merchantId}`);
    }
    seenMerchants.add(merchantId);
    const desired = { name: feedMerchant.name, landingUrl: feedMerchant.landingUrl, active: true };
    const existing = existingMerchants.get(merchantId);
    if (!existing) {
      plan.merchants.created++;
      plan.statements.push(
        db.insert(merchants).values({
          id: merchantId,
          networkId,
          ...desired,
          createdAtMs: nowMs,
          updatedAtMs: nowMs,
        }),
      );
    } else if (existing.networkId !== networkId) {
      throw new Error(
        `merchant ${merchantId} belongs to network ${existing.networkId}; rename it to sync ${networkId}`,
      );
    } else if (merchantDiffers(existing, desired)) {
      plan.merchants.updated++;
      if (existing.landingUrl !== desired.landingUrl || existing.active !== desired.active) {
        merchantConfigChanged.add(merchantId);
      }
      plan.statements.push(
        db
          .update(merchants)
          .set({ ...desired, updatedAtMs: nowMs })
          .where(eq(merchants.id, merchantId)),
      );
    } else {
      plan.merchants.unchanged++;
    }

    for (const feedOffer of feedMerchant.offers) {
      const offerId = await feedRecordId(networkId, feedMerchant.id, feedOffer.id);
      if (seenOffers.has(offerId)) {
        throw new Error(`feed offers ${feedOffer.id} and another map to one id ${offerId}`);
      }
      seenOffers.add(offerId);
      const current = existingOffers.get(offerId);
      if (current && current.networkId !== networkId) {
        throw new Error(
          `offer ${offerId} belongs to network ${current.networkId}; rename it to sync ${networkId}`,
        );
      }
      const desiredOffer = {
        merchantId,
        title: feedOffer.title,
        currency: feedOffer.currency,
        networkOfferRef: feedOffer.id,
        cashbackTerms: mergeTerms(current?.offer.cashbackTerms ?? null, feedOffer.terms),
        returnWindowDays: feedOffer.returnWindowDays,
        active: feedOffer.active,
      };
      if (!current) {
        plan.offers.created++;
        plan.changedOfferIds.add(offerId);
        offerStatements.push(
          db
            .insert(offers)
            .values({ id: offerId, ...desiredOffer, createdAtMs: nowMs, updatedAtMs: nowMs }),
        );
      } else if (offerDiffers(current.offer, desiredOffer)) {
        plan.offers.updated++;
        plan.changedOfferIds.add(offerId);
        offerStatements.push(
          db
            .update(offers)
            .set({ ...desiredOffer, updatedAtMs: nowMs })
            .where(eq(offers.id, offerId)),
        );
      } else {
        plan.offers.unchanged++;
      }
    }
  }

  for (const existing of merchantRows) {
    if (existing.networkId !== networkId || seenMerchants.has(existing.id)) continue;
    if (!existing.active) {
      plan.merchants.unchanged++;
      continue;
    }
    plan.merchants.deactivated++;
    merchantConfigChanged.add(existing.id);
    plan.statements.push(
      db
        .update(merchants)
        .set({ active: false, updatedAtMs: nowMs })
        .where(eq(merchants.id, existing.id)),
    );
  }
  for (const { offer, networkId: ownerId } of offerRows) {
    if (ownerId !== networkId) continue;
    if (merchantConfigChanged.has(offer.merchantId)) plan.changedOfferIds.add(offer.id);
    if (seenOffers.has(offer.id)) continue;
    if (!offer.active) {
      plan.offers.unchanged++;
      continue;
    }
    plan.offers.deactivated++;
    plan.changedOfferIds.add(offer.id);
    offerStatements.push(
      db.update(offers).set({ active: false, updatedAtMs: nowMs }).where(eq(offers.id, offer.id)),
    );
  }
  // Merchants first: an offer's merchant must exist before the offer is written.
  plan.statements.push(...offerStatements);
  return plan;
}

function merchantDiffers(
  existing: MerchantRow,
  desired: { name: string; landingUrl: string; active: boolean },
): boolean {
  return (
    existing.name !== desired.name ||
    existing.landingUrl !== desired.landingUrl ||
    existing.active !== desired.active
  );
}

function offerDiffers(
  existing: OfferRow,
  desired: {
    merchantId: string;
    title: string;
    currency: string;
    networkOfferRef: string;
    cashbackTerms: CashbackTerms;
    returnWindowDays: number;
    active: boolean;
  },
): boolean {
  return (
    existing.merchantId !== desired.merchantId ||
    existing.title !== desired.title ||
    existing.currency !== desired.currency ||
    existing.networkOfferRef !== desired.networkOfferRef ||
    existing.returnWindowDays !== desired.returnWindowDays ||
    existing.active !== desired.active ||
    canonicalJson(existing.cashbackTerms) !== canonicalJson(desired.cashbackTerms)
  );
}

/**
 * The feed's rates, with the fields feeds do not carry (exclusions, policy, cap) kept from
 * the stored terms. Category keys are sorted so the stored JSON does not depend on the
 * feed's key order.
 */
function mergeTerms(existing: CashbackTerms | null, feed: OfferFeedOffer["terms"]): CashbackTerms {
  const categoryRates = Object.fromEntries(
    Object.entries(feed.categoryRates).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  const terms: CashbackTerms = {
    basis: feed.basis,
    defaultRateBps: feed.defaultRateBps,
    categoryRates,
  };
  if (existing?.excludedCategories !== undefined) {
    terms.excludedCategories = existing.excludedCategories;
  }
  if (existing?.policy !== undefined) terms.policy = existing.policy;
  if (existing?.capMinor !== undefined) terms.capMinor = existing.capMinor;
  return terms;
}

/** JSON with object keys sorted at every level, for order-insensitive comparison. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
            a < b ? -1 : a > b ? 1 : 0,
          ),
        )
      : v,
  );
}
