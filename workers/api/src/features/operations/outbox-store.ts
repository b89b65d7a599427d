import { and, desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { partsAtHome } from "#shared/db/move-reads";
import { type DbRouterEnv, eachUserDb, userDb } from "#shared/db/router";
import { notificationOutbox } from "#shared/db/schema";
import { NOTIFICATION_TYPE_NAMES, type NotificationType } from "#shared/notify/catalog";
import { deliveryIdFor } from "#shared/notify/delivery-id";

/**
 * The notification outbox in D1: what the `outbox` channel keeps instead of calling the
 * operator's webhook (development and tests). A notice's body can hold a step-up code.
 * A user table spread over the user databases (shared/db/placement.ts `ROUTED`): only this
 * store and the outbox channel (notifications/channels/outbox.ts) name it, both through
 * shared/db/router.ts.
 */

export const NOTICE_KINDS = [
  "step_up_code",
  "payout_failed",
  "payout_paid",
  "payout_held",
  // Loyalty points about to expire (30, 7 and 1 days before; the wallet's points/points-due.ts).
  "points_expiring",
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/**
 * Keeps one notice as the webhook channel's delivery of event `id` (the same delivery id the
 * notification pipeline gives it); the same id again is ignored (the channel's idempotency).
 */
export async function appendOutboxNotice(
  env: DbRouterEnv,
  notice: { id: string; userId: string; kind: NoticeKind; body: Record<string, unknown> },
  nowMs: number,
): Promise<void> {
  const deliveryId = await deliveryIdFor(notice.id, "webhook", { channel: "webhook" });
  await drizzle(userDb(env, notice.userId))
    .insert(notificationOutbox)
    .values({ ...notice, deliveryId, channel: "webhook", createdAtMs: nowMs })
    .onConflictDoNothing();
}

/** Every notification type: what the outbox's `kind` filter accepts. */
export const OUTBOX_KINDS = NOTIFICATION_TYPE_NAMES as [NotificationType, ...NotificationType[]];

/**
 * Notices, newest first. Conditions are added only when given, so the (user_id,
 * created_at_ms) index serves a per-user listing, on that user's database only; without a
 * user every user database gives its newest `limit`, and the newest `limit` of their merge
 * are the answer.
 */
export async function listOutboxNotices(
  env: DbRouterEnv,
  filter: { userId?: string | undefined; kind?: string | undefined; limit: number },
) {
  const dbs = filter.userId === undefined ? eachUserDb(env) : [userDb(env, filter.userId)];
  const parts = await Promise.all(
    dbs.map((db) =>
      drizzle(db)
        .select()
        .from(notificationOutbox)
        .where(
          and(
            filter.userId === undefined ? undefined : eq(notificationOutbox.userId, filter.userId),
            filter.kind === undefined ? undefined : eq(notificationOutbox.kind, filter.kind),
          ),
        )
        .orderBy(desc(notificationOutbox.createdAtMs), desc(notificationOutbox.id))
        .limit(filter.limit),
    ),
  );
  // During a flipped move a moved user's notices are in two databases: each keeps its own (the
  // list may then hold fewer than `limit`; it has no next page).
  const atHome =
    filter.userId === undefined ? await partsAtHome(env, parts, (r) => r.userId) : parts;
  return atHome
    .flat()
    .sort((a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, filter.limit);
}
