import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { isLinkKind, linkKeyString, withSharingFacts } from "./identity-links";
import type { Observation } from "./risk-contract";

/**
 * How many users hold an identifier, read from D1 `risk_identifiers` (docs/fraud.md "Identity
 * links"). Shared by the risk consumer (after it records a batch's links) and the wallet's
 * redeem path (before it asks the risk object, since a redemption is assessed at once and not
 * through the consumer). Every read is bounded: one capped sub-query per identifier, so an IP
 * network a carrier shares costs what a household's does.
 */

/**
 * Sub-queries joined by UNION ALL in one statement: D1 allows at most 5 terms in a compound
 * SELECT ("too many terms in compound SELECT" beyond), where SQLite's default is 500.
 */
export const MAX_COMPOUND_TERMS = 5;
/** Holders counted per identifier: the facts saturate here (a shared IP is shared enough). */
export const MAX_COUNTED_HOLDERS = 100;

/**
 * How many users hold each identifier (`kind|hash` → count, at most MAX_COUNTED_HOLDERS), one
 * capped sub-query per identifier, five to a statement. With `exceptUserId`, that user's own
 * row is not counted (the count is then of the OTHER holders).
 */
export async function holderCounts(
  db: D1Database,
  pairs: ReadonlyArray<{ kind: string; hash: string }>,
  options: { exceptUserId?: string } = {},
): Promise<Map<string, number>> {
  const unique = [...new Map(pairs.map((p) => [linkKeyString(p.kind, p.hash), p])).values()];
  const counts = new Map<string, number>();
  const orm = drizzle(db);
  const except =
    options.exceptUserId === undefined ? sql`` : sql` AND user_id <> ${options.exceptUserId}`;
  for (let i = 0; i < unique.length; i += MAX_COMPOUND_TERMS) {
    const chunk = unique.slice(i, i + MAX_COMPOUND_TERMS);
    const parts = chunk.map(
      (p) =>
        sql`SELECT ${p.kind} AS kind, ${p.hash} AS hash, (SELECT COUNT(*) FROM (SELECT 1 FROM risk_identifiers WHERE kind = ${p.kind} AND hash = ${p.hash}${except} LIMIT ${MAX_COUNTED_HOLDERS})) AS holders`,
    );
    const rows = await orm.all<{ kind: string; hash: string; holders: number }>(
      sql.join(parts, sql` UNION ALL `),
    );
    for (const r of rows) counts.set(linkKeyString(r.kind, r.hash), Number(r.holders));
  }
  return counts;
}

/**
 * The observation with the sharing facts of the identifiers it carries, read now: how many
 * OTHER users D1 has seen with each (the observation's own user excluded, whether or not its
 * link is recorded yet). One bounded read; none when it carries no link identifier. Throws
 * when D1 does (the caller decides what an unreadable link means).
 *
 * @example
 * await observedWithSharing(env.DB, { …, identifiers: { payment_instrument: "v1.…" } })
 * // facts gain { "signal.usersSharingPayment": 1 } when one other user was paid to it
 */
export async function observedWithSharing(
  db: D1Database,
  observation: Observation,
): Promise<Observation> {
  const pairs = Object.entries(observation.identifiers ?? {})
    .filter(([kind]) => isLinkKind(kind))
    .map(([kind, hash]) => ({ kind, hash }));
  if (pairs.length === 0) return observation;
  const others = await holderCounts(db, pairs, { exceptUserId: observation.userId });
  return withSharingFacts(observation, others, { selfCounted: false });
}
