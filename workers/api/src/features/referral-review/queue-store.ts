import { and, asc, eq, gt, inArray, or } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { type DbRouterEnv, eachUserDb } from "#shared/db/router";
import { referrals } from "#shared/db/schema";

/**
 * The operator's reads of the referrals projection (docs/referrals.md "Fraud holds"). A
 * referral lives in its referee's user database (shared/db/placement.ts, docs/scaling.md "D1
 * router"), so a list over referrals is keyset scatter-gather: every user database gives its
 * first `rows` after the cursor in the list's order, and the first `rows` of their merge are
 * the page (a referral is in exactly one database, so nothing is lost or repeated). A
 * referrer's referrals are spread over their referees' databases, so a `referrerId` filter
 * asks every database too.
 */

export type ReferralRow = typeof referrals.$inferSelect;

/** Pure: (attributed at, referral id) ascending, the lists' order. */
const byAttribution = (
  a: Pick<ReferralRow, "attributedAtMs" | "referralId">,
  b: Pick<ReferralRow, "attributedAtMs" | "referralId">,
) =>
  a.attributedAtMs - b.attributedAtMs ||
  (a.referralId < b.referralId ? -1 : a.referralId > b.referralId ? 1 : 0);

/** Oldest signup first, keyset on (attributed at, referral id). */
export async function listReferrals(
  env: DbRouterEnv,
  filter: { state?: string; referrerId?: string },
  after: { attributedAtMs: number; referralId: string } | null,
  rows: number,
): Promise<ReferralRow[]> {
  const conditions = [
    filter.state === undefined ? undefined : eq(referrals.state, filter.state),
    filter.referrerId === undefined ? undefined : eq(referrals.referrerId, filter.referrerId),
    after === null
      ? undefined
      : or(
          gt(referrals.attributedAtMs, after.attributedAtMs),
          and(
            eq(referrals.attributedAtMs, after.attributedAtMs),
            gt(referrals.referralId, after.referralId),
          ),
        ),
  ];
  const perDb = await Promise.all(
    eachUserDb(env).map((db) =>
      drizzle(db)
        .select()
        .from(referrals)
        .where(and(...conditions))
        .orderBy(asc(referrals.attributedAtMs), asc(referrals.referralId))
        .limit(rows),
    ),
  );
  return perDb.flat().sort(byAttribution).slice(0, rows);
}

/** States a ban rejects: everything not yet rewarded and not final. */
export const BANNABLE_STATES = ["signed_up", "qualified", "held"] as const;

/** The referrer's referrals a ban rejects (from the projection), oldest first, at most `rows`. */
export async function unrewardedReferralsOf(
  env: DbRouterEnv,
  referrerId: string,
  rows: number,
): Promise<Array<{ referralId: string; refereeId: string }>> {
  const perDb = await Promise.all(
    eachUserDb(env).map((db) =>
      drizzle(db)
        .select({
          referralId: referrals.referralId,
          refereeId: referrals.refereeId,
          attributedAtMs: referrals.attributedAtMs,
        })
        .from(referrals)
        .where(
          and(eq(referrals.referrerId, referrerId), inArray(referrals.state, [...BANNABLE_STATES])),
        )
        .orderBy(asc(referrals.attributedAtMs), asc(referrals.referralId))
        .limit(rows),
    ),
  );
  return perDb
    .flat()
    .sort(byAttribution)
    .slice(0, rows)
    .map(({ referralId, refereeId }) => ({ referralId, refereeId }));
}
