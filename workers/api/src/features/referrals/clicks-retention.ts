import { inArray, lt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { referralClicks } from "#shared/db/schema";
import type { ApiEnv } from "#shared/env";
import { referralProgramFromD1 } from "#shared/referrals/live-program-settings";
import {
  DEFAULT_REFERRAL_PROGRAM,
  type ReferralProgramSettings,
} from "#shared/referrals/program-settings";

/**
 * Retention of D1 `referral_clicks` (docs/referrals.md, "Referral clicks"): a click older than
 * the longest attribution window can no longer attribute anyone (a token's click is checked
 * against `windowDays`, a fingerprint match against the shorter probabilistic window), so it
 * is deleted, a week after that so a signup event that arrives late still finds its click.
 * Runs on the retention cron, bounded per run; the oldest go first.
 */

const DAY_MS = 86_400_000;
/** Kept past the window for signups delivered late. */
export const REFERRAL_CLICK_GRACE_DAYS = 7;
/** Rows per DELETE and DELETEs per run: 10,000 clicks a run, every 15 minutes. */
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
  env: Pick<ApiEnv, "DB">,
  nowMs: number,
): Promise<ReferralClickRetentionReport> {
  // The cron reads D1, the source of truth: a just-saved longer window is never missed.
  const settings = (await referralProgramFromD1(env.DB))?.settings ?? DEFAULT_REFERRAL_PROGRAM;
  const cutoffMs = referralClickCutoffMs(settings.attribution, nowMs);
  const orm = drizzle(env.DB);
  let deleted = 0;
  for (let i = 0; i < DELETES_PER_RUN; i++) {
    const oldest = orm
      .select({ clickId: referralClicks.clickId })
      .from(referralClicks)
      .where(lt(referralClicks.clickedAtMs, cutoffMs))
      .orderBy(referralClicks.clickedAtMs)
      .limit(ROWS_PER_DELETE);
    const result = await orm
      .delete(referralClicks)
      .where(inArray(referralClicks.clickId, oldest))
      .run();
    const changes = result.meta.changes ?? 0;
    deleted += changes;
    if (changes < ROWS_PER_DELETE) return { cutoffMs, deleted, more: false };
  }
  return { cutoffMs, deleted, more: true };
}
