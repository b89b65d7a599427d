import {
  and,
  count,
  desc,
  eq,
  gt,
  inArray,
  isNotNull,
  isNull,
  lt,
  or,
  sql,
  sum,
} from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { sumBy } from "#shared/db/merge";
import { type DbRouterEnv, eachUserDb, globalDb, userDb, userIdsByDb } from "#shared/db/router";
import { referralReferrers, referrals } from "#shared/db/schema";
import type { ReferralProjection } from "#shared/messages";

/**
 * The D1 referrals table: the projection of each referee's referral (written by the
 * LEDGER_EVENTS consumer, guarded by `version`) and the referrer's reads of it. A referral
 * lives in its **referee's** user database (shared/db/placement.ts `ROUTED`, docs/scaling.md
 * "D1 router"): the referee's wallet writes it and its risk lookups read it there. A
 * referrer's referrals are therefore spread over their referees' databases: the referrer's
 * list is found through the global index `referral_referrers` (referral → referrer, referee,
 * signup time), the rows then read on their databases; the totals are every user database's
 * sums, added.
 */

/**
 * The referral's row in the global referrer index: idempotent (a referral's referrer, referee
 * and signup time never change, so a redelivery writes nothing). The consumer commits it
 * **before** the referee's row (ledger/consumer.ts), so a referral row never exists without its
 * index row; a crash between the two leaves an index row with no referral, which `listFriends`
 * skips and the retried batch completes.
 */
export function referralIndexStatement(
  env: DbRouterEnv,
  r: ReferralProjection["referral"],
): BatchItem<"sqlite"> {
  return drizzle(globalDb(env))
    .insert(referralReferrers)
    .values({
      referralId: r.id,
      referrerId: r.referrerId,
      refereeId: r.refereeId,
      attributedAtMs: r.attributedAtMs,
    })
    .onConflictDoNothing();
}

/**
 * The statements for one referral's projection: the upsert, in which a redelivered or older
 * message (version not greater than the row's) changes nothing; then, for the message of the
 * move that qualified the referral, how it qualified (the campaign, when, what the referrer is
 * owed), written once and whatever the order: a later move's message may have come first.
 */
export function referralProjection(
  env: DbRouterEnv,
  r: ReferralProjection["referral"],
): { db: D1Database; statements: BatchItem<"sqlite">[] } {
  const db = userDb(env, r.refereeId);
  return { db, statements: referralProjectionStatements(db, r) };
}

/** The statements of `referralProjection` on a given database (the referee's). */
export function referralProjectionStatements(
  db: D1Database,
  r: ReferralProjection["referral"],
): BatchItem<"sqlite">[] {
  const values = {
    programId: r.programId,
    referrerId: r.referrerId,
    refereeId: r.refereeId,
    state: r.state,
    method: r.method,
    reason: r.reason,
    refereeNameMasked: r.refereeNameMasked,
    clickId: r.clickId,
    attributedAtMs: r.attributedAtMs,
    updatedAtMs: r.updatedAtMs,
    version: r.version,
    referrerRewardUnit: r.referrerReward?.unit ?? null,
    referrerRewardAmount: r.referrerReward?.amount ?? null,
    riskScore: r.riskScore ?? 0,
    holdReasons: r.holdReasons ?? [],
  };
  const upsert = drizzle(db)
    .insert(referrals)
    .values({ referralId: r.id, ...values })
    .onConflictDoUpdate({
      target: referrals.referralId,
      set: values,
      // `excluded` is SQLite's name for the proposed row; the builder has no column helper for it.
      setWhere: gt(sql.raw("excluded.version"), referrals.version),
    });
  const q = r.qualification;
  if (!q) return [upsert];
  const qualified = drizzle(db)
    .update(referrals)
    .set({
      ruleId: q.ruleId,
      ruleVersion: q.ruleVersion,
      qualifiedAtMs: q.qualifiedAtMs,
      referrerDueUnit: q.referrerDue?.unit ?? null,
      referrerDueAmount: q.referrerDue?.amount ?? null,
    })
    .where(and(eq(referrals.referralId, r.id), isNull(referrals.ruleId)));
  return [upsert, qualified];
}

export interface FriendRow {
  referralId: string;
  refereeNameMasked: string | null;
  state: string;
  method: string;
  reason: string;
  attributedAtMs: number;
}

/**
 * The referrer's friends, newest first, keyset on (attributed at, referral id): a page of the
 * global index, then the rows on their referees' databases (one query per database holding
 * any), in the index's order. An index row whose referral is not written yet is skipped.
 */
export async function listFriends(
  env: DbRouterEnv,
  referrerId: string,
  before: { attributedAtMs: number; referralId: string } | null,
  rows: number,
): Promise<FriendRow[]> {
  const page = await drizzle(globalDb(env))
    .select({ referralId: referralReferrers.referralId, refereeId: referralReferrers.refereeId })
    .from(referralReferrers)
    .where(
      and(
        eq(referralReferrers.referrerId, referrerId),
        before
          ? or(
              lt(referralReferrers.attributedAtMs, before.attributedAtMs),
              and(
                eq(referralReferrers.attributedAtMs, before.attributedAtMs),
                lt(referralReferrers.referralId, before.referralId),
              ),
            )
          : undefined,
      ),
    )
    .orderBy(desc(referralReferrers.attributedAtMs), desc(referralReferrers.referralId))
    .limit(rows);
  const idsOf = new Map(page.map((p) => [p.refereeId, p.referralId]));
  const found = await Promise.all(
    [...userIdsByDb(env, [...idsOf.keys()])].map(([db, referees]) =>
      drizzle(db)
        .select({
          referralId: referrals.referralId,
          refereeNameMasked: referrals.refereeNameMasked,
          state: referrals.state,
          method: referrals.method,
          reason: referrals.reason,
          attributedAtMs: referrals.attributedAtMs,
        })
        .from(referrals)
        .where(
          inArray(
            referrals.referralId,
            referees.map((r) => idsOf.get(r) ?? ""),
          ),
        ),
    ),
  );
  const byId = new Map(found.flat().map((f) => [f.referralId, f]));
  return page.flatMap((p) => {
    const row = byId.get(p.referralId);
    return row ? [row] : [];
  });
}

/** How many of the referrer's referrals are in each state: each database's counts, added. */
export async function countFriendsByState(
  env: DbRouterEnv,
  referrerId: string,
): Promise<Record<string, number>> {
  const perDb = await Promise.all(
    eachUserDb(env).map((db) =>
      drizzle(db)
        .select({ state: referrals.state, n: count() })
        .from(referrals)
        .where(eq(referrals.referrerId, referrerId))
        .groupBy(referrals.state),
    ),
  );
  const rows = sumBy(perDb.flat(), (r) => [r.state], ["n"]);
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

/** Pure: per-unit sums of several databases added, in unit order. */
function addUnits(rows: ReadonlyArray<{ unit: string | null; amount: string | null }>) {
  return sumBy(
    rows.map((r) => ({ unit: r.unit ?? "", amount: Number(r.amount ?? 0) })),
    (r) => [r.unit],
    ["amount"],
  ).sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0));
}

/**
 * What the referrer got from referrals whose reward reached their wallet, per unit (a
 * currency, or `points`). A referral leaves this sum only if a later state drops its reward.
 */
export async function earnedByUnit(
  env: DbRouterEnv,
  referrerId: string,
): Promise<Array<{ unit: string; amount: number }>> {
  const perDb = await Promise.all(
    eachUserDb(env).map((db) =>
      drizzle(db)
        .select({ unit: referrals.referrerRewardUnit, amount: sum(referrals.referrerRewardAmount) })
        .from(referrals)
        .where(and(eq(referrals.referrerId, referrerId), isNotNull(referrals.referrerRewardUnit)))
        .groupBy(referrals.referrerRewardUnit),
    ),
  );
  return addUnits(perDb.flat());
}

/** The states in which a qualified referral's referrer reward is owed and not yet credited. */
const PENDING_STATES = ["qualified", "held"];

/**
 * What campaigns owe the referrer for referrals that qualified but whose reward is not credited
 * yet (on its way, or held for review), per unit (a currency, or `points`).
 */
export async function pendingByUnit(
  env: DbRouterEnv,
  referrerId: string,
): Promise<Array<{ unit: string; amount: number }>> {
  const perDb = await Promise.all(
    eachUserDb(env).map((db) =>
      drizzle(db)
        .select({ unit: referrals.referrerDueUnit, amount: sum(referrals.referrerDueAmount) })
        .from(referrals)
        .where(
          and(
            eq(referrals.referrerId, referrerId),
            inArray(referrals.state, PENDING_STATES),
            isNotNull(referrals.referrerDueUnit),
          ),
        )
        .groupBy(referrals.referrerDueUnit),
    ),
  );
  return addUnits(perDb.flat());
}
