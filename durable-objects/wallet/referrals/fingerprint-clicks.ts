import { type DbRouterEnv, eachUserDb } from "#shared/db/router";
import type { AttributionInputs, FingerprintClick } from "./decide-attribution";

/**
 * The referral clicks a signup's fingerprint matches (docs/referrals.md "Attribution"): D1
 * `referral_clicks` is spread over the user databases by referrer (shared/db/placement.ts
 * `ROUTED`), and a fingerprint names no referrer, so every user database is asked for its
 * first clicks in the program's touch order and the first of their merge are kept. Only a
 * signup that still can attribute and carries a fingerprint reads this (attribution-lookups.ts).
 */

/** More clicks from one fingerprint within hours of a signup than this are not looked at. */
export const MAX_FINGERPRINT_CLICKS = 20;
const HOUR_MS = 3_600_000;

interface ClickRow {
  click_id: string;
  referrer_id: string;
  program_id: string;
  clicked_at_ms: number;
}

/** Clicks with this fingerprint in the probabilistic window, in the program's touch order. */
export async function fingerprintClicks(
  env: DbRouterEnv,
  fingerprint: string,
  signedUpAtMs: number,
  program: AttributionInputs["program"],
): Promise<FingerprintClick[]> {
  const first = program.touch === "first";
  const order = first ? "ASC" : "DESC";
  const perDb = await Promise.all(
    eachUserDb(env).map(async (db) => {
      const { results } = await db
        .prepare(
          `SELECT click_id, referrer_id, program_id, clicked_at_ms FROM referral_clicks
           WHERE fingerprint = ? AND clicked_at_ms >= ? AND clicked_at_ms <= ?
           ORDER BY clicked_at_ms ${order}, click_id ${order} LIMIT ?`,
        )
        .bind(
          fingerprint,
          signedUpAtMs - program.probabilisticWindowHours * HOUR_MS,
          signedUpAtMs,
          MAX_FINGERPRINT_CLICKS,
        )
        .all<ClickRow>();
      return results;
    }),
  );
  // Each database's rows are already in order; the merge orders them all the same way
  // (click time, then click id, so equal times come out the same whichever database held them).
  const sign = first ? 1 : -1;
  return perDb
    .flat()
    .sort(
      (a, b) =>
        sign * (a.clicked_at_ms - b.clicked_at_ms) ||
        sign * (a.click_id < b.click_id ? -1 : a.click_id > b.click_id ? 1 : 0),
    )
    .slice(0, MAX_FINGERPRINT_CLICKS)
    .map((r) => ({
      clickId: r.click_id,
      referrerId: r.referrer_id,
      programId: r.program_id,
      clickedAtMs: r.clicked_at_ms,
    }));
}
