import { eq, ne, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { users } from "#shared/db/schema";
import { AppError } from "#shared/http/errors";
import type { KycStatus } from "./schemas";

/** Users in D1: who Boomerang knows, and the operator's KYC verdict for each. */

export type UserRow = typeof users.$inferSelect;

/** Registers a user or replaces their display name; returns the stored row. */
export async function upsertUser(
  db: D1Database,
  id: string,
  displayName: string | null,
  nowMs: number,
): Promise<Pick<UserRow, "id" | "displayName" | "createdAtMs">> {
  const row = (
    await drizzle(db)
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
  db: D1Database,
  id: string,
  status: KycStatus,
  nowMs: number,
): Promise<void> {
  await drizzle(db)
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
export async function readUser(db: D1Database, userId: string): Promise<UserRow | null> {
  const rows = await drizzle(db).select().from(users).where(eq(users.id, userId)).limit(1);
  return rows[0] ?? null;
}

/** The user, or a 404 problem: every admin route about one user starts here. */
export async function knownUser(db: D1Database, userId: string): Promise<UserRow> {
  const user = await readUser(db, userId);
  if (!user) throw new AppError("not_found", "no such user");
  return user;
}

export async function readKyc(
  db: D1Database,
  userId: string,
): Promise<{ kycStatus: KycStatus; kycUpdatedAtMs: number | null } | null> {
  const row = (
    await drizzle(db)
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
 * if ((await kycStatusOf(env.DB, userId)) !== "verified") refuse();
 */
export async function kycStatusOf(db: D1Database, userId: string): Promise<KycStatus> {
  return (await readKyc(db, userId))?.kycStatus ?? "none";
}

/** Registers a user seen in wallet activity, for a projection batch; a known user is left alone. */
/**
 * A `user.signed_up` event's display name (shared/messages.ts ProfileProjection): registers the
 * user and sets the name when the event gives one. A name an operator set later by
 * `PUT /admin/v1/users/{id}` may be overwritten by a re-sent sign-up: the backend owns it.
 */
export function profileStatement(
  db: D1Database,
  userId: string,
  displayName: string | null,
  nowMs: number,
): BatchItem<"sqlite"> {
  const insert = drizzle(db).insert(users).values({ id: userId, displayName, createdAtMs: nowMs });
  return displayName === null
    ? insert.onConflictDoNothing()
    : insert.onConflictDoUpdate({ target: users.id, set: { displayName } });
}

export function registerUserStatement(
  db: D1Database,
  userId: string,
  nowMs: number,
): BatchItem<"sqlite"> {
  return drizzle(db)
    .insert(users)
    .values({ id: userId, displayName: null, createdAtMs: nowMs })
    .onConflictDoNothing();
}
