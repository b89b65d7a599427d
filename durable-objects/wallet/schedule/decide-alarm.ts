/** After a failed outbox flush, the alarm retries it this much later. */
export const OUTBOX_RETRY_MS = 30_000;

/**
 * Pure: when the alarm should fire next; null when nothing waits (the alarm is deleted).
 *
 * @example
 * nextAlarmAtMs({ nextDueAtMs: null, outboxWaiting: true, nowMs: 1_000 }) // 31_000
 */
export function nextAlarmAtMs(state: {
  nextDueAtMs: number | null;
  outboxWaiting: boolean;
  nowMs: number;
}): number | null {
  const candidates = [
    state.nextDueAtMs,
    state.outboxWaiting ? state.nowMs + OUTBOX_RETRY_MS : null,
  ].filter((v): v is number => v !== null);
  return candidates.length === 0 ? null : Math.min(...candidates);
}
