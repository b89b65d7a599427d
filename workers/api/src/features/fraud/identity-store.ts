import { desc, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { riskIdentifiers } from "#shared/db/schema";
import { MAX_COMPOUND_TERMS } from "#shared/fraud/identity-counts";
import { runInBatches } from "../../db/batch";

/**
 * D1 for identity links (`risk_identifiers`, docs/fraud.md "Identity links"). The risk consumer
 * is the one writer; every read is bounded (D1 takes 100 bound parameters a query, and an IP
 * network a whole household or a carrier shares must not turn into a scan). The holder counts,
 * which the wallet's redeem path reads too, are shared code (shared/fraud/identity-counts.ts).
 */

export { holderCounts, MAX_COUNTED_HOLDERS } from "#shared/fraud/identity-counts";

/** One identifier a user was seen with. */
export interface LinkRow {
  kind: string;
  hash: string;
  userId: string;
  seenAtMs: number;
}

/** Rows per insert: five parameters each, under D1's 100 a query. */
const ROWS_PER_INSERT = 19;
/**
 * Records the rows: a new (kind, hash, user) is inserted, a known one has its first-seen moved
 * earlier and its last-seen later. Redelivered or reordered rows change nothing they should
 * not, so the consumer may write a batch twice.
 */
export async function recordLinks(db: D1Database, rows: readonly LinkRow[]): Promise<void> {
  const orm = drizzle(db);
  const statements: BatchItem<"sqlite">[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const chunk = rows.slice(i, i + ROWS_PER_INSERT);
    statements.push(
      orm
        .insert(riskIdentifiers)
        .values(
          chunk.map((r) => ({
            kind: r.kind,
            hash: r.hash,
            userId: r.userId,
            firstSeenMs: r.seenAtMs,
            lastSeenMs: r.seenAtMs,
          })),
        )
        .onConflictDoUpdate({
          target: [riskIdentifiers.kind, riskIdentifiers.hash, riskIdentifiers.userId],
          set: {
            firstSeenMs: sql`min(${riskIdentifiers.firstSeenMs}, excluded.first_seen_ms)`,
            lastSeenMs: sql`max(${riskIdentifiers.lastSeenMs}, excluded.last_seen_ms)`,
          },
        }),
    );
  }
  // One D1 transaction: a batch's links land together or not at all.
  await runInBatches(db, statements);
}

/** A user's identifiers, most recently seen first, at most `rows`. */
export async function identifiersOf(
  db: D1Database,
  userIds: readonly string[],
  rows: number,
): Promise<Array<{ kind: string; hash: string; userId: string }>> {
  if (userIds.length === 0) return [];
  return drizzle(db)
    .select({
      kind: riskIdentifiers.kind,
      hash: riskIdentifiers.hash,
      userId: riskIdentifiers.userId,
    })
    .from(riskIdentifiers)
    .where(inArray(riskIdentifiers.userId, [...userIds]))
    .orderBy(desc(riskIdentifiers.lastSeenMs))
    .limit(rows);
}

/**
 * The other holders of each identifier, at most `perIdentifier` each (most recently seen
 * first), without the users in `exclude`.
 */
export async function holdersOf(
  db: D1Database,
  pairs: ReadonlyArray<{ kind: string; hash: string }>,
  exclude: readonly string[],
  perIdentifier: number,
): Promise<Array<{ kind: string; hash: string; userId: string }>> {
  const orm = drizzle(db);
  const out: Array<{ kind: string; hash: string; userId: string }> = [];
  // Each sub-query binds kind, hash, the excluded ids and its limit: few enough per query,
  // and no more terms than D1 takes in one compound SELECT.
  const perQuery = Math.max(1, Math.min(MAX_COMPOUND_TERMS, Math.floor(90 / (3 + exclude.length))));
  const excluded =
    exclude.length > 0
      ? sql` AND user_id NOT IN (${sql.join(
          exclude.map((u) => sql`${u}`),
          sql`, `,
        )})`
      : sql``;
  for (let i = 0; i < pairs.length; i += perQuery) {
    const parts = pairs
      .slice(i, i + perQuery)
      .map(
        (p) =>
          sql`SELECT * FROM (SELECT kind, hash, user_id AS userId FROM risk_identifiers WHERE kind = ${p.kind} AND hash = ${p.hash}${excluded} ORDER BY last_seen_ms DESC LIMIT ${perIdentifier})`,
      );
    if (parts.length === 0) continue;
    out.push(
      ...(await orm.all<{ kind: string; hash: string; userId: string }>(
        sql.join(parts, sql` UNION ALL `),
      )),
    );
  }
  return out;
}
