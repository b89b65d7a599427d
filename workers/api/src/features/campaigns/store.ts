import { and, asc, eq, gt, isNull, or, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { campaigns } from "#shared/db/schema";
import type { ApiEnv } from "#shared/env";
import { AppError } from "#shared/http/errors";
import { type CatalogListQuery, catalogListConditions, pageOf } from "../../http/list-query";
import { catalogWriteStatements } from "../discovery/search-index";

/** Campaigns in D1: the catalog of boosts (their budgets live in the budget objects). */

/** Bound on the campaigns read to decorate the user's offer list. */
const MAX_LIVE_CAMPAIGNS = 1_000;

export type CampaignRow = typeof campaigns.$inferSelect;
type CampaignValues = Omit<CampaignRow, "id" | "createdAtMs" | "version">;

/**
 * Creates or replaces one campaign, keyed by the operator's id; `newVersion` raises its rule's
 * version (a write that changes the terms).
 */
export async function saveCampaign(
  env: ApiEnv,
  id: string,
  values: CampaignValues,
  nowMs: number,
  newVersion: boolean,
): Promise<void> {
  const db = drizzle(env.DB);
  await db.batch([
    db
      .insert(campaigns)
      .values({ ...values, id, createdAtMs: nowMs })
      // Every write is a new version of the campaign's rule.
      .onConflictDoUpdate({
        target: campaigns.id,
        set: newVersion ? { ...values, version: sql`${campaigns.version} + 1` } : values,
      }),
    // Boosts show on catalog pages: the cached ones are retired with the write.
    ...catalogWriteStatements(env.DB, [{ kind: "visibility" }], nowMs),
  ]);
}

export async function findCampaign(env: ApiEnv, id: string): Promise<CampaignRow | null> {
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

export type CampaignListQuery = CatalogListQuery & {
  merchantId?: string | undefined;
  offerId?: string | undefined;
};

/** A page of campaigns by id, filtered (list-query.ts), optionally by what they boost. */
export async function listCampaigns(
  env: ApiEnv,
  query: CampaignListQuery,
): Promise<{ items: CampaignRow[]; nextCursor: string | null }> {
  const rows = await drizzle(env.DB)
    .select()
    .from(campaigns)
    .where(
      and(
        ...catalogListConditions(query, {
          id: campaigns.id,
          text: [campaigns.name, campaigns.id],
          active: campaigns.active,
        }),
        query.merchantId === undefined ? undefined : eq(campaigns.merchantId, query.merchantId),
        query.offerId === undefined ? undefined : eq(campaigns.offerId, query.offerId),
      ),
    )
    .orderBy(campaigns.id)
    .limit(query.limit + 1);
  return pageOf(rows, query.limit);
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
