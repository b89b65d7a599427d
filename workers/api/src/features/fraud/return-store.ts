import { getOfferConfig, readConfigThrough } from "#shared/config/config-store";
import type { ApiEnv } from "#shared/env";
import {
  normalizeCategory,
  ORDER_AT_FACT,
  RETURN_WINDOW_MS,
  type SharedReturnCounts,
  sharedReturnFacts,
} from "#shared/fraud/return-signals";
import type { Observation } from "#shared/fraud/risk-contract";
import {
  type UserOrderCountRow,
  type UserOrderCounts,
  userOrderCountReads,
  userOrderCountsFrom,
} from "#shared/fraud/user-order-counts";
import { createLogger, errorFields } from "#shared/observability/logger";
import {
  riskListFromD1,
  riskListKvKey,
  type StoredRiskList,
} from "#shared/referrals/live-risk-lists";

/**
 * Return abuse across users (docs/fraud.md "Return abuse"): the risk consumer records each
 * order it sees in D1 `risk_orders` (one writer, one batch per queue batch, an idempotent
 * upsert), and adds to each `conversion` and `return` observation what D1 knows of its merchant
 * and category (`risk_return_rates`, refreshed by the cron from `risk_orders`) and whether the
 * operator marked its category abuse-prone. Nothing here is on a click or postback path.
 */

const log = createLogger({ worker: "api", feature: "fraud" });

/** One order as `risk_orders` keeps it. */
export interface OrderRow {
  orderRef: string;
  userId: string;
  merchantId: string | null;
  category: string | null;
  orderedAtMs: number;
  returnedAtMs: number | null;
}

/** Orders past the window dropped per refresh, so one run stays bounded. */
const PRUNE_PER_REFRESH = 5_000;

const bestEffort = (p: Promise<unknown>) => {
  p.catch(() => undefined);
};

const isOrderKind = (o: Observation) =>
  (o.kind === "conversion" || o.kind === "return") && typeof o.subjectRef === "string";

const text = (value: unknown): string | null =>
  typeof value === "string" && value.length > 0 ? value : null;

/**
 * The batch's orders: merchant from the observation, else from the offer's cached config
 * (isolate memory → KV → D1, like the edge's reads); an offer that cannot be read leaves the
 * merchant unknown rather than failing the batch.
 */
export async function orderRowsOf(
  env: ApiEnv,
  observations: readonly Observation[],
): Promise<OrderRow[]> {
  const orders = observations.filter(isOrderKind);
  // The offers whose merchant the observations lack, each read once, all at once.
  const unknown = new Set<string>();
  for (const o of orders) {
    const offerId = text(o.facts?.["signal.offerId"]);
    if (text(o.facts?.["signal.merchantId"]) === null && offerId !== null) unknown.add(offerId);
  }
  const merchants = new Map(
    await Promise.all(
      [...unknown].map(async (offerId): Promise<[string, string | null]> => {
        try {
          return [offerId, (await getOfferConfig(env, offerId, bestEffort))?.merchantId ?? null];
        } catch (error) {
          log.warn("risk.offer_unreadable", errorFields(error));
          return [offerId, null];
        }
      }),
    ),
  );
  const rows: OrderRow[] = [];
  for (const o of orders) {
    const facts = o.facts ?? {};
    const offerId = text(facts["signal.offerId"]);
    const merchantId =
      text(facts["signal.merchantId"]) ??
      (offerId === null ? null : (merchants.get(offerId) ?? null));
    const category = text(facts["signal.category"]);
    const orderedAt = facts[ORDER_AT_FACT];
    rows.push({
      orderRef: o.subjectRef as string,
      userId: o.userId,
      merchantId,
      category: category === null ? null : normalizeCategory(category),
      orderedAtMs:
        o.kind === "return" && typeof orderedAt === "number" && Number.isFinite(orderedAt)
          ? orderedAt
          : o.atMs,
      returnedAtMs: o.kind === "return" ? o.atMs : null,
    });
  }
  return rows;
}

/**
 * Upserts the orders: what is known is kept (the earliest order time, the first return, a
 * merchant or category once learned), so a redelivered or reordered batch changes nothing it
 * should not. The whole batch is one statement with one JSON parameter (D1 allows 100
 * parameters a query, not 100 rows): this runs for every risk batch.
 */
function orderUpsert(db: D1Database, rows: readonly OrderRow[]): D1PreparedStatement[] {
  if (rows.length === 0) return [];
  const json = JSON.stringify(
    rows.map((r) => [
      r.orderRef,
      r.userId,
      r.merchantId,
      r.category,
      r.orderedAtMs,
      r.returnedAtMs,
    ]),
  );
  return [
    db
      .prepare(
        `INSERT INTO risk_orders (order_ref, user_id, merchant_id, category, ordered_at_ms, returned_at_ms)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5
         FROM json_each(?) WHERE true
         ON CONFLICT (order_ref) DO UPDATE SET
           merchant_id = coalesce(risk_orders.merchant_id, excluded.merchant_id),
           category = coalesce(risk_orders.category, excluded.category),
           ordered_at_ms = min(risk_orders.ordered_at_ms, excluded.ordered_at_ms),
           returned_at_ms = coalesce(risk_orders.returned_at_ms, excluded.returned_at_ms)`,
      )
      .bind(json),
  ];
}

/** The rates of the keys asked: one read per scope, the keys as one JSON parameter. */
function rateReads(
  db: D1Database,
  keys: ReadonlyArray<{ scope: "merchant" | "category"; key: string }>,
): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  for (const scope of ["merchant", "category"] as const) {
    const ofScope = [...new Set(keys.filter((k) => k.scope === scope).map((k) => k.key))];
    if (ofScope.length === 0) continue;
    statements.push(
      db
        .prepare(
          `SELECT scope, key, orders, returns FROM risk_return_rates
           WHERE scope = ? AND key IN (SELECT value FROM json_each(?))`,
        )
        .bind(scope, JSON.stringify(ofScope)),
    );
  }
  return statements;
}

/** The operator's `abuse_prone_categories` list, through isolate memory → KV → D1. */
export async function abuseProneCategories(env: ApiEnv): Promise<ReadonlySet<string>> {
  const list = await readConfigThrough<StoredRiskList>(
    env,
    riskListKvKey("abuse_prone_categories"),
    () => riskListFromD1(env.DB, "abuse_prone_categories"),
    bestEffort,
    { writeBackTtlSec: 300 },
  );
  return new Set(list?.entries ?? []);
}

/** What the risk consumer's one D1 round trip for a batch answers. */
export interface BatchOrderFacts {
  /** Per observation id, the facts to add (its merchant and category, their rates, the mark). */
  facts: Map<string, Record<string, string | number | boolean>>;
  /** Per user of the batch, their orders as counted after this batch's were recorded. */
  counts: Map<string, UserOrderCounts>;
}

/**
 * The risk consumer's step for a batch, in one D1 batch (one transaction, one round trip):
 * records its orders, then reads their merchant and category rates and each of the batch's
 * users' order counts (user-order-counts.ts), this batch's orders included. Throws when D1
 * cannot be written or read: the consumer retries the batch.
 */
export async function recordOrdersAndRead(
  env: ApiEnv,
  observations: readonly Observation[],
  nowMs: number,
): Promise<BatchOrderFacts> {
  const rows = await orderRowsOf(env, observations);
  const keys: Array<{ scope: "merchant" | "category"; key: string }> = [];
  for (const r of rows) {
    if (r.merchantId) keys.push({ scope: "merchant", key: r.merchantId });
    if (r.category) keys.push({ scope: "category", key: r.category });
  }
  const users = new Set(observations.map((o) => o.userId));
  const upserts = orderUpsert(env.DB, rows);
  const rates = rateReads(env.DB, keys);
  const countReads = userOrderCountReads(env.DB, users, nowMs);
  const [results, abuseProne] = await Promise.all([
    env.DB.batch([...upserts, ...rates, ...countReads]),
    rows.length === 0 ? Promise.resolve(new Set<string>()) : abuseProneCategories(env),
  ]);
  const rateRows = results
    .slice(upserts.length, upserts.length + rates.length)
    .flatMap(
      (r) => r.results as Array<{ scope: string; key: string; orders: number; returns: number }>,
    );
  const rateByKey = new Map<string, SharedReturnCounts>(
    rateRows.map((r) => [
      `${r.scope}|${r.key}`,
      { orders: Number(r.orders), returns: Number(r.returns) },
    ]),
  );
  const counts = userOrderCountsFrom(
    users,
    nowMs,
    results.slice(upserts.length + rates.length) as Array<D1Result<UserOrderCountRow>>,
  );
  const facts = new Map<string, Record<string, string | number | boolean>>();
  const byRef = new Map(rows.map((r) => [r.orderRef, r]));
  for (const o of observations) {
    const row = isOrderKind(o) ? byRef.get(o.subjectRef as string) : undefined;
    if (row) facts.set(o.observationId, orderFacts(row, rateByKey, abuseProne));
  }
  return { facts, counts };
}

/**
 * Pure: one order's facts from the rates and the list.
 *
 * @example
 * orderFacts({ merchantId: "shop", category: "fashion", … }, rates, new Set(["fashion"]))
 * // { "signal.merchantId": "shop", "signal.category": "fashion", "signal.categoryAbuseProne": true, … }
 */
export function orderFacts(
  row: Pick<OrderRow, "merchantId" | "category">,
  rates: ReadonlyMap<string, SharedReturnCounts>,
  abuseProne: ReadonlySet<string>,
): Record<string, string | number | boolean> {
  return {
    ...(row.merchantId ? { "signal.merchantId": row.merchantId } : {}),
    ...(row.category ? { "signal.category": row.category } : {}),
    "signal.categoryAbuseProne": row.category !== null && abuseProne.has(row.category),
    ...sharedReturnFacts(
      row.merchantId ? rates.get(`merchant|${row.merchantId}`) : undefined,
      row.category ? rates.get(`category|${row.category}`) : undefined,
    ),
  };
}

/**
 * The cron's refresh: every merchant's and category's orders and returns over the window,
 * recomputed from `risk_orders` in one D1 transaction, and a bounded batch of orders past the
 * window dropped. Answers how many rates it wrote.
 */
export async function refreshReturnRates(
  db: D1Database,
  nowMs: number,
): Promise<{ rates: number }> {
  const since = nowMs - RETURN_WINDOW_MS;
  const results = await db.batch([
    db.prepare(`DELETE FROM risk_return_rates`),
    db
      .prepare(
        `INSERT INTO risk_return_rates (scope, key, orders, returns, refreshed_at_ms)
         SELECT 'merchant', merchant_id, COUNT(*), COUNT(returned_at_ms), ?1 FROM risk_orders
         WHERE ordered_at_ms > ?2 AND merchant_id IS NOT NULL GROUP BY merchant_id`,
      )
      .bind(nowMs, since),
    db
      .prepare(
        `INSERT INTO risk_return_rates (scope, key, orders, returns, refreshed_at_ms)
         SELECT 'category', category, COUNT(*), COUNT(returned_at_ms), ?1 FROM risk_orders
         WHERE ordered_at_ms > ?2 AND category IS NOT NULL GROUP BY category`,
      )
      .bind(nowMs, since),
    db
      .prepare(
        `DELETE FROM risk_orders WHERE order_ref IN
           (SELECT order_ref FROM risk_orders WHERE ordered_at_ms <= ? ORDER BY ordered_at_ms LIMIT ?)`,
      )
      .bind(since, PRUNE_PER_REFRESH),
  ]);
  return { rates: (results[1]?.meta.changes ?? 0) + (results[2]?.meta.changes ?? 0) };
}
