import { ORDER_AT_FACT, RETURN_WINDOW_MS } from "#shared/fraud/return-signals";
import type { Observation } from "#shared/fraud/risk-contract";

/**
 * The user's orders and returns over the return window (docs/fraud.md "Return abuse"), in the
 * risk object's SQL (schema.ts `orders`): a `conversion` observation records its order, a
 * `return` marks it returned. Either may arrive first (the two come by different producers):
 * a return carries its order's time, so it records the order too. Both are idempotent.
 */

/** Rows pruned per assessment at most. */
const PRUNE_BATCH = 200;

/** Records what the observation says of an order (nothing for other kinds). */
export function noteOrder(sql: SqlStorage, observation: Observation): void {
  const ref = observation.subjectRef;
  if (!ref) return;
  if (observation.kind === "conversion") {
    sql.exec(
      `INSERT INTO orders (order_ref, ordered_at_ms) VALUES (?, ?)
       ON CONFLICT (order_ref) DO NOTHING`,
      ref,
      observation.atMs,
    );
  } else if (observation.kind === "return") {
    const orderedAt = observation.facts?.[ORDER_AT_FACT];
    sql.exec(
      `INSERT INTO orders (order_ref, ordered_at_ms, returned_at_ms) VALUES (?, ?, ?)
       ON CONFLICT (order_ref) DO UPDATE
         SET returned_at_ms = COALESCE(returned_at_ms, excluded.returned_at_ms)`,
      ref,
      typeof orderedAt === "number" && Number.isFinite(orderedAt) ? orderedAt : observation.atMs,
      observation.atMs,
    );
  }
}

/** Orders placed in the window ending at `atMs` (inclusive), and how many of them came back. */
export function ordersAt(sql: SqlStorage, atMs: number): { orders: number; returns: number } {
  const row = sql
    .exec<{ orders: number; returns: number | null }>(
      `SELECT COUNT(*) AS orders,
         SUM(CASE WHEN returned_at_ms IS NOT NULL THEN 1 ELSE 0 END) AS returns
       FROM orders WHERE ordered_at_ms > ? AND ordered_at_ms <= ?`,
      atMs - RETURN_WINDOW_MS,
      atMs,
    )
    .one();
  return { orders: row.orders, returns: row.returns ?? 0 };
}

/** Drops orders placed before the window, a bounded batch at a time. */
export function pruneOrders(sql: SqlStorage, nowMs: number): void {
  sql.exec(
    `DELETE FROM orders WHERE order_ref IN
       (SELECT order_ref FROM orders WHERE ordered_at_ms <= ? ORDER BY ordered_at_ms LIMIT ?)`,
    nowMs - RETURN_WINDOW_MS,
    PRUNE_BATCH,
  );
}
