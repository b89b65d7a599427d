import { and, desc, eq, inArray, lt, or, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { promoSends } from "#shared/db/schema";

export type PromoSendRow = typeof promoSends.$inferSelect;

/** How long a fan-out step may hold its send before another delivery may take it over. */
export const STEP_LEASE_MS = 5 * 60_000;

export interface NewPromoSend {
  id: string;
  segment: string;
  headline: string;
  body: string;
  url: string;
  sendAtMs: number;
  audience: number;
  createdBy: string;
  createdAtMs: number;
}

export async function insertSend(db: D1Database, send: NewPromoSend): Promise<PromoSendRow> {
  const [row] = await drizzle(db)
    .insert(promoSends)
    .values({ ...send, status: "scheduled", step: 1 })
    .returning();
  if (!row) throw new Error("promo send not stored");
  return row;
}

export async function findSend(db: D1Database, id: string): Promise<PromoSendRow | null> {
  const [row] = await drizzle(db).select().from(promoSends).where(eq(promoSends.id, id));
  return row ?? null;
}

/** Newest first, keyset on (created at, id). */
export async function listSends(
  db: D1Database,
  limit: number,
  before: { createdAtMs: number; id: string } | null,
): Promise<PromoSendRow[]> {
  return drizzle(db)
    .select()
    .from(promoSends)
    .where(
      before
        ? or(
            lt(promoSends.createdAtMs, before.createdAtMs),
            and(eq(promoSends.createdAtMs, before.createdAtMs), lt(promoSends.id, before.id)),
          )
        : undefined,
    )
    .orderBy(desc(promoSends.createdAtMs), desc(promoSends.id))
    .limit(limit);
}

/**
 * Cancels a send that has not ended; the fan-out stops at its next step (a step already
 * running finishes its page). Null when there is nothing to cancel (ended or unknown).
 */
export async function cancelSend(
  db: D1Database,
  id: string,
  by: string,
  nowMs: number,
): Promise<PromoSendRow | null> {
  const [row] = await drizzle(db)
    .update(promoSends)
    .set({ status: "cancelled", cancelledBy: by, endedAtMs: nowMs })
    .where(and(eq(promoSends.id, id), inArray(promoSends.status, ["scheduled", "sending"])))
    .returning();
  return row ?? null;
}

/**
 * Takes step `step` of a send for the queue message `owner`: only while the send is still
 * going, is at that step, and no other message holds the step (or its lease ran out). The
 * same message, delivered again after a failure, takes it back. Null: not this message's turn.
 */
export async function claimStep(
  db: D1Database,
  sendId: string,
  step: number,
  owner: string,
  nowMs: number,
): Promise<PromoSendRow | null> {
  const [row] = await drizzle(db)
    .update(promoSends)
    .set({
      status: "sending",
      leaseOwner: owner,
      leaseUntilMs: nowMs + STEP_LEASE_MS,
      startedAtMs: sql`coalesce(${promoSends.startedAtMs}, ${nowMs})`,
    })
    .where(
      and(
        eq(promoSends.id, sendId),
        eq(promoSends.step, step),
        inArray(promoSends.status, ["scheduled", "sending"]),
        or(
          sql`${promoSends.leaseOwner} IS NULL`,
          eq(promoSends.leaseOwner, owner),
          lt(promoSends.leaseUntilMs, nowMs),
        ),
      ),
    )
    .returning();
  return row ?? null;
}

/**
 * Records a finished step: the cursor moves to the page's last member, the counts grow, the
 * lease is released and the send moves to the next step (completed when the page was the
 * last). Only the step's owner can: null when another message took the step over meanwhile.
 * A send cancelled while the page went out stays cancelled, its counts still recorded.
 */
export async function finishStep(
  db: D1Database,
  sendId: string,
  step: number,
  owner: string,
  page: { cursor: string | null; enqueued: number; skipped: number; last: boolean },
  nowMs: number,
): Promise<PromoSendRow | null> {
  const [row] = await drizzle(db)
    .update(promoSends)
    .set({
      step: step + 1,
      cursor: page.cursor,
      enqueued: sql`${promoSends.enqueued} + ${page.enqueued}`,
      skipped: sql`${promoSends.skipped} + ${page.skipped}`,
      leaseOwner: null,
      leaseUntilMs: null,
      ...(page.last
        ? {
            status: sql`CASE WHEN ${promoSends.status} = 'sending' THEN 'completed' ELSE ${promoSends.status} END`,
            endedAtMs: sql`coalesce(${promoSends.endedAtMs}, ${nowMs})`,
          }
        : {}),
    })
    .where(
      and(eq(promoSends.id, sendId), eq(promoSends.step, step), eq(promoSends.leaseOwner, owner)),
    )
    .returning();
  return row ?? null;
}
