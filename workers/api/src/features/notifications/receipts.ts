import { type DbRouterEnv, eachUserDb, userDb } from "#shared/db/router";
import type { NotificationChannel } from "#shared/notify/catalog";
import { AWAITING_PUSH_OPEN } from "./deliveries";
import { userOfProviderRef } from "./provider-refs";

/**
 * Delivery and open receipts on D1 `notification_deliveries` (docs/notifications.md
 * "Receipts"). Each receipt is one conditional UPDATE: the first receipt of a kind wins, a
 * repeat or a late, older one changes nothing, and nothing moves a delivery backwards:
 *
 * - `delivered` sets `delivered_at_ms` once;
 * - `opened` sets `opened_at_ms` once, and `delivered_at_ms` too if no delivery receipt came
 *   (an open proves the delivery); a push opened also releases nothing: its e-mail held for
 *   escalation is recorded `skipped` / `push_opened`;
 * - `bounced`, `undelivered`, `failed` (the provider could not deliver) are kept in
 *   `receipt_failure` only while no failure is recorded and the delivery has no delivery
 *   receipt; `complained` (a spam report, which follows a delivery) only while no failure is
 *   recorded.
 */

export const RECEIPTS = [
  "delivered",
  "opened",
  "bounced",
  "complained",
  "undelivered",
  "failed",
] as const;
export type Receipt = (typeof RECEIPTS)[number];

/**
 * Which delivery a receipt is about: our id (signed links, with its user when the link names
 * it) or the provider's message id.
 */
export type ReceiptTarget =
  | { deliveryId: string; userId?: string | null }
  | { providerRef: string; channel: NotificationChannel };

function whereOf(target: ReceiptTarget): { sql: string; binds: string[] } {
  return "deliveryId" in target
    ? { sql: "id = ?1", binds: [target.deliveryId] }
    : { sql: "provider_ref = ?1 AND channel = ?2", binds: [target.providerRef, target.channel] };
}

/**
 * The user databases that may hold the delivery (deliveries are spread by user,
 * shared/db/router.ts): our signed link names its user (the user's database only); a
 * provider's id through the global index of provider ids to users (provider-refs.ts), else (a
 * message sent before the index existed) every user database; a link signed before links
 * named the user asks every user database too (a primary-key UPDATE each; docs/scaling.md
 * "D1 router").
 */
async function databasesOf(env: DbRouterEnv, target: ReceiptTarget): Promise<D1Database[]> {
  if ("deliveryId" in target && target.userId) return [userDb(env, target.userId)];
  if ("providerRef" in target) {
    const userId = await userOfProviderRef(env, target.channel, target.providerRef);
    if (userId !== null) return [userDb(env, userId)];
  }
  return eachUserDb(env);
}

/**
 * Records one receipt; true when it changed the delivery (false: unknown delivery, or a
 * receipt of that kind was already recorded, or it would move the delivery backwards).
 */
export async function recordReceipt(
  env: DbRouterEnv,
  target: ReceiptTarget,
  receipt: Receipt,
  atMs: number,
): Promise<boolean> {
  const changed = await Promise.all(
    (await databasesOf(env, target)).map((db) => recordOn(db, target, receipt, atMs)),
  );
  return changed.some(Boolean);
}

async function recordOn(
  db: D1Database,
  target: ReceiptTarget,
  receipt: Receipt,
  atMs: number,
): Promise<boolean> {
  const { sql, binds } = whereOf(target);
  const at = `?${binds.length + 1}`;
  const statements: D1PreparedStatement[] = [];
  switch (receipt) {
    case "delivered":
      statements.push(
        db
          .prepare(
            `UPDATE notification_deliveries SET delivered_at_ms = ${at}, updated_at_ms = ${at}
             WHERE ${sql} AND delivered_at_ms IS NULL`,
          )
          .bind(...binds, atMs),
      );
      break;
    case "opened":
      statements.push(
        db
          .prepare(
            `UPDATE notification_deliveries SET opened_at_ms = ${at},
               delivered_at_ms = COALESCE(delivered_at_ms, ${at}), updated_at_ms = ${at}
             WHERE ${sql} AND opened_at_ms IS NULL`,
          )
          .bind(...binds, atMs),
      );
      // A push opened: its e-mail held for escalation will not be needed. Only our signed
      // links name a push (providers' receipts are e-mail and SMS), so only they can match.
      if ("deliveryId" in target) {
        statements.push(
          db
            .prepare(
              `UPDATE notification_deliveries SET state = 'skipped', reason = 'push_opened',
                 deliver_after_ms = NULL, updated_at_ms = ${at}
               WHERE channel = 'email' AND state = 'deferred' AND reason = '${AWAITING_PUSH_OPEN}'
                 AND event_id IN (SELECT event_id FROM notification_deliveries
                                  WHERE ${sql} AND channel = 'push')`,
            )
            .bind(...binds, atMs),
        );
      }
      break;
    case "complained":
    case "bounced":
    case "undelivered":
    case "failed": {
      const beforeDelivery = receipt === "complained" ? "" : "AND delivered_at_ms IS NULL";
      statements.push(
        db
          .prepare(
            `UPDATE notification_deliveries SET receipt_failure = ${at}, receipt_failure_at_ms = ?${binds.length + 2},
               updated_at_ms = ?${binds.length + 2}
             WHERE ${sql} AND receipt_failure IS NULL ${beforeDelivery}`,
          )
          .bind(...binds, receipt, atMs),
      );
      break;
    }
  }
  const results = await db.batch(statements);
  return (results[0]?.meta.changes ?? 0) > 0;
}
