import {
  NOTIFICATION_CATEGORIES,
  NOTIFICATION_CHANNELS,
  type NotificationCategory,
  type NotificationChannel,
} from "./catalog";

/**
 * A user's notification preferences: per category × channel switches, the promotional opt-in,
 * quiet hours and the zone and locale they are read in. Critical and transactional categories
 * cannot be turned off as a whole, only channel by channel (the API refuses a change that
 * turns every channel of them off).
 */
export interface NotificationPreferences {
  /** IANA zone quiet hours and send windows are evaluated in (`Asia/Kolkata`). */
  timeZone: string;
  /** BCP 47 tag templates are chosen by (`en`, `hi-IN`), falling back to the operator's default. */
  locale: string;
  channels: Record<NotificationCategory, Record<NotificationChannel, boolean>>;
  /** Promotional messages are opt-in. */
  promotionalOptIn: boolean;
  /** Local minutes since midnight; start > end spans midnight (22:00–08:00). null: none. */
  quietHours: { startMinute: number; endMinute: number } | null;
}

const allChannels = (on: boolean): Record<NotificationChannel, boolean> =>
  Object.fromEntries(NOTIFICATION_CHANNELS.map((c) => [c, on])) as Record<
    NotificationChannel,
    boolean
  >;

/** What a user who never set anything gets. */
export const DEFAULT_PREFERENCES: NotificationPreferences = {
  timeZone: "UTC",
  locale: "en",
  channels: Object.fromEntries(
    NOTIFICATION_CATEGORIES.map((c) => [c, allChannels(true)]),
  ) as Record<NotificationCategory, Record<NotificationChannel, boolean>>,
  promotionalOptIn: false,
  quietHours: { startMinute: 22 * 60, endMinute: 8 * 60 },
};
