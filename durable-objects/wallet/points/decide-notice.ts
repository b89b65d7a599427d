import { MS_PER_DAY } from "#shared/time/clock";

/** Members hear about expiring points this many days before (the seed's 30/7/1). */
export const NOTICE_DAYS = [30, 7, 1] as const;

export interface NoticeDecision {
  /** The notice to send now (days before expiry), or null. */
  sendDays: number | null;
  /** When the lot's next notice falls due; null when none is left. */
  nextAtMs: number | null;
}

/**
 * Pure: which expiry notice a lot owes at `nowMs`, given the last one sent (`sentDays`, null
 * for none). Only the nearest notice that has come due is sent: a lot earned five days before
 * its expiry gets the 1-day notice in time, not a late 30- and 7-day one. Nothing is sent for a
 * lot that has already expired.
 *
 * @example
 * decideNotice(100 * MS_PER_DAY, null, 75 * MS_PER_DAY) // { sendDays: 30, nextAtMs: 93 * MS_PER_DAY }
 */
export function decideNotice(
  expiresAtMs: number,
  sentDays: number | null,
  nowMs: number,
  days: readonly number[] = NOTICE_DAYS,
): NoticeDecision {
  if (expiresAtMs <= nowMs) return { sendDays: null, nextAtMs: null };
  const open = [...days].sort((a, b) => b - a).filter((d) => sentDays === null || d < sentDays);
  const due = open.filter((d) => expiresAtMs - d * MS_PER_DAY <= nowMs);
  const sendDays = due.length > 0 ? Math.min(...due) : null;
  const after = open.filter((d) => (sendDays === null ? true : d < sendDays));
  const next = after.find((d) => expiresAtMs - d * MS_PER_DAY > nowMs);
  return { sendDays, nextAtMs: next === undefined ? null : expiresAtMs - next * MS_PER_DAY };
}

/**
 * Pure: when a new lot's first notice is due: now, if one is already due (a lot earned close
 * to its expiry), else the first mark ahead; null when none is left.
 *
 * @example
 * firstNoticeAtMs(100 * MS_PER_DAY, 0) // 70 * MS_PER_DAY
 */
export function firstNoticeAtMs(expiresAtMs: number, nowMs: number): number | null {
  const decision = decideNotice(expiresAtMs, null, nowMs);
  return decision.sendDays !== null ? nowMs : decision.nextAtMs;
}
