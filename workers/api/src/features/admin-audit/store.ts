import { and, desc, eq, gte, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { adminAuditLog } from "#shared/db/schema";
import { newId } from "#shared/ids";
import { rowValueBefore } from "../../db/keyset";

export type AuditRow = typeof adminAuditLog.$inferSelect;
export type AuditRecord = Omit<AuditRow, "id">;

/** Appends one entry; the id sorts by time. */
export async function appendAuditEntry(db: D1Database, record: AuditRecord): Promise<string> {
  const id = newId("adminAudit", record.atMs);
  await drizzle(db)
    .insert(adminAuditLog)
    .values({ id, ...record });
  return id;
}

export interface AuditFilter {
  actor?: string;
  /** Only paths that start with this. */
  pathPrefix?: string;
  sinceMs?: number;
}

/** Entries newest first, after the keyset position `after`, at most `rows`. */
export async function listAuditEntries(
  db: D1Database,
  filter: AuditFilter,
  after: { atMs: number; id: string } | null,
  rows: number,
): Promise<AuditRow[]> {
  const t = adminAuditLog;
  const conditions = [
    filter.actor === undefined ? undefined : eq(t.actor, filter.actor),
    // A prefix compare with no LIKE, so `_` and `%` in a path mean themselves.
    filter.pathPrefix === undefined
      ? undefined
      : sql`substr(${t.path}, 1, ${filter.pathPrefix.length}) = ${filter.pathPrefix}`,
    filter.sinceMs === undefined ? undefined : gte(t.atMs, filter.sinceMs),
    after ? rowValueBefore([t.atMs, t.id], [after.atMs, after.id]) : undefined,
  ];
  return drizzle(db)
    .select()
    .from(t)
    .where(and(...conditions))
    .orderBy(desc(t.atMs), desc(t.id))
    .limit(rows);
}
