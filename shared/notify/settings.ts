import type { NotificationCategory, NotificationType } from "./catalog";
import type { LocalWindow } from "./policy";

/** A frequency cap: at most this many messages of a category per local day and ISO week. */
export interface FrequencyCap {
  /** null: no daily cap. */
  perDay: number | null;
  /** null: no weekly cap. */
  perWeek: number | null;
}

/**
 * The operator's notification settings (PUT /admin/v1/notification-settings), read by the
 * notification consumer once a batch. Critical messages are never capped nor digested.
 */
export interface NotificationSettings {
  /** Promotional messages go only inside this local window of the recipient; null: any time. */
  sendWindow: LocalWindow | null;
  caps: Record<Exclude<NotificationCategory, "critical">, FrequencyCap>;
  digest: {
    /** A burst of one digestible type within this many seconds becomes one message. */
    windowSeconds: number;
    types: NotificationType[];
  };
  /** The zone and locale of a user who never set theirs. */
  defaultTimeZone: string;
  defaultLocale: string;
  /**
   * E-mail open and click tracking (docs/notifications.md "Receipts"), off by default: `opens`
   * adds a signed 1×1 pixel (and an HTML part) to e-mails, `clicks` sends their links through a
   * signed redirect. Needs NOTIFY_LINK_KEY and NOTIFY_LINK_BASE_URL.
   */
  emailTracking: { opens: boolean; clicks: boolean };
  /**
   * A transactional push not opened this many hours after it was sent goes out by e-mail
   * instead (the e-mail is held while the push is outstanding); null: off, both go at once.
   */
  escalateUnopenedPushAfterHours: number | null;
}

export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = {
  sendWindow: { startMinute: 9 * 60, endMinute: 21 * 60 },
  caps: {
    transactional: { perDay: null, perWeek: null },
    promotional: { perDay: 2, perWeek: 5 },
  },
  digest: {
    windowSeconds: 60,
    types: ["cashback_earned", "cashback_confirmed", "points_earned"],
  },
  defaultTimeZone: "UTC",
  defaultLocale: "en",
  emailTracking: { opens: false, clicks: false },
  escalateUnopenedPushAfterHours: null,
};

/** Pure: the cap for a category; critical is never capped. */
export function capFor(
  settings: NotificationSettings,
  category: NotificationCategory,
): FrequencyCap {
  return category === "critical" ? { perDay: null, perWeek: null } : settings.caps[category];
}
