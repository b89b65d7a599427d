import { eq, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { type DbRouterEnv, userDb, userIdsByDb } from "#shared/db/router";
import { notificationPreferences } from "#shared/db/schema";
import { NOTIFICATION_CATEGORIES, NOTIFICATION_CHANNELS } from "#shared/notify/catalog";
import { DEFAULT_PREFERENCES, type NotificationPreferences } from "#shared/notify/preferences";

/** D1 binds at most 100 parameters a statement: users are read in chunks below that. */
const USERS_PER_READ = 90;

/**
 * Users' notification preferences in D1. A user table spread over the user databases
 * (shared/db/placement.ts `ROUTED`): each user's row lives in `userDb(env, userId)`; this
 * store and the promotion audience (promotions/segments-store.ts, which joins it with the
 * user's segments in the same database) are the only code that names it.
 */

/**
 * Preferences for many users at once (the notification consumer reads a whole batch's
 * recipients in one go): one read per user database per chunk. A user without a row gets the
 * defaults.
 */
export async function readPreferences(
  env: DbRouterEnv,
  userIds: readonly string[],
  defaults: NotificationPreferences = DEFAULT_PREFERENCES,
): Promise<Map<string, NotificationPreferences>> {
  const unique = [...new Set(userIds)];
  const found = new Map<string, NotificationPreferences>();
  await Promise.all(
    [...userIdsByDb(env, unique)].map(async ([db, ids]) => {
      for (let at = 0; at < ids.length; at += USERS_PER_READ) {
        const rows = await drizzle(db)
          .select()
          .from(notificationPreferences)
          .where(inArray(notificationPreferences.userId, ids.slice(at, at + USERS_PER_READ)));
        for (const row of rows) found.set(row.userId, withDefaults(row.prefs, defaults));
      }
    }),
  );
  return new Map(unique.map((id) => [id, found.get(id) ?? defaults]));
}

/** One user's preferences and when they last changed them (null: never, the defaults). */
export async function readUserPreferences(
  env: DbRouterEnv,
  userId: string,
  defaults: NotificationPreferences = DEFAULT_PREFERENCES,
): Promise<{ prefs: NotificationPreferences; updatedAtMs: number | null }> {
  const row = await drizzle(userDb(env, userId))
    .select()
    .from(notificationPreferences)
    .where(eq(notificationPreferences.userId, userId))
    .get();
  return row
    ? { prefs: withDefaults(row.prefs, defaults), updatedAtMs: row.updatedAtMs }
    : { prefs: defaults, updatedAtMs: null };
}

/** Replaces a user's preferences (the caller validated them). */
export async function writePreferences(
  env: DbRouterEnv,
  userId: string,
  prefs: NotificationPreferences,
  nowMs: number,
): Promise<void> {
  await drizzle(userDb(env, userId))
    .insert(notificationPreferences)
    .values({ userId, prefs, updatedAtMs: nowMs })
    .onConflictDoUpdate({
      target: notificationPreferences.userId,
      set: { prefs, updatedAtMs: nowMs },
    });
}

/**
 * Pure: stored preferences over the defaults, so a category or channel added after the row
 * was written reads as its default instead of as missing.
 */
export function withDefaults(
  stored: Partial<NotificationPreferences>,
  defaults: NotificationPreferences = DEFAULT_PREFERENCES,
): NotificationPreferences {
  const channels = { ...defaults.channels };
  for (const category of NOTIFICATION_CATEGORIES) {
    const row = { ...defaults.channels[category] };
    for (const channel of NOTIFICATION_CHANNELS) {
      const value = stored.channels?.[category]?.[channel];
      if (typeof value === "boolean") row[channel] = value;
    }
    channels[category] = row;
  }
  return {
    timeZone: stored.timeZone ?? defaults.timeZone,
    locale: stored.locale ?? defaults.locale,
    channels,
    promotionalOptIn: stored.promotionalOptIn ?? defaults.promotionalOptIn,
    quietHours: stored.quietHours === undefined ? defaults.quietHours : stored.quietHours,
  };
}
