import type { NotificationCategory, NotificationChannel, NotificationType } from "./catalog";
import type { NotificationPreferences } from "./preferences";

/** Everything one delivery decision needs; pure input, the clock is an argument. */
export interface DeliveryContext {
  type: NotificationType;
  category: NotificationCategory;
  channel: NotificationChannel;
  nowMs: number;
  prefs: NotificationPreferences;
}

/**
 * What happens to one (event, channel): go now, wait until a time (quiet hours, the
 * promotional send window), or not at all (the channel is off, the user has not opted in).
 */
export type DeliveryDecision =
  | { action: "send" }
  | { action: "defer"; untilMs: number; reason: "quiet_hours" | "send_window" }
  | { action: "skip"; reason: "channel_off" | "not_opted_in" | "capped" };

/**
 * Pure: the decision for one channel of one event. Critical messages go on every channel the
 * user kept on, whatever else is set.
 */
export function decideDelivery(context: DeliveryContext): DeliveryDecision {
  const { category, channel, prefs } = context;
  if (!prefs.channels[category][channel]) return { action: "skip", reason: "channel_off" };
  if (category === "promotional" && !prefs.promotionalOptIn) {
    return { action: "skip", reason: "not_opted_in" };
  }
  return { action: "send" };
}
