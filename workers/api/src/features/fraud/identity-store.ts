import { desc, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { riskIdentifiers } from "#shared/db/schema";
import { linkKeyString } from "#shared/fraud/identity-links";
import { runInBatches } from "../../db/batch";

/**
 * D1 for identity links (`risk_identifiers`, docs/fraud.md "Identity links"). The risk consumer
 * is the one writer; every read is bounded (D1 takes 100 bound parameters a query, and an IP
 * network a whole household or a carrier shares must not turn into a scan).
 */

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
 * Sub-queries joined by UNION ALL in one statement: D1 allows at most 5 terms in a compound
 * SELECT ("too many terms in compound SELECT" beyond), where SQLite's default is 500.
 */
const MAX_COMPOUND_TERMS = 5;
/** Identifiers per counting query: one term each. */
const PAIRS_PER_QUERY = MAX_COMPOUND_TERMS;
/** Holders counted per identifier: the facts saturate here (a shared IP is shared enough). */
export const MAX_COUNTED_HOLDERS = 100;

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

/**
 * How many users hold each identifier (`kind|hash` → count, at most MAX_COUNTED_HOLDERS),
 * one capped sub-query per identifier so a popular one costs no more than a rare one.
 */
export async function holderCounts(
  db: D1Database,
  pairs: ReadonlyArray<{ kind: string; hash: string }>,
): Promise<Map<string, number>> {
  const unique = [...new Map(pairs.map((p) => [linkKeyString(p.kind, p.hash), p])).values()];
  const counts = new Map<string, number>();
  const orm = drizzle(db);
  for (let i = 0; i < unique.length; i += PAIRS_PER_QUERY) {
    const chunk = unique.slice(i, i + PAIRS_PER_QUERY);
    const parts = chunk.map(
      (p) =>
        sql`SELECT ${p.kind} AS kind, ${p.hash} AS hash, (SELECT COUNT(*) FROM (SELECT 1 FROM risk_identifiers WHERE kind = ${p.kind} AND hash = ${p.hash} LIMIT ${MAX_COUNTED_HOLDERS})) AS holders`,
    );
    const rows = await orm.all<{ kind: string; hash: string; holders: number }>(
      sql.join(parts, sql` UNION ALL `),
    );
    for (const r of rows) counts.set(linkKeyString(r.kind, r.hash), Number(r.holders));
  }
  return counts;
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
