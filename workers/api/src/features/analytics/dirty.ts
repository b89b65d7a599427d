import { type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { signupWeek } from "#shared/analytics/buckets";
import { type DbRouterEnv, globalDb, userIdsByDb } from "#shared/db/router";
import { analyticsDirty } from "#shared/db/schema";
import type { LedgerEventMessage } from "#shared/messages";
import { utcDay } from "#shared/time/clock";
import { type RollupTarget, refreshDays, refreshWeeks, rollupDbs } from "./rollups";

/**
 * Dirty markers (docs/analytics.md "When"): a projection batch does not recompute rollups; it
 * marks the days and signup weeks it touched in `analytics_dirty`, with statements that go into
 * its own D1 batch (one transaction with the projection write), and the ten-minute cron
 * recomputes the marked ones. Every mark bumps the marker's `marks`; the cron deletes a marker
 * only if `marks` is still what it read before refreshing, so a batch that marks a day while
 * the cron recomputes it leaves the marker for the next run: no mark is ever lost.
 */

/**
 * `INSERT INTO analytics_dirty SELECT kind, key, now, 1 FROM <from> WHERE <where> ON CONFLICT
 * bump`: the one shape every mark takes (the builder's insert-select, so it runs in a batch).
 */
function markStatement(
  db: D1Database,
  kind: "day" | "week",
  keySql: SQL,
  from: SQL,
  where: SQL,
  nowMs: number,
) {
  const orm = drizzle(db);
  return orm
    .insert(analyticsDirty)
    .select(
      orm
        .selectDistinct({
          kind: sql<"day" | "week">`${kind}`.as("kind"),
          key: sql<string>`${keySql}`.as("key"),
          markedAtMs: sql<number>`${nowMs}`.as("marked_at_ms"),
          marks: sql<number>`1`.as("marks"),
        })
        .from(from)
        .where(where),
    )
    .onConflictDoUpdate({
      target: [analyticsDirty.kind, analyticsDirty.key],
      // The first mark's time is kept: a day marked by every batch (today) must not sort
      // behind quieter ones in the cron's oldest-first refresh. Clearing compares `marks`.
      set: { marks: sql`${analyticsDirty.marks} + 1` },
    });
}

/** Marks `days` (YYYY-MM-DD, UTC) dirty; null when there is none. */
export function markDaysStatement(
  db: D1Database,
  days: Iterable<string>,
  nowMs: number,
): BatchItem<"sqlite"> | null {
  const list = [...new Set(days)];
  if (list.length === 0) return null;
  return markStatement(
    db,
    "day",
    sql`value`,
    sql`json_each(${JSON.stringify(list)})`,
    sql`true`,
    nowMs,
  );
}

/** The batch's users with a newly paid payout: only a paid payout moves what counts as paid. */
function paidUsersOf(bodies: readonly LedgerEventMessage[]): string[] {
  return bodies
    .filter((b) => b.kind === "payout" && b.payout.status === "paid")
    .map((b) => b.userId);
}

/**
 * The paid users' dirty days must be read after their payouts commit: a conversion confirmed
 * by a concurrent batch after the read is otherwise marked only by that batch, whose mark the
 * rollup cron can clear while the payout is not yet paid, leaving the day's paid figure wrong
 * (docs/scaling.md "D1 router"). Users on the global database: an INSERT … SELECT in the
 * global batch itself (`ledgerDirtyStatements`), one transaction with their payout. Users on
 * the other user databases: this read, one per database (driven from the user list, so it
 * walks `transactions_user_idx`), which the caller runs after those databases' batches commit
 * and before the global batch. A conversion confirmed after it commits after the payout, so
 * the rollup that clears its own mark sees the payout paid.
 */
export async function confirmedDaysOfPaidUsers(
  env: DbRouterEnv,
  bodies: readonly LedgerEventMessage[],
): Promise<string[]> {
  const paidUsers = paidUsersOf(bodies);
  if (paidUsers.length === 0) return [];
  const perDb = await Promise.all(
    [...userIdsByDb(env, paidUsers)]
      .filter(([db]) => db !== globalDb(env))
      .map(async ([db, ids]) => {
        const { results } = await db
          .prepare(
            `SELECT DISTINCT strftime('%Y-%m-%d', t.converted_at_ms / 1000, 'unixepoch') AS day
             FROM json_each(?1) u JOIN transactions t ON t.user_id = u.value
             WHERE t.status = 'confirmed'`,
          )
          .bind(JSON.stringify(ids))
          .all<{ day: string }>();
        return results.map((r) => r.day);
      }),
  );
  return perDb.flat();
}

/**
 * Marks the days of the confirmed conversions of `users` (on the global database), read in
 * the global batch after its own rows (their payouts, their transactions at one database).
 */
function markPaidUsersStatement(db: D1Database, users: readonly string[], nowMs: number) {
  return markStatement(
    db,
    "day",
    sql`strftime('%Y-%m-%d', t.converted_at_ms / 1000, 'unixepoch')`,
    sql`json_each(${JSON.stringify(users)}) u JOIN transactions t ON t.user_id = u.value`,
    sql`t.status = 'confirmed'`,
    nowMs,
  );
}

/**
 * The marker statements for a ledger-events batch, to run last in its global batch: the days
 * of the conversions it projected, the confirmed conversions' days of users whose payouts
 * turned paid, and the signup weeks of every user it touched (transactions, profiles).
 * `signupMsOf` gives a touched user's registration time; `otherDbsPaidDays` the confirmed
 * days of paid users on the other user databases (`confirmedDaysOfPaidUsers`, read after
 * their batches commit); paid users on the global database are read by the batch itself.
 */
export function ledgerDirtyStatements(
  env: DbRouterEnv,
  bodies: readonly LedgerEventMessage[],
  nowMs: number,
  signupMsOf: (userId: string) => number,
  otherDbsPaidDays: readonly string[],
): BatchItem<"sqlite">[] {
  const db = globalDb(env);
  const days = new Set<string>(otherDbsPaidDays);
  const users = new Set<string>();
  for (const body of bodies) {
    if (body.kind === "transaction") {
      days.add(utcDay(body.txn.convertedAtMs));
      users.add(body.userId);
    } else if (body.kind === "profile") {
      users.add(body.userId);
    }
  }
  const statements: BatchItem<"sqlite">[] = [];
  const marked = markDaysStatement(db, days, nowMs);
  if (marked) statements.push(marked);
  const paidHere = userIdsByDb(env, paidUsersOf(bodies)).get(db);
  if (paidHere) statements.push(markPaidUsersStatement(db, paidHere, nowMs));
  const weeks = new Set([...users].map((u) => signupWeek(signupMsOf(u))));
  if (weeks.size > 0) {
    statements.push(
      markStatement(
        db,
        "week",
        sql`value`,
        sql`json_each(${JSON.stringify([...weeks])})`,
        sql`true`,
        nowMs,
      ),
    );
  }
  return statements;
}

interface Marker {
  kind: "day" | "week";
  key: string;
  marks: number;
}

/** Markers one cron run refreshes at most (oldest first); the rest wait for the next run. */
export const DIRTY_PER_RUN = 400;

/**
 * The cron's step: reads the oldest markers, recomputes their days and weeks, then deletes
 * each marker whose `marks` is unchanged since it was read. `afterRead` runs between the read
 * and the refresh (tests use it to mark during a refresh).
 */
export async function refreshDirty(
  target: RollupTarget,
  nowMs: number,
  options: { limit?: number; afterRead?: () => Promise<void> } = {},
) {
  const db = rollupDbs(target).global;
  const { results } = await db
    .prepare(
      "SELECT kind, key, marks FROM analytics_dirty ORDER BY marked_at_ms, kind, key LIMIT ?1",
    )
    .bind(options.limit ?? DIRTY_PER_RUN)
    .all<Marker>();
  if (results.length === 0) return { days: 0, weeks: 0, cleared: 0, kept: 0 };
  await options.afterRead?.();
  const days = await refreshDays(
    target,
    results.filter((m) => m.kind === "day").map((m) => m.key),
    nowMs,
  );
  const weeks = await refreshWeeks(
    target,
    results.filter((m) => m.kind === "week").map((m) => m.key),
    nowMs,
  );
  const cleared = await clearRefreshed(db, results);
  return { days, weeks, cleared, kept: results.length - cleared };
}

/** Deletes the markers not re-marked since they were read; returns how many went. */
export async function clearRefreshed(db: D1Database, read: readonly Marker[]): Promise<number> {
  let cleared = 0;
  for (let i = 0; i < read.length; i += 200) {
    const chunk = read.slice(i, i + 200).map((m) => [m.kind, m.key, m.marks]);
    const result = await db
      .prepare(
        `DELETE FROM analytics_dirty WHERE (kind, key, marks) IN (
           SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
             json_extract(value, '$[2]') FROM json_each(?1))`,
      )
      .bind(JSON.stringify(chunk))
      .run();
    cleared += result.meta.changes ?? 0;
  }
  return cleared;
}
