import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { memberSegments, memberSegmentVersions } from "#shared/db/schema";
import type { SegmentsProjection } from "#shared/messages";

/** The segment name that means every member (the users table), not a segment. */
export const ALL_MEMBERS = "*";

/**
 * A member's segments into D1 `member_segments`, guarded by the wallet's version: the version
 * row moves only forward, and the rows are replaced only by the message whose version is the
 * one now stored. A redelivered message rewrites the same rows; an older one changes nothing.
 * The three statements run in the ledger consumer's one batch (one D1 transaction), in order.
 */
export function segmentsProjectionStatements(
  db: D1Database,
  body: SegmentsProjection,
  nowMs: number,
): BatchItem<"sqlite">[] {
  const orm = drizzle(db);
  const current = sql`(SELECT version FROM member_segment_versions WHERE user_id = ${body.userId}) = ${body.version}`;
  return [
    orm
      .insert(memberSegmentVersions)
      .values({ userId: body.userId, version: body.version, updatedAtMs: nowMs })
      .onConflictDoUpdate({
        target: memberSegmentVersions.userId,
        set: { version: body.version, updatedAtMs: nowMs },
        setWhere: sql`excluded.version > ${memberSegmentVersions.version}`,
      }),
    orm.delete(memberSegments).where(and(eq(memberSegments.userId, body.userId), current)),
    orm
      .insert(memberSegments)
      .select(
        sql`SELECT value AS segment, ${body.userId} AS user_id
            FROM json_each(${JSON.stringify(body.segments)}) WHERE ${current}`,
      )
      .onConflictDoNothing(),
  ];
}

/** One member of a send's audience, and whether they opted in to promotional messages. */
export interface AudienceMember {
  userId: string;
  optedIn: boolean;
}

/**
 * The next `limit` members of a segment (or of all members) after `after`, by user id (the
 * keyset: the primary key's order), each with their promotional opt-in read from D1
 * `notification_preferences` in the same query (no row: the default, not opted in).
 */
export async function audiencePage(
  db: D1Database,
  segment: string,
  after: string | null,
  limit: number,
): Promise<AudienceMember[]> {
  const from = after ?? "";
  const statement =
    segment === ALL_MEMBERS
      ? db
          .prepare(
            `SELECT u.id AS user_id,
                    coalesce(json_extract(p.prefs, '$.promotionalOptIn'), 0) AS opted_in
             FROM users u LEFT JOIN notification_preferences p ON p.user_id = u.id
             WHERE u.id > ?1 ORDER BY u.id LIMIT ?2`,
          )
          .bind(from, limit)
      : db
          .prepare(
            `SELECT m.user_id AS user_id,
                    coalesce(json_extract(p.prefs, '$.promotionalOptIn'), 0) AS opted_in
             FROM member_segments m LEFT JOIN notification_preferences p ON p.user_id = m.user_id
             WHERE m.segment = ?1 AND m.user_id > ?2 ORDER BY m.user_id LIMIT ?3`,
          )
          .bind(segment, from, limit);
  const { results } = await statement.all<{ user_id: string; opted_in: number }>();
  return results.map((r) => ({ userId: r.user_id, optedIn: r.opted_in === 1 }));
}

/** How many members a segment (or all members) has now. */
export async function audienceSize(db: D1Database, segment: string): Promise<number> {
  const row =
    segment === ALL_MEMBERS
      ? await db.prepare("SELECT count(*) AS n FROM users").first<{ n: number }>()
      : await db
          .prepare("SELECT count(*) AS n FROM member_segments WHERE segment = ?1")
          .bind(segment)
          .first<{ n: number }>();
  return row?.n ?? 0;
}

/** The segments members have now, with their sizes (the console's picker), largest first. */
export async function listSegments(
  db: D1Database,
  limit: number,
): Promise<Array<{ segment: string; members: number }>> {
  const { results } = await db
    .prepare(
      `SELECT segment, count(*) AS members FROM member_segments
       GROUP BY segment ORDER BY members DESC, segment LIMIT ?1`,
    )
    .bind(limit)
    .all<{ segment: string; members: number }>();
  return results;
}
