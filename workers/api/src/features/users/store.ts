import { and, asc, eq, gt, gte, inArray, lt, ne, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { type DbRouterEnv, eachUserDb, userDb, userIdsByDb } from "#shared/db/router";
import { users } from "#shared/db/schema";
import { AppError } from "#shared/http/errors";
import type { KycStatus } from "./schemas";

/**
 * Users in D1: who Boomerang knows, and the operator's KYC verdict for each. A user table
 * spread over the user databases (shared/db/placement.ts `ROUTED`): each user's row lives in
 * `userDb(env, id)`, and this store reaches D1 only through shared/db/router.ts.
 */

export type UserRow = typeof users.$inferSelect;

/** Registers a user or replaces their display name; returns the stored row. */
export async function upsertUser(
  env: DbRouterEnv,
  id: string,
  displayName: string | null,
  nowMs: number,
): Promise<Pick<UserRow, "id" | "displayName" | "createdAtMs">> {
  const row = (
    await drizzle(userDb(env, id))
      .insert(users)
      .values({ id, displayName, createdAtMs: nowMs })
      .onConflictDoUpdate({ target: users.id, set: { displayName } })
      .returning({ id: users.id, displayName: users.displayName, createdAtMs: users.createdAtMs })
  )[0];
  if (!row) throw new Error("user upsert returned no row");
  return row;
}

/**
 * Records the operator's KYC verdict, registering the user if needed. Repeating the same
 * status changes nothing, `kycUpdatedAtMs` included.
 */
export async function setKycStatus(
  env: DbRouterEnv,
  id: string,
  status: KycStatus,
  nowMs: number,
): Promise<void> {
  await drizzle(userDb(env, id))
    .insert(users)
    .values({ id, displayName: null, createdAtMs: nowMs, kycStatus: status, kycUpdatedAtMs: nowMs })
    .onConflictDoUpdate({
      target: users.id,
      set: { kycStatus: status, kycUpdatedAtMs: nowMs },
      // `excluded` is SQLite's name for the proposed row; the builder has no column helper for it.
      setWhere: ne(users.kycStatus, sql.raw("excluded.kyc_status")),
    });
}

/** The user's row, or null for a user Boomerang has not registered. */
export async function readUser(env: DbRouterEnv, userId: string): Promise<UserRow | null> {
  const rows = await drizzle(userDb(env, userId))
    .select()
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  return rows[0] ?? null;
}

/** The user, or a 404 problem: every admin route about one user starts here. */
export async function knownUser(env: DbRouterEnv, userId: string): Promise<UserRow> {
  const user = await readUser(env, userId);
  if (!user) throw new AppError("not_found", "no such user");
  return user;
}

export async function readKyc(
  env: DbRouterEnv,
  userId: string,
): Promise<{ kycStatus: KycStatus; kycUpdatedAtMs: number | null } | null> {
  const row = (
    await drizzle(userDb(env, userId))
      .select({ kycStatus: users.kycStatus, kycUpdatedAtMs: users.kycUpdatedAtMs })
      .from(users)
      .where(eq(users.id, userId))
      .limit(1)
  )[0];
  return row ?? null;
}

/**
 * The user's KYC status; `none` when there is no user row.
 *
 * @example
 * if ((await kycStatusOf(env, userId)) !== "verified") refuse();
 */
export async function kycStatusOf(env: DbRouterEnv, userId: string): Promise<KycStatus> {
  return (await readKyc(env, userId))?.kycStatus ?? "none";
}

/**
 * A `user.signed_up` event's display name (shared/messages.ts ProfileProjection): registers the
 * user and sets the name when the event gives one. A name an operator set later by
 * `PUT /admin/v1/users/{id}` may be overwritten by a re-sent sign-up: the backend owns it.
 */
export function profileStatement(
  env: DbRouterEnv,
  userId: string,
  displayName: string | null,
  nowMs: number,
): { db: D1Database; statements: BatchItem<"sqlite">[] } {
  const db = userDb(env, userId);
  const insert = drizzle(db).insert(users).values({ id: userId, displayName, createdAtMs: nowMs });
  const statement =
    displayName === null
      ? insert.onConflictDoNothing()
      : insert.onConflictDoUpdate({ target: users.id, set: { displayName } });
  return { db, statements: [statement] };
}

/**
 * Registers a user seen in wallet activity, on the user's database, for that database's
 * projection batch; a known user is left alone.
 */
export function registerUserStatement(
  env: DbRouterEnv,
  userId: string,
  nowMs: number,
): { db: D1Database; statements: BatchItem<"sqlite">[] } {
  const db = userDb(env, userId);
  const statement = drizzle(db)
    .insert(users)
    .values({ id: userId, displayName: null, createdAtMs: nowMs })
    .onConflictDoNothing();
  return { db, statements: [statement] };
}

/** Users read per query when gathering signups: bounds each page's rows. */
const SIGNUPS_PER_PAGE = 2_000;

/**
 * Every user registered in [fromMs, toMs) (the cohort rollups' members), in pages: each user
 * database in turn, read in keyset pages by id, so no read and no page is unbounded.
 */
export async function* signupPages(
  env: DbRouterEnv,
  fromMs: number,
  toMs: number,
): AsyncGenerator<Array<{ id: string; createdAtMs: number }>> {
  for (const db of eachUserDb(env)) {
    let after = "";
    for (;;) {
      const page = await drizzle(db)
        .select({ id: users.id, createdAtMs: users.createdAtMs })
        .from(users)
        .where(
          and(gte(users.createdAtMs, fromMs), lt(users.createdAtMs, toMs), gt(users.id, after)),
        )
        .orderBy(asc(users.id))
        .limit(SIGNUPS_PER_PAGE);
      if (page.length > 0) yield page;
      if (page.length < SIGNUPS_PER_PAGE) break;
      after = page[page.length - 1]?.id ?? after;
    }
  }
}

/**
 * When each of `userIds` registered, for those with a row: one read per user database (at
 * most 90 ids a statement, under D1's 100 bound parameters).
 */
export async function signupTimesOf(
  env: DbRouterEnv,
  userIds: readonly string[],
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  await Promise.all(
    [...userIdsByDb(env, userIds)].map(async ([db, ids]) => {
      for (let at = 0; at < ids.length; at += 90) {
        const rows = await drizzle(db)
          .select({ id: users.id, createdAtMs: users.createdAtMs })
          .from(users)
          .where(inArray(users.id, ids.slice(at, at + 90)));
        for (const row of rows) found.set(row.id, row.createdAtMs);
      }
    }),
  );
  return found;
}
