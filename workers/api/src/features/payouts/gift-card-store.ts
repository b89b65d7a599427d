import { asc, eq, ne, or, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { giftCardProducts } from "#shared/db/schema";
import type { GiftCardProduct } from "#shared/payouts/types";

/** The operator's gift-card catalog in D1. */

const MAX_PRODUCTS_LISTED = 1_000;

/** SQLite's name for the row an upsert proposes; the builder has no column helper for it. */
const excluded = (column: string) => sql.raw(`excluded.${column}`);

/**
 * Creates or replaces one product. The update happens only when something differs, so a
 * repeated PUT leaves `updatedAtMs` alone. Denominations are stored in ascending order.
 */
export async function saveGiftCard(
  db: D1Database,
  id: string,
  input: { brand: string; currency: string; denominationsMinor: number[]; active: boolean },
  nowMs: number,
): Promise<void> {
  const values = {
    brand: input.brand,
    currency: input.currency,
    denominationsMinor: [...input.denominationsMinor].sort((a, b) => a - b),
    active: input.active,
    updatedAtMs: nowMs,
  };
  await drizzle(db)
    .insert(giftCardProducts)
    .values({ id, ...values, createdAtMs: nowMs })
    .onConflictDoUpdate({
      target: giftCardProducts.id,
      set: values,
      setWhere: or(
        ne(giftCardProducts.brand, excluded("brand")),
        ne(giftCardProducts.currency, excluded("currency")),
        ne(giftCardProducts.denominationsMinor, excluded("denominations_minor")),
        ne(giftCardProducts.active, excluded("active")),
      ),
    });
}

/**
 * The product, active or not; null when there is none with that id.
 *
 * @example
 * const product = await giftCardById(env.DB, body.giftCardId);
 */
export async function giftCardById(db: D1Database, id: string): Promise<GiftCardProduct | null> {
  const row = (
    await drizzle(db).select().from(giftCardProducts).where(eq(giftCardProducts.id, id)).limit(1)
  )[0];
  return row ?? null;
}

/** Products by brand, then id; only the active ones when `activeOnly`. */
export async function listGiftCards(
  db: D1Database,
  activeOnly: boolean,
): Promise<GiftCardProduct[]> {
  return drizzle(db)
    .select()
    .from(giftCardProducts)
    .where(activeOnly ? eq(giftCardProducts.active, true) : undefined)
    .orderBy(asc(giftCardProducts.brand), asc(giftCardProducts.id))
    .limit(MAX_PRODUCTS_LISTED);
}
