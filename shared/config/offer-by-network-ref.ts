import { and, asc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { merchants, offers } from "../db/schema";
import { loadOfferConfig } from "./config-store";
import type { OfferConfig } from "./offer-config";

/**
 * The operator's offer for a network's advertiser/campaign reference: what a sale reported at
 * another merchant than the clicked one is priced by when the network's `offerMismatch` option
 * is `reprice` (docs/postbacks.md, "Which merchant was clicked"). Read from D1, the catalog's
 * source of truth, only on such a mismatch (the postbacks consumer is off the hot path).
 *
 * Exactly one offer must carry the reference: two offers of one network with the same
 * reference (the same campaign listed twice with different terms) are ambiguous, and an
 * ambiguous sale is rejected rather than paid at a guess, so null is returned. `changedAtMs`
 * is when the offer row last changed, so the caller can tell whether its terms are still the
 * ones in force at a click.
 *
 * @example
 * await offerByNetworkRef(env.DB, "impact-us", "1000") // OfferConfig | null
 */
export async function offerByNetworkRef(
  db: D1Database,
  networkId: string,
  networkOfferRef: string,
): Promise<(OfferConfig & { changedAtMs: number }) | null> {
  if (networkOfferRef.length === 0) return null;
  const rows = await drizzle(db)
    .select({ id: offers.id, changedAtMs: offers.updatedAtMs })
    .from(offers)
    .innerJoin(merchants, eq(offers.merchantId, merchants.id))
    .where(and(eq(merchants.networkId, networkId), eq(offers.networkOfferRef, networkOfferRef)))
    .orderBy(asc(offers.id))
    .limit(2);
  const [only, another] = rows;
  if (!only || another) return null;
  const config = await loadOfferConfig(db, only.id);
  return config ? { ...config, changedAtMs: only.changedAtMs } : null;
}
