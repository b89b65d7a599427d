import { MS_PER_DAY } from "#shared/time/clock";
import { ATTRIBUTION_WINDOW_DAYS } from "../conversions/decide-conversion";

/** Clicks are kept a week past the attribution window, then pruned by the alarm. */
export const CLICK_RETENTION_DAYS = ATTRIBUTION_WINDOW_DAYS + 7;
export const CLICK_RETENTION_MS = CLICK_RETENTION_DAYS * MS_PER_DAY;
/** Bounds, so no single request or alarm does unbounded work. */
export const MAX_CLICKS_PER_CALL = 500;
export const MAX_PRUNED_PER_RUN = 1_000;

/**
 * Pure: when the prune row is due, given the oldest stored click; null when no click is left
 * (the prune row is removed).
 *
 * @example
 * pruneDueAtMs(0) // CLICK_RETENTION_MS
 */
export function pruneDueAtMs(oldestClickAtMs: number | null): number | null {
  return oldestClickAtMs === null ? null : oldestClickAtMs + CLICK_RETENTION_MS;
}

/** Pure: clicks before this time are past retention as of `asOfMs`. */
export function retentionCutoffMs(asOfMs: number): number {
  return asOfMs - CLICK_RETENTION_MS;
}
