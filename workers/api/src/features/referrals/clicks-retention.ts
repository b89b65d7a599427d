import { type DbRouterEnv, eachUserDbFrom, globalDb } from "#shared/db/router";
import { referralProgramFromD1 } from "#shared/referrals/live-program-settings";
import {
  DEFAULT_REFERRAL_PROGRAM,
  type ReferralProgramSettings,
} from "#shared/referrals/program-settings";
import { deleteClicksBefore } from "./clicks-store";

/**
 * Retention of D1 `referral_clicks` (docs/referrals.md, "Referral clicks"): a click older than
 * the longest attribution window can no longer attribute anyone (a token's click is checked
 * against `windowDays`, a fingerprint match against the shorter probabilistic window), so it
 * is deleted, a week after that so a signup event that arrives late still finds its click.
 * Runs on the retention cron, bounded per run; the oldest go first. The clicks are spread over
 * the user databases (by referrer, clicks-store.ts): one budget a run is shared by all of
 * them, starting one database further each run (`eachUserDbFrom`), so a database that always
 * fills the budget cannot keep the others from ever being pruned.
 */

const DAY_MS = 86_400_000;
/** Kept past the window for signups delivered late. */
export const REFERRAL_CLICK_GRACE_DAYS = 7;
/** Rows per DELETE and DELETEs per run: 10,000 clicks a run, every 15 minutes. */
const RUN_INTERVAL_MS = 15 * 60_000;
const ROWS_PER_DELETE = 2_000;
const DELETES_PER_RUN = 5;

/**
 * Pure: clicks before this instant are past every attribution window (plus the grace).
 *
 * @example
 * referralClickCutoffMs({ windowDays: 30, probabilisticWindowHours: 2 }, 100 * 86_400_000)
 * // 63 * 86_400_000 (30 days of window, 7 of grace)
 */
export function referralClickCutoffMs(
  attribution: Pick<
    ReferralProgramSettings["attribution"],
    "windowDays" | "probabilisticWindowHours"
  >,
  nowMs: number,
): number {
  const windowMs = Math.max(
    attribution.windowDays * DAY_MS,
    attribution.probabilisticWindowHours * 3_600_000,
  );
  return nowMs - windowMs - REFERRAL_CLICK_GRACE_DAYS * DAY_MS;
}

export interface ReferralClickRetentionReport {
  [field: string]: number | boolean;
  cutoffMs: number;
  deleted: number;
  /** The run stopped at its bound with old clicks left: the next run goes on. */
  more: boolean;
}

/**
 * Deletes referral clicks past the program's attribution window, oldest first, bounded.
 *
 * @example
 * await pruneReferralClicks(env, Date.now()) // { cutoffMs, deleted: 120, more: false }
 */
export async function pruneReferralClicks(
  env: DbRouterEnv,
  nowMs: number,
): Promise<ReferralClickRetentionReport> {
  // The cron reads D1, the source of truth: a just-saved longer window is never missed.
  const settings =
    (await referralProgramFromD1(globalDb(env)))?.settings ?? DEFAULT_REFERRAL_PROGRAM;
  const cutoffMs = referralClickCutoffMs(settings.attribution, nowMs);
  let deleted = 0;
  let deletes = 0;
  for (const db of eachUserDbFrom(env, Math.floor(nowMs / RUN_INTERVAL_MS))) {
    for (;;) {
      if (deletes === DELETES_PER_RUN) return { cutoffMs, deleted, more: true };
      deletes++;
      const changes = await deleteClicksBefore(db, cutoffMs, ROWS_PER_DELETE);
      deleted += changes;
      if (changes < ROWS_PER_DELETE) break;
    }
  }
  return { cutoffMs, deleted, more: false };
}
