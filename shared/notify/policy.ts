import { localParts, zoneOffsetMs } from "../rules/local-time";
import type { NotificationCategory, NotificationChannel, NotificationType } from "./catalog";
import type { NotificationPreferences } from "./preferences";

/**
 * A daily local time window in minutes since local midnight, `[startMinute, endMinute)`;
 * `startMinute > endMinute` spans midnight (22:00–08:00 is 1320–480). Equal bounds: empty.
 */
export interface LocalWindow {
  startMinute: number;
  endMinute: number;
}

/** Everything one delivery decision needs; pure input, the clock is an argument. */
export interface DeliveryContext {
  type: NotificationType;
  category: NotificationCategory;
  channel: NotificationChannel;
  nowMs: number;
  prefs: NotificationPreferences;
  /**
   * The operator's promotional send window in the recipient's zone (operator notification
   * settings); absent or null: promotional messages may go at any local time.
   */
  sendWindow?: LocalWindow | null;
}

/**
 * What happens to one (event, channel): go now, wait until a time (quiet hours, the
 * promotional send window), or not at all (the channel is off, the user has not opted in,
 * or the user's quiet hours cover the whole send window so no time is ever allowed).
 */
export type DeliveryDecision =
  | { action: "send" }
  | { action: "defer"; untilMs: number; reason: "quiet_hours" | "send_window" }
  | { action: "skip"; reason: "channel_off" | "not_opted_in" | "capped" | "no_send_time" };

const MS_PER_MINUTE = 60_000;
const MINUTES_PER_DAY = 1_440;

/**
 * Pure: the decision for one channel of one event.
 * - critical: goes on every channel the user kept on, whatever else is set (no quiet hours,
 *   no caps, no digests);
 * - transactional: goes on every channel the user kept on, never deferred;
 * - promotional: needs the opt-in, then waits for the first instant that is outside the
 *   user's quiet hours and inside the operator's send window, both read in the user's IANA
 *   zone (`untilMs` is that exact instant, correct across DST gaps and overlaps).
 * Frequency caps are not decided here: they need a counter (features/notifications/caps.ts).
 */
export function decideDelivery(context: DeliveryContext): DeliveryDecision {
  const { category, channel, prefs, nowMs } = context;
  if (!prefs.channels[category][channel]) return { action: "skip", reason: "channel_off" };
  if (category !== "promotional") return { action: "send" };
  if (!prefs.promotionalOptIn) return { action: "skip", reason: "not_opted_in" };

  const quiet = prefs.quietHours;
  const window = context.sendWindow ?? null;
  const allowed = (minute: number) =>
    (quiet === null || !inWindow(quiet, minute)) && (window === null || inWindow(window, minute));
  const nowMinute = localParts(nowMs, prefs.timeZone).minuteOfDay;
  if (allowed(nowMinute)) return { action: "send" };
  const untilMs = nextAllowedMs(nowMs, prefs.timeZone, allowed);
  if (untilMs === null) return { action: "skip", reason: "no_send_time" };
  const reason = quiet !== null && inWindow(quiet, nowMinute) ? "quiet_hours" : "send_window";
  return { action: "defer", untilMs, reason };
}

/**
 * Pure: whether a local minute of the day falls in a window.
 *
 * @example
 * inWindow({ startMinute: 1320, endMinute: 480 }, 30) // true (00:30 is in 22:00–08:00)
 */
export function inWindow(window: LocalWindow, minute: number): boolean {
  const { startMinute: start, endMinute: end } = window;
  if (start === end) return false;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** Minutes from `minute` to the next local minute of the day that is allowed (≥ 1), or null. */
function minutesUntilAllowed(minute: number, allowed: (m: number) => boolean): number | null {
  for (let step = 1; step <= MINUTES_PER_DAY; step++) {
    if (allowed((minute + step) % MINUTES_PER_DAY)) return step;
  }
  return null;
}

/**
 * Pure: the first instant at or after `nowMs` whose local minute in `timeZone` is allowed, or
 * null when no minute of the day is. Offsets change only on whole UTC minutes, so the answer
 * is `nowMs` or the start of a UTC minute. Local time is walked forward at the current offset;
 * when the offset changes before the candidate (a DST gap or overlap), the walk stops at the
 * change instead: in a gap the first allowed instant may be the change itself (a window
 * opening at 02:30 on a night that skips 02:00–03:00 opens at 03:00), in an overlap local
 * time repeats and the walk goes on from there.
 */
export function nextAllowedMs(
  nowMs: number,
  timeZone: string,
  allowed: (minute: number) => boolean,
): number | null {
  let at = Math.floor(nowMs / MS_PER_MINUTE) * MS_PER_MINUTE;
  // Each turn either answers or passes one offset change; a few a year, two a day at most.
  for (let turn = 0; turn < 8; turn++) {
    const minute = localParts(at, timeZone).minuteOfDay;
    if (allowed(minute)) return Math.max(at, nowMs);
    const steps = minutesUntilAllowed(minute, allowed);
    if (steps === null) return null;
    const offset = zoneOffsetMs(at, timeZone);
    const candidate = at + steps * MS_PER_MINUTE;
    const change = firstOffsetChange(at, candidate, offset, timeZone);
    if (change === null) return candidate;
    at = change;
  }
  return null;
}

/**
 * The first whole UTC minute in `(fromMs, toMs]` whose offset differs from `offset`, or null.
 * At most one change lies in a day, so the offset is a step over the range: binary search.
 */
function firstOffsetChange(
  fromMs: number,
  toMs: number,
  offset: number,
  timeZone: string,
): number | null {
  if (zoneOffsetMs(toMs, timeZone) === offset) return null;
  let low = fromMs / MS_PER_MINUTE; // offset here is `offset`
  let high = toMs / MS_PER_MINUTE; // offset here differs
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (zoneOffsetMs(mid * MS_PER_MINUTE, timeZone) === offset) low = mid;
    else high = mid;
  }
  return high * MS_PER_MINUTE;
}
