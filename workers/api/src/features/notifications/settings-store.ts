import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { notificationSettings } from "#shared/db/schema";
import { DEFAULT_PREFERENCES, type NotificationPreferences } from "#shared/notify/preferences";
import { DEFAULT_NOTIFICATION_SETTINGS, type NotificationSettings } from "#shared/notify/settings";

const ROW_ID = "operator";

/**
 * The operator's notification settings: one D1 row read by primary key (the consumer reads
 * it once a batch); the defaults until the operator saves any.
 */
export async function readNotificationSettings(
  db: D1Database,
): Promise<{ settings: NotificationSettings; updatedAtMs: number | null }> {
  const row = await drizzle(db)
    .select()
    .from(notificationSettings)
    .where(eq(notificationSettings.id, ROW_ID))
    .get();
  if (!row) return { settings: DEFAULT_NOTIFICATION_SETTINGS, updatedAtMs: null };
  const stored = row.settings as Partial<NotificationSettings>;
  const d = DEFAULT_NOTIFICATION_SETTINGS;
  return {
    settings: {
      sendWindow: stored.sendWindow === undefined ? d.sendWindow : stored.sendWindow,
      caps: { ...d.caps, ...stored.caps },
      digest: { ...d.digest, ...stored.digest },
      defaultTimeZone: stored.defaultTimeZone ?? d.defaultTimeZone,
      defaultLocale: stored.defaultLocale ?? d.defaultLocale,
      emailTracking: { ...d.emailTracking, ...stored.emailTracking },
      escalateUnopenedPushAfterHours:
        stored.escalateUnopenedPushAfterHours ?? d.escalateUnopenedPushAfterHours,
    },
    updatedAtMs: row.updatedAtMs,
  };
}

/** Replaces the operator's settings (the caller validated them). */
export async function writeNotificationSettings(
  db: D1Database,
  settings: NotificationSettings,
  nowMs: number,
): Promise<void> {
  const value = settings as unknown as Record<string, unknown>;
  await drizzle(db)
    .insert(notificationSettings)
    .values({ id: ROW_ID, settings: value, updatedAtMs: nowMs })
    .onConflictDoUpdate({
      target: notificationSettings.id,
      set: { settings: value, updatedAtMs: nowMs },
    });
}

/** Pure: the preferences of a user who never set any, in the operator's default zone and locale. */
export function defaultPreferencesFor(settings: NotificationSettings): NotificationPreferences {
  return {
    ...DEFAULT_PREFERENCES,
    timeZone: settings.defaultTimeZone,
    locale: settings.defaultLocale,
  };
}
