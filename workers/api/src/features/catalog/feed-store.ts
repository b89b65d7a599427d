import { and, eq, gte, inArray, lt, ne, or } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { heldFeedChanges, merchants, offers } from "#shared/db/schema";
import type { ConfigBindings } from "#shared/env";
import { newId } from "#shared/ids";
import type { CashbackTerms } from "#shared/money/cashback";
import { highestRateBps, needsReview } from "#shared/networks/core/feed-review-options";
import { feedRecordId } from "#shared/networks/feeds/feed-ids";
import type { OfferFeed, OfferFeedOffer } from "#shared/networks/types";
import { type CatalogWrite, catalogWriteStatements } from "../discovery/search-index";

/**
 * What one merchant sync writes: the feed compared with the network's stored merchants and
 * offers. Only fields the feed owns are compared, and a record is written only when one of
 * them differs, so an identical feed plans no writes at all.
 *
 * The operator outranks the feed twice: a merchant or offer the operator switched off
 * (`deactivated_by = 'operator'`) stays off whatever the feed says, and terms with a rate
 * above the network's `maxFeedRateBps` are held in `held_feed_changes` for review instead of
 * applied (the offer keeps its terms; a new offer waits to be created).
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
  /** Offer changes held for review this run (already held ones the feed still proposes count). */
  held: number;
  /** Offers whose cached config differs after the plan is applied. */
  changedOfferIds: Set<string>;
}

/** What the operator set that a sync must respect; read from the network's options. */
export interface SyncReview {
  /** `maxFeedRateBps`: null when the network has none. */
  ceilingBps: number | null;
  /** The run the held changes are recorded under. */
  runId: string | null;
}

/** The feed-owned offer fields a held change proposes (held_feed_changes.proposed). */
export type ProposedOffer = typeof heldFeedChanges.$inferSelect.proposed;

/** Held changes read per network: more than this are left as they are (still held). */
const MAX_OPEN_HELD = 5_000;

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
  review: SyncReview = { ceilingBps: null, runId: null },
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
  // Held and dismissed proposals: a held one the feed still makes stays held, a dismissed one
  // is not held again, a held one the feed no longer makes is superseded.
  const reviewRows = await db
    .select({
      id: heldFeedChanges.id,
      offerId: heldFeedChanges.offerId,
      status: heldFeedChanges.status,
      proposalKey: heldFeedChanges.proposalKey,
    })
    .from(heldFeedChanges)
    .where(
      and(
        eq(heldFeedChanges.networkId, networkId),
        inArray(heldFeedChanges.status, ["held", "dismissed"]),
      ),
    )
    .limit(MAX_OPEN_HELD);
  const reviewed = new Map<string, (typeof reviewRows)[number]>();
  const offersWithHeld = new Set<string>();
  for (const row of reviewRows) {
    reviewed.set(`${row.offerId}\n${row.proposalKey}`, row);
    if (row.status === "held") offersWithHeld.add(row.offerId);
  }

  const plan: SyncPlan = {
    statements: [],
    offers: emptyCounts(),
    merchants: emptyCounts(),
    held: 0,
    changedOfferIds: new Set(),
  };
  const heldStatements: BatchItem<"sqlite">[] = [];
  /** Offers with a proposal held this run: other held proposals of theirs are superseded. */
  const heldThisRun = new Map<string, string>();
  const offerStatements: BatchItem<"sqlite">[] = [];
  const seenMerchants = new Set<string>();
  const seenOffers = new Set<string>();
  /** Merchants whose landing URL or active flag changed: every offer config of theirs does. */
  const merchantConfigChanged = new Set<string>();
  /** What the search index and the catalog cache must follow (discovery's one write path). */
  const indexWrites: CatalogWrite[] = [];

  for (const feedMerchant of feed.merchants) {
    const merchantId = await feedRecordId(networkId, feedMerchant.id);
    if (seenMerchants.has(merchantId)) {
      throw new Error(`feed merchants ${feedMerchant.id} and another map to one id ${merchantId}`);
    }
    seenMerchants.add(merchantId);
    const existing = existingMerchants.get(merchantId);
    // The operator switched it off: it stays off, whatever the feed says.
    const operatorOff = existing?.deactivatedBy === "operator";
    const desired = {
      name: feedMerchant.name,
      landingUrl: feedMerchant.landingUrl,
      active: !operatorOff,
      deactivatedBy: operatorOff ? ("operator" as const) : null,
    };
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
      indexWrites.push(
        existing.name !== desired.name
          ? { kind: "merchant", merchantId }
          : { kind: "merchant_visibility", merchantId },
      );
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
      const operatorOff = current?.offer.deactivatedBy === "operator";
      const feedTerms = mergeTerms(current?.offer.cashbackTerms ?? null, feedOffer.terms);
      const desiredOffer = {
        merchantId,
        title: feedOffer.title,
        currency: feedOffer.currency,
        networkOfferRef: feedOffer.id,
        cashbackTerms: feedTerms,
        returnWindowDays: feedOffer.returnWindowDays,
        // The operator switched it off: it stays off, whatever the feed says.
        active: feedOffer.active && !operatorOff,
        deactivatedBy: operatorOff
          ? ("operator" as const)
          : feedOffer.active
            ? null
            : ("feed" as const),
        origin: "feed" as const,
      };
      const termsChanged =
        !current || canonicalJson(current.offer.cashbackTerms) !== canonicalJson(feedTerms);
      if (
        needsReview({ ceilingBps: review.ceilingBps, proposed: feedTerms, changed: termsChanged })
      ) {
        const proposalKey = canonicalJson(feedTerms);
        const known = reviewed.get(`${offerId}\n${proposalKey}`);
        if (known?.status !== "dismissed") {
          plan.held++;
          heldThisRun.set(offerId, proposalKey);
          heldStatements.push(
            heldChangeStatement(env, {
              networkId,
              offerId,
              merchantId,
              proposalKey,
              proposed: {
                title: desiredOffer.title,
                currency: desiredOffer.currency,
                networkOfferRef: desiredOffer.networkOfferRef,
                cashbackTerms: feedTerms,
                returnWindowDays: desiredOffer.returnWindowDays,
                active: feedOffer.active,
              },
              previousTerms: current?.offer.cashbackTerms ?? null,
              maxRateBps: highestRateBps(feedTerms),
              ceilingBps: review.ceilingBps ?? 0,
              runId: review.runId,
              nowMs,
            }),
          );
        }
        // A new offer waits for approval; an existing one keeps its terms meanwhile.
        if (!current) continue;
        desiredOffer.cashbackTerms = current.offer.cashbackTerms;
      }
      if (!current) {
        plan.offers.created++;
        plan.changedOfferIds.add(offerId);
        indexWrites.push({ kind: "offer", offerId, cashbackTerms: desiredOffer.cashbackTerms });
        offerStatements.push(
          db
            .insert(offers)
            .values({ id: offerId, ...desiredOffer, createdAtMs: nowMs, updatedAtMs: nowMs }),
        );
      } else if (offerDiffers(current.offer, desiredOffer)) {
        plan.offers.updated++;
        plan.changedOfferIds.add(offerId);
        indexWrites.push({ kind: "offer", offerId, cashbackTerms: desiredOffer.cashbackTerms });
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
    indexWrites.push({ kind: "merchant_visibility", merchantId: existing.id });
    plan.statements.push(
      db
        .update(merchants)
        .set({ active: false, deactivatedBy: "feed", updatedAtMs: nowMs })
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
    indexWrites.push({ kind: "offer", offerId: offer.id, cashbackTerms: offer.cashbackTerms });
    offerStatements.push(
      db
        .update(offers)
        .set({ active: false, deactivatedBy: "feed", updatedAtMs: nowMs })
        .where(eq(offers.id, offer.id)),
    );
  }
  // A held proposal the feed no longer makes is superseded (by the newer proposal, by terms
  // that applied below the ceiling, or by the offer leaving the feed).
  for (const offerId of offersWithHeld) {
    const keep = heldThisRun.get(offerId);
    heldStatements.push(
      db
        .update(heldFeedChanges)
        .set({ status: "superseded", updatedAtMs: nowMs, decidedAtMs: nowMs })
        .where(
          and(
            eq(heldFeedChanges.offerId, offerId),
            eq(heldFeedChanges.status, "held"),
            keep === undefined ? undefined : ne(heldFeedChanges.proposalKey, keep),
          ),
        ),
    );
  }
  // Merchants first: an offer's merchant must exist before the offer is written. The search
  // documents after both (they read them); an identical feed still writes nothing.
  const indexStatements =
    indexWrites.length > 0 ? catalogWriteStatements(env.DB, indexWrites, nowMs) : [];
  plan.statements.push(...offerStatements, ...indexStatements, ...heldStatements);
  return plan;
}

/**
 * Records a held proposal: new, or the same proposal held again (after an approval was undone
 * by a later feed), or refreshed while still held. Keyed by (offer, proposal).
 */
function heldChangeStatement(
  env: ConfigBindings,
  change: {
    networkId: string;
    offerId: string;
    merchantId: string;
    proposalKey: string;
    proposed: ProposedOffer;
    previousTerms: CashbackTerms | null;
    maxRateBps: number;
    ceilingBps: number;
    runId: string | null;
    nowMs: number;
  },
) {
  const { nowMs, ...fields } = change;
  return drizzle(env.DB)
    .insert(heldFeedChanges)
    .values({
      id: newId("heldFeedChange", nowMs),
      ...fields,
      status: "held",
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
    })
    .onConflictDoUpdate({
      target: [heldFeedChanges.offerId, heldFeedChanges.proposalKey],
      set: {
        status: "held",
        proposed: fields.proposed,
        previousTerms: fields.previousTerms,
        ceilingBps: fields.ceilingBps,
        runId: fields.runId,
        updatedAtMs: nowMs,
        decidedAtMs: null,
      },
    });
}

function merchantDiffers(
  existing: MerchantRow,
  desired: {
    name: string;
    landingUrl: string;
    active: boolean;
    deactivatedBy: MerchantRow["deactivatedBy"];
  },
): boolean {
  return (
    existing.name !== desired.name ||
    existing.landingUrl !== desired.landingUrl ||
    existing.active !== desired.active ||
    existing.deactivatedBy !== desired.deactivatedBy
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
    deactivatedBy: OfferRow["deactivatedBy"];
    origin: OfferRow["origin"];
  },
): boolean {
  return (
    existing.deactivatedBy !== desired.deactivatedBy ||
    existing.origin !== desired.origin ||
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
export function mergeTerms(
  existing: CashbackTerms | null,
  feed: OfferFeedOffer["terms"],
): CashbackTerms {
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
