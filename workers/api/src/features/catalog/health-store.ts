import { eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { networkHealth } from "#shared/db/schema";

/**
 * A network's health row: the merchant-sync breaker that hides its offers while open. The
 * catalog owns it because it decides which offers are visible (here and in the cached
 * configs); the sync feature decides its value and writes it through these functions.
 */

export type NetworkHealthRow = typeof networkHealth.$inferInsert;

/** The stored row, or null for a network that never synced. */
export async function networkHealthRow(
  db: D1Database,
  networkId: string,
): Promise<typeof networkHealth.$inferSelect | null> {
  const row = (
    await drizzle(db)
      .select()
      .from(networkHealth)
      .where(eq(networkHealth.networkId, networkId))
      .limit(1)
  )[0];
  return row ?? null;
}

/** The upsert of one network's health, to run alone or inside a sync's batch. */
export function saveNetworkHealth(db: D1Database, row: NetworkHealthRow): BatchItem<"sqlite"> {
  return drizzle(db)
    .insert(networkHealth)
    .values(row)
    .onConflictDoUpdate({ target: networkHealth.networkId, set: row });
}
