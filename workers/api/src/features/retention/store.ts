import { and, asc, eq, gte, inArray, isNotNull, isNull, lt, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { receivedPostbacks } from "#shared/db/schema";

const dialect = new SQLiteSyncDialect();

/**
 * Retention's D1 access to `received_postbacks` (the conversions feature writes the rows;
 * this feature ages them). Every statement touches a bounded number of rows.
 */

function changesOf(result: unknown): number {
  return (result as { meta?: { changes?: number } } | undefined)?.meta?.changes ?? 0;
}

/** Deletes up to `limit` rows of `verdict` received before `beforeMs`; returns how many. */
export async function deleteOldestBefore(
  db: D1Database,
  verdict: "accepted" | "rejected",
  beforeMs: number,
  limit: number,
  only: "any" | "unarchived" = "any",
): Promise<number> {
  const orm = drizzle(db);
  const oldest = orm
    .select({ id: receivedPostbacks.id })
    .from(receivedPostbacks)
    .where(
      and(
        eq(receivedPostbacks.verdict, verdict),
        lt(receivedPostbacks.receivedAtMs, beforeMs),
        only === "unarchived" ? isNull(receivedPostbacks.archiveKey) : undefined,
      ),
    )
    .orderBy(asc(receivedPostbacks.receivedAtMs))
    .limit(limit);
  const result = await orm
    .delete(receivedPostbacks)
    .where(inArray(receivedPostbacks.id, oldest))
    .run();
  return changesOf(result);
}

/**
 * The oldest accepted rows whose body is still in D1, received before `beforeMs`. Through the
 * partial index of exactly those rows (named, so the planner cannot pick the verdict index and
 * walk every archived row older than the cutoff on each run).
 */
export async function unarchivedBefore(
  db: D1Database,
  beforeMs: number,
  limit: number,
): Promise<Array<{ id: string; receivedAtMs: number; rawBody: string }>> {
  const t = receivedPostbacks;
  const query = dialect.sqlToQuery(sql`
    SELECT ${t.id} AS id, ${t.receivedAtMs} AS receivedAtMs, ${t.rawBody} AS rawBody
    FROM ${t} INDEXED BY received_postbacks_unarchived_idx
    WHERE ${t.verdict} = 'accepted' AND ${t.archiveKey} IS NULL AND ${t.receivedAtMs} < ${beforeMs}
    ORDER BY ${t.receivedAtMs}, ${t.id}
    LIMIT ${limit}`);
  const { results } = await db
    .prepare(query.sql)
    .bind(...query.params)
    .all<{ id: string; receivedAtMs: number; rawBody: string }>();
  return results;
}

/**
 * Points each row at its line of the archive object and drops the body from D1, in one
 * batch (one D1 transaction). A row another run archived meanwhile is left as it is: its
 * pointer is just as good.
 */
export async function markArchived(
  db: D1Database,
  key: string,
  ids: readonly string[],
): Promise<number> {
  const orm = drizzle(db);
  const statements = ids.map((id, line) =>
    orm
      .update(receivedPostbacks)
      .set({ rawBody: "", archiveKey: key, archiveLine: line })
      .where(and(eq(receivedPostbacks.id, id), isNull(receivedPostbacks.archiveKey))),
  );
  const [first, ...rest] = statements;
  if (!first) return 0;
  const results = await orm.batch([first, ...rest]);
  return results.reduce((sum, r) => sum + changesOf(r), 0);
}

/** Archive objects that hold bodies of accepted rows received before `beforeMs`. */
export async function archiveKeysBefore(
  db: D1Database,
  beforeMs: number,
  limit: number,
): Promise<string[]> {
  const rows = await drizzle(db)
    .selectDistinct({ key: receivedPostbacks.archiveKey })
    .from(receivedPostbacks)
    .where(
      and(
        eq(receivedPostbacks.verdict, "accepted"),
        lt(receivedPostbacks.receivedAtMs, beforeMs),
        isNotNull(receivedPostbacks.archiveKey),
      ),
    )
    .limit(limit);
  return rows.flatMap((r) => (r.key === null ? [] : [r.key]));
}

/** Whether any row in the object `key` was received at or after `sinceMs` (still kept). */
export async function archiveStillNeeded(
  db: D1Database,
  key: string,
  sinceMs: number,
): Promise<boolean> {
  const row = await drizzle(db)
    .select({ id: receivedPostbacks.id })
    .from(receivedPostbacks)
    .where(and(eq(receivedPostbacks.archiveKey, key), gte(receivedPostbacks.receivedAtMs, sinceMs)))
    .limit(1);
  return row.length > 0;
}

/** Deletes the rows whose bodies are in the object `key`; returns how many. */
export async function deleteArchivedRows(db: D1Database, key: string): Promise<number> {
  const result = await drizzle(db)
    .delete(receivedPostbacks)
    .where(eq(receivedPostbacks.archiveKey, key))
    .run();
  return changesOf(result);
}

/** One received postback, everything kept of it, for the operator. */
export async function findReceivedPostback(db: D1Database, id: string) {
  const rows = await drizzle(db)
    .select()
    .from(receivedPostbacks)
    .where(eq(receivedPostbacks.id, id))
    .limit(1);
  return rows[0] ?? null;
}
