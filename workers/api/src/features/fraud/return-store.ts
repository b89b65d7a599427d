import { getOfferConfig, readConfigThrough } from "#shared/config/config-store";
import { type DbRouterEnv, eachUserDb, globalDb, userIdsByDb } from "#shared/db/router";
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
 *
 * `risk_orders` is a user table spread over the user databases (shared/db/placement.ts
 * `ROUTED`): this file and user-order-counts.ts are the only code that names it, and they
 * reach D1 only through shared/db/router.ts. `risk_return_rates` stays global.
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

/** Rates written per statement of the refresh (one JSON parameter each). */
const RATES_PER_INSERT = 1_000;

/** Orders past the window dropped per refresh (per user database), so one run stays bounded. */
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
    () => riskListFromD1(globalDb(env), "abuse_prone_categories"),
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
 * The risk consumer's step for a batch, one D1 batch per database (one transaction, one round
 * trip each, all at once): on each user database, its users' orders recorded, then their order
 * counts read (user-order-counts.ts), this batch's orders included; on the global database, the
 * orders' merchant and category rates. At one user database that is one batch, as before.
 * Throws when D1 cannot be written or read: the consumer retries the batch (the upsert is
 * idempotent, so a database that did commit changes nothing the second time).
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
  // Per database: its statements, and where this batch's rate reads and count reads sit in it.
  const batches = new Map<
    D1Database,
    { statements: D1PreparedStatement[]; rates: [number, number]; counts: [number, number] }
  >();
  const batchOf = (db: D1Database) => {
    let batch = batches.get(db);
    if (!batch) {
      batch = { statements: [], rates: [0, 0], counts: [0, 0] };
      batches.set(db, batch);
    }
    return batch;
  };
  for (const [db, dbUsers] of userIdsByDb(env, [...users])) {
    const mine = new Set(dbUsers);
    const batch = batchOf(db);
    batch.statements.push(
      ...orderUpsert(
        db,
        rows.filter((r) => mine.has(r.userId)),
      ),
    );
    const reads = userOrderCountReads(db, dbUsers, nowMs);
    batch.counts = [batch.statements.length, batch.statements.length + reads.length];
    batch.statements.push(...reads);
  }
  const global = globalDb(env);
  const rates = rateReads(global, keys);
  if (rates.length > 0) {
    const batch = batchOf(global);
    batch.rates = [batch.statements.length, batch.statements.length + rates.length];
    batch.statements.push(...rates);
  }
  const [answered, abuseProne] = await Promise.all([
    Promise.all(
      [...batches].map(async ([db, batch]) => ({
        batch,
        results: await db.batch(batch.statements),
      })),
    ),
    rows.length === 0 ? Promise.resolve(new Set<string>()) : abuseProneCategories(env),
  ]);
  const rateRows = answered.flatMap(({ batch, results }) =>
    results
      .slice(...batch.rates)
      .flatMap(
        (r) => r.results as Array<{ scope: string; key: string; orders: number; returns: number }>,
      ),
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
    answered.flatMap(
      ({ batch, results }) => results.slice(...batch.counts) as Array<D1Result<UserOrderCountRow>>,
    ),
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

/** One merchant's or category's orders and returns over the window, as one database counts them. */
interface RateCount {
  scope: "merchant" | "category";
  key: string;
  orders: number;
  returns: number;
}

/**
 * The cron's refresh: every merchant's and category's orders and returns over the window,
 * counted on every user database and summed (a user's orders live in one database, so each
 * order is counted once), then written to the global `risk_return_rates` in one D1
 * transaction; and on each user database a bounded batch of orders past the window dropped.
 * Answers how many rates it wrote.
 */
export async function refreshReturnRates(
  env: DbRouterEnv,
  nowMs: number,
): Promise<{ rates: number }> {
  const since = nowMs - RETURN_WINDOW_MS;
  const perDb = await Promise.all(
    eachUserDb(env).map(async (db) => {
      const [counted] = await db.batch<RateCount>([
        db
          .prepare(
            `SELECT 'merchant' AS scope, merchant_id AS key, COUNT(*) AS orders,
               COUNT(returned_at_ms) AS returns FROM risk_orders
             WHERE ordered_at_ms > ?1 AND merchant_id IS NOT NULL GROUP BY merchant_id
             UNION ALL
             SELECT 'category', category, COUNT(*), COUNT(returned_at_ms) FROM risk_orders
             WHERE ordered_at_ms > ?1 AND category IS NOT NULL GROUP BY category`,
          )
          .bind(since),
        db
          .prepare(
            `DELETE FROM risk_orders WHERE order_ref IN
               (SELECT order_ref FROM risk_orders WHERE ordered_at_ms <= ? ORDER BY ordered_at_ms LIMIT ?)`,
          )
          .bind(since, PRUNE_PER_REFRESH),
      ]);
      return counted?.results ?? [];
    }),
  );
  const sums = new Map<string, RateCount>();
  for (const row of perDb.flat()) {
    const id = `${row.scope}|${row.key}`;
    const sum = sums.get(id);
    if (sum) {
      sum.orders += Number(row.orders);
      sum.returns += Number(row.returns);
    } else {
      sums.set(id, { ...row, orders: Number(row.orders), returns: Number(row.returns) });
    }
  }
  const db = globalDb(env);
  const rows = [...sums.values()].map((r) => [r.scope, r.key, r.orders, r.returns]);
  const inserts: D1PreparedStatement[] = [];
  // One JSON parameter per statement (D1 allows 100 parameters a query, not 100 rows).
  for (let i = 0; i < rows.length; i += RATES_PER_INSERT) {
    inserts.push(
      db
        .prepare(
          `INSERT INTO risk_return_rates (scope, key, orders, returns, refreshed_at_ms)
           SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, ?1 FROM json_each(?2)`,
        )
        .bind(nowMs, JSON.stringify(rows.slice(i, i + RATES_PER_INSERT))),
    );
  }
  await db.batch([db.prepare(`DELETE FROM risk_return_rates`), ...inserts]);
  return { rates: rows.length };
}
