import { and, desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { refreshCachedConfig } from "#shared/config/config-store";
import { heldFeedChanges, merchants, offers } from "#shared/db/schema";
import type { ConfigBindings } from "#shared/env";
import { AppError } from "#shared/http/errors";
import { catalogWriteStatements } from "../discovery/search-index";
import { mergeTerms } from "./feed-store";

/**
 * Feed changes merchant sync held for review (feed-store.ts holds them): listed, approved
 * (applied to the offer, or the new offer created) or dismissed (the same proposal is not held
 * again). Decisions are one D1 batch guarded on `status = 'held'`, so two operators deciding
 * at once apply it at most once and the loser gets 409.
 */

export type HeldFeedChange = typeof heldFeedChanges.$inferSelect;
export type HeldFeedChangeStatus = HeldFeedChange["status"];

/** A network's held changes, newest first, optionally by status. */
export async function listHeldFeedChanges(
  env: ConfigBindings,
  networkId: string,
  filter: { status?: HeldFeedChangeStatus | undefined; limit: number },
): Promise<HeldFeedChange[]> {
  return drizzle(env.DB)
    .select()
    .from(heldFeedChanges)
    .where(
      and(
        eq(heldFeedChanges.networkId, networkId),
        filter.status === undefined ? undefined : eq(heldFeedChanges.status, filter.status),
      ),
    )
    .orderBy(desc(heldFeedChanges.createdAtMs), desc(heldFeedChanges.id))
    .limit(filter.limit);
}

async function heldChange(env: ConfigBindings, networkId: string, id: string) {
  const row = (
    await drizzle(env.DB)
      .select()
      .from(heldFeedChanges)
      .where(and(eq(heldFeedChanges.id, id), eq(heldFeedChanges.networkId, networkId)))
      .limit(1)
  )[0];
  if (!row) throw new AppError("not_found", `held feed change ${id} not found on ${networkId}`);
  if (row.status !== "held") {
    throw new AppError("conflict", `held feed change ${id} is ${row.status}, not held`);
  }
  return row;
}

/**
 * Applies a held change: the proposed rates on the offer (keeping what the operator set that
 * feeds do not carry: exclusions, rate policy, cap), or the new offer created as the feed
 * proposed it. Throws `not_found`, or `conflict` when it is no longer held or its merchant is
 * gone.
 *
 * @example
 * await approveHeldFeedChange(env, "sandbox", "hfc_…", Date.now());
 */
export async function approveHeldFeedChange(
  env: ConfigBindings,
  networkId: string,
  id: string,
  nowMs: number,
): Promise<HeldFeedChange> {
  const change = await heldChange(env, networkId, id);
  const db = drizzle(env.DB);
  const current = (await db.select().from(offers).where(eq(offers.id, change.offerId)).limit(1))[0];
  const { proposed } = change;
  const feedTerms = {
    basis: proposed.cashbackTerms.basis,
    defaultRateBps: proposed.cashbackTerms.defaultRateBps,
    categoryRates: proposed.cashbackTerms.categoryRates,
  };
  const decided = db
    .update(heldFeedChanges)
    .set({ status: "approved", updatedAtMs: nowMs, decidedAtMs: nowMs })
    .where(and(eq(heldFeedChanges.id, id), eq(heldFeedChanges.status, "held")))
    .returning({ id: heldFeedChanges.id });
  let results: unknown[];
  if (current) {
    const cashbackTerms = mergeTerms(current.cashbackTerms, feedTerms);
    results = await db.batch([
      decided,
      db
        .update(offers)
        .set({ cashbackTerms, updatedAtMs: nowMs })
        .where(eq(offers.id, change.offerId)),
      ...catalogWriteStatements(
        env.DB,
        [{ kind: "offer", offerId: change.offerId, cashbackTerms }],
        nowMs,
      ),
    ]);
  } else {
    const merchant = await db
      .select({ id: merchants.id })
      .from(merchants)
      .where(eq(merchants.id, change.merchantId))
      .limit(1);
    if (merchant.length === 0) {
      throw new AppError("conflict", `merchant ${change.merchantId} of the proposed offer is gone`);
    }
    const createdTerms = mergeTerms(null, feedTerms);
    results = await db.batch([
      decided,
      db
        .insert(offers)
        .values({
          id: change.offerId,
          merchantId: change.merchantId,
          title: proposed.title,
          currency: proposed.currency,
          networkOfferRef: proposed.networkOfferRef,
          cashbackTerms: createdTerms,
          returnWindowDays: proposed.returnWindowDays,
          active: proposed.active,
          deactivatedBy: proposed.active ? null : "feed",
          origin: "feed",
          createdAtMs: nowMs,
          updatedAtMs: nowMs,
        })
        .onConflictDoNothing(),
      ...catalogWriteStatements(
        env.DB,
        [{ kind: "offer", offerId: change.offerId, cashbackTerms: createdTerms }],
        nowMs,
      ),
    ]);
  }
  // The guarded update returned nothing: another decision got there first and its batch,
  // not this one, applied the change (this batch's offer write repeats the same terms).
  if ((results[0] as unknown[]).length === 0) {
    throw new AppError("conflict", `held feed change ${id} was decided meanwhile`);
  }
  await refreshCachedConfig(env, { offerIds: [change.offerId], networkIds: [] });
  return { ...change, status: "approved", updatedAtMs: nowMs, decidedAtMs: nowMs };
}

/** Dismisses a held change: the offer keeps its terms, and the same proposal is not held again. */
export async function dismissHeldFeedChange(
  env: ConfigBindings,
  networkId: string,
  id: string,
  nowMs: number,
): Promise<HeldFeedChange> {
  await heldChange(env, networkId, id);
  const updated = await drizzle(env.DB)
    .update(heldFeedChanges)
    .set({ status: "dismissed", updatedAtMs: nowMs, decidedAtMs: nowMs })
    .where(and(eq(heldFeedChanges.id, id), eq(heldFeedChanges.status, "held")))
    .returning();
  const row = updated[0];
  if (!row) throw new AppError("conflict", `held feed change ${id} was decided meanwhile`);
  return row;
}
