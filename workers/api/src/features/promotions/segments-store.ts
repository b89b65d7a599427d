import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { keysetPartsAtHome } from "#shared/db/move-reads";
import { type DbRouterEnv, eachUserDb, userDb } from "#shared/db/router";
import { memberSegments, memberSegmentVersions } from "#shared/db/schema";
import type { SegmentsProjection } from "#shared/messages";

/**
 * Members' segments and the promotion audience in D1. `member_segments` and its version guard
 * `member_segment_versions` are user tables spread over the user databases
 * (shared/db/placement.ts `ROUTED`), beside the user's `users` and `notification_preferences`
 * rows: the audience joins them inside each user database, and a list over all members is
 * a keyset scatter-gather over every user database (shared/db/router.ts).
 */

/** The segment name that means every member (the users table), not a segment. */
export const ALL_MEMBERS = "*";

/**
 * A member's segments into D1 `member_segments`, guarded by the wallet's version: the version
 * row moves only forward, and the rows are replaced only by the message whose version is the
 * one now stored. A redelivered message rewrites the same rows; an older one changes nothing.
 * The three statements run in the ledger consumer's batch for the user's database (one D1
 * transaction), in order: the version row and the segments live in the same database.
 */
export function segmentsProjectionStatements(
  env: DbRouterEnv,
  body: SegmentsProjection,
  nowMs: number,
): { db: D1Database; statements: BatchItem<"sqlite">[] } {
  const db = userDb(env, body.userId);
  const orm = drizzle(db);
  const current = sql`(SELECT version FROM member_segment_versions WHERE user_id = ${body.userId}) = ${body.version}`;
  const statements: BatchItem<"sqlite">[] = [
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
  return { db, statements };
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
 * Keyset scatter-gather: every user database gives its first `limit` members after `after`,
 * and the first `limit` of their merge by id are the page (a member lives in one database, so
 * the next page, after the last id, neither repeats nor skips anyone).
 */
export async function audiencePage(
  env: DbRouterEnv,
  segment: string,
  after: string | null,
  limit: number,
): Promise<AudienceMember[]> {
  // During a flipped move a moved member is in two databases: each keeps its own members.
  const parts = await keysetPartsAtHome<AudienceMember>(
    env,
    eachUserDb(env),
    limit,
    (db, last) => audiencePageIn(db, segment, last?.userId ?? after ?? "", limit),
    (member) => member.userId,
  );
  return parts
    .flat()
    .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0))
    .slice(0, limit);
}

async function audiencePageIn(
  db: D1Database,
  segment: string,
  from: string,
  limit: number,
): Promise<AudienceMember[]> {
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

/** How many members a segment (or all members) has now: each user database's count, summed. */
export async function audienceSize(env: DbRouterEnv, segment: string): Promise<number> {
  const counts = await Promise.all(
    eachUserDb(env).map((db) =>
      segment === ALL_MEMBERS
        ? db.prepare("SELECT count(*) AS n FROM users").first<{ n: number }>()
        : db
            .prepare("SELECT count(*) AS n FROM member_segments WHERE segment = ?1")
            .bind(segment)
            .first<{ n: number }>(),
    ),
  );
  return counts.reduce((total, row) => total + (row?.n ?? 0), 0);
}

/**
 * The segments members have now, with their sizes (the console's picker), largest first.
 * Each user database counts every segment it holds (not only its own largest: a segment
 * second everywhere can be first in the sum), the counts are summed per segment, and the
 * first `limit` of the merge are the answer. Segments are named by the wallet's rules, so
 * there are few of them whatever the number of members.
 */
export async function listSegments(
  env: DbRouterEnv,
  limit: number,
): Promise<Array<{ segment: string; members: number }>> {
  const parts = await Promise.all(
    eachUserDb(env).map((db) =>
      db
        .prepare("SELECT segment, count(*) AS members FROM member_segments GROUP BY segment")
        .all<{ segment: string; members: number }>(),
    ),
  );
  const members = new Map<string, number>();
  for (const { results } of parts) {
    for (const row of results)
      members.set(row.segment, (members.get(row.segment) ?? 0) + row.members);
  }
  return [...members]
    .map(([segment, n]) => ({ segment, members: n }))
    .sort(
      (a, b) =>
        b.members - a.members || (a.segment < b.segment ? -1 : a.segment > b.segment ? 1 : 0),
    )
    .slice(0, limit);
}
