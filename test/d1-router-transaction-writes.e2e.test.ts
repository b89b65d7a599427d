import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { transactionIdFor } from "#shared/ids";
import { encodeSubId } from "#shared/links/sub-id";
import type { LedgerEventMessage, PostbackMessage } from "#shared/messages";
import { shardOf } from "#shared/queues/shards";
import { refreshWeeks } from "#workers/api/src/features/analytics/index";
import { prepareConversion } from "#workers/api/src/features/conversions/apply-conversion";
import { consumeLedgerEvents } from "#workers/api/src/features/ledger/consumer";
import { networkTransactionsIn, transactionsByIds } from "#workers/api/src/features/ledger/index";
import {
  findTransaction,
  searchTransactions,
} from "#workers/api/src/features/operations/search-store";
import apiWorker from "#workers/api/src/index";
import { seedCatalog } from "./helpers";
import { acceptedPostbackMessage } from "./postback-messages";
import { homeAndOther, TWO_USER_DBS as TWO, usersOnBothShards } from "./user-dbs";

/**
 * `transactions` routed over the user databases (docs/scaling.md "D1 router"), at two: the
 * ledger-events consumer writes each wallet's transaction on its user's database (and drops the
 * row the order had without a user), conversion intake records a duplicate claimant's row on
 * the claimant's database and a row without a user on the global one, a status update without
 * a sub-ID finds its order through the global claims and the owner's database, and the
 * readers (search, one transaction, reconciliation's reads, the cohorts) see every database.
 */
const RUN = Math.random().toString(36).slice(2, 8);
const NETWORK = "test-net";
const OFFER = "test-shop-offer";
const HOUR_MS = 3_600_000;

beforeAll(async () => {
  await seedCatalog();
});

function txn(id: string, orderId: string, convertedAtMs: number, status = "pending") {
  return {
    id,
    networkId: NETWORK,
    orderId,
    offerId: OFFER,
    clickId: `clk_${RUN}abcdefgh`,
    status,
    rejectReason: null,
    currency: "EUR",
    saleAmountMinor: 10_000,
    commissionMinor: 500,
    cashbackMinor: 250,
    rateBps: 250,
    clickedAtMs: convertedAtMs - HOUR_MS,
    convertedAtMs,
    expectedConfirmAtMs: null,
    confirmedAtMs: status === "confirmed" ? convertedAtMs + HOUR_MS : null,
    version: 1,
    updatedAtMs: convertedAtMs,
  } as Extract<LedgerEventMessage, { kind: "transaction" }>["txn"];
}

async function consume(bodies: LedgerEventMessage[]) {
  await consumeLedgerEvents(
    createMessageBatch<LedgerEventMessage>(
      "boomerang-ledger-events",
      bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
    ),
    TWO as typeof env,
  );
}

/** A user's transaction written straight onto `db`, so a reader is tested on its own. */
async function seedTxn(db: D1Database, userId: string, t: ReturnType<typeof txn>): Promise<void> {
  await db
    .prepare(
      `INSERT INTO transactions (id, network_id, order_id, user_id, offer_id, click_id, status,
         currency, sale_amount_minor, commission_minor, cashback_minor, rate_bps, boost_minor,
         clicked_at_ms, converted_at_ms, confirmed_at_ms, version, updated_at_ms)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'EUR', 10000, 500, 250, 250, 0, ?8, ?9, ?10, 1, ?9)`,
    )
    .bind(
      t.id,
      t.networkId,
      t.orderId,
      userId,
      t.offerId,
      t.clickId,
      t.status,
      t.clickedAtMs,
      t.convertedAtMs,
      t.confirmedAtMs,
    )
    .run();
}

async function rowOn(db: D1Database, id: string) {
  return db
    .prepare(
      "SELECT user_id AS userId, status, reject_reason AS reason FROM transactions WHERE id = ?",
    )
    .bind(id)
    .first<{ userId: string | null; status: string; reason: string | null }>();
}

describe("transactions written at two user databases", () => {
  it("the ledger-events consumer writes each user's transaction on the user's database and drops the order's row without a user", async () => {
    const users = usersOnBothShards(`txw-${RUN}-`, 2);
    const atMs = Date.parse("2017-03-01T10:00:00Z");
    const orders = users.map((_, i) => `txw-${RUN}-order-${i}`);
    const ids = await Promise.all(orders.map((o) => transactionIdFor(NETWORK, o)));
    // The order of the user on user database 1 was first recorded without a user (no
    // sub-ID), in the global database: the projection must leave no copy of it there.
    const j = users.findIndex((u) => shardOf(u, 2) === 1);
    await env.DB.prepare(
      `INSERT INTO transactions (id, network_id, order_id, user_id, status, reject_reason,
         currency, sale_amount_minor, commission_minor, cashback_minor, rate_bps,
         converted_at_ms, version, updated_at_ms)
       VALUES (?1, ?2, ?3, NULL, 'rejected', 'missing_sub_id', 'EUR', 10000, 500, 0, 0, ?4, 0, ?4)`,
    )
      .bind(ids[j], NETWORK, orders[j], atMs)
      .run();

    await consume(
      users.map((userId, i) => ({
        kind: "transaction" as const,
        userId,
        txn: txn(ids[i] as string, orders[i] as string, atMs + i),
      })),
    );
    for (const [i, userId] of users.entries()) {
      const { home, other } = homeAndOther(userId);
      expect(await rowOn(home, ids[i] as string)).toEqual({
        userId,
        status: "pending",
        reason: null,
      });
      expect(await rowOn(other, ids[i] as string)).toBeNull();
    }
  });

  it("the consumer deletes a row without a user in the global batch only for an order that has one", async () => {
    const users = usersOnBothShards(`txd-${RUN}-`, 4);
    const onOne = users.filter((u) => shardOf(u, 2) === 1);
    const atMs = Date.parse("2012-07-01T10:00:00Z");
    const orders = onOne.map((_, i) => `txd-${RUN}-order-${i}`);
    const ids = await Promise.all(orders.map((o) => transactionIdFor(NETWORK, o)));
    // The global database's statements, as the consumer prepares them.
    const prepared: string[] = [];
    const global = new Proxy(env.DB, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (key === "prepare") prepared.push(String(args[0]));
          return value.apply(target, args);
        };
      },
    });
    const project = () =>
      consumeLedgerEvents(
        createMessageBatch<LedgerEventMessage>(
          "boomerang-ledger-events",
          onOne.map((userId, i) => ({
            id: `m${i}`,
            timestamp: new Date(),
            attempts: 1,
            body: {
              kind: "transaction" as const,
              userId,
              txn: txn(ids[i] as string, orders[i] as string, atMs + i),
            },
          })),
        ),
        { ...TWO, DB: global } as typeof env,
      );
    const deletes = () => prepared.filter((q) => /^delete from "transactions"/i.test(q)).length;
    // No order of the batch was recorded without a user: no DELETE reaches the global batch.
    await project();
    expect(deletes()).toBe(0);
    // One was (a postback without a usable sub-ID before the wallet held it): one DELETE, and
    // the row is gone.
    await env.DB.prepare(
      `INSERT INTO transactions (id, network_id, order_id, user_id, status, reject_reason,
         currency, sale_amount_minor, commission_minor, cashback_minor, rate_bps,
         converted_at_ms, version, updated_at_ms)
       VALUES (?1, ?2, ?3, NULL, 'rejected', 'missing_sub_id', 'EUR', 10000, 500, 0, 0, ?4, 0, ?4)`,
    )
      .bind(ids[0], NETWORK, orders[0], atMs)
      .run();
    prepared.length = 0;
    await project();
    expect(deletes()).toBe(1);
    expect(await rowOn(env.DB, ids[0] as string)).toBeNull();
    expect((await rowOn(env.USER_DB_1, ids[0] as string))?.userId).toBe(onOne[0]);
  });

  it("the search, one transaction and reconciliation's reads see every user database", async () => {
    const users = usersOnBothShards(`txr-${RUN}-`, 2);
    const atMs = Date.parse("2017-04-01T10:00:00Z");
    const orders = users.map((_, i) => `txr-${RUN}-order-${i}`);
    const ids = await Promise.all(orders.map((o) => transactionIdFor(NETWORK, o)));
    for (const [i, userId] of users.entries()) {
      const t = txn(ids[i] as string, orders[i] as string, atMs + i);
      await seedTxn(homeAndOther(userId).home, userId, t);
    }
    const found = await searchTransactions(
      TWO,
      { networkId: NETWORK, fromMs: atMs, toMs: atMs + 10 },
      null,
      10,
    );
    expect(found.map((r) => r.id)).toEqual([ids[1], ids[0]]);
    const mine = await searchTransactions(TWO, { userId: users[1] }, null, 10);
    expect(mine.map((r) => r.id)).toEqual([ids[1]]);
    for (const [i, userId] of users.entries()) {
      expect((await findTransaction(TWO, ids[i] as string))?.userId).toBe(userId);
    }
    const owners = new Map(ids.map((id, i) => [id, users[i] as string]));
    const byIds = await transactionsByIds(TWO, ids, (id) => owners.get(id));
    expect(ids.map((id) => byIds.get(id)?.userId)).toEqual(users);
    const inWindow = await networkTransactionsIn(
      TWO,
      NETWORK,
      { fromMs: atMs, toMs: atMs + 10 },
      10,
    );
    expect(inWindow.map((t) => t.id)).toEqual(ids);
  });

  it("the search pages one row at a time over both databases, a tie on purchase time broken by id", async () => {
    const pool = usersOnBothShards(`txp-${RUN}-`, 4);
    const onZero = pool.find((u) => shardOf(u, 2) === 0) as string;
    const onOne = pool.find((u) => shardOf(u, 2) === 1) as string;
    const users = [onZero, onOne, ...pool.filter((u) => u !== onZero && u !== onOne)];
    const atMs = Date.parse("2016-03-01T10:00:00Z");
    // Two rows share a purchase time, one on each database.
    const times = [atMs + 5, atMs + 5, atMs + 1, atMs + 9];
    const rows: Array<{ id: string; at: number }> = [];
    for (const [i, userId] of users.entries()) {
      const order = `txp-${RUN}-order-${i}`;
      const id = await transactionIdFor(NETWORK, order);
      await seedTxn(homeAndOther(userId).home, userId, txn(id, order, times[i] as number));
      rows.push({ id, at: times[i] as number });
    }
    const expected = rows.sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1)).map((r) => r.id);
    const seen: string[] = [];
    let after: { atMs: number; id: string } | null = null;
    for (let page = 0; page < 6; page++) {
      const found = await searchTransactions(
        TWO,
        { networkId: NETWORK, fromMs: atMs, toMs: atMs + 10 },
        after,
        1,
      );
      if (found.length === 0) break;
      const last = found.at(-1) as { id: string; convertedAtMs: number };
      seen.push(last.id);
      after = { atMs: last.convertedAtMs, id: last.id };
    }
    expect(seen).toEqual(expected);
  });

  it("conversion intake records a duplicate claimant's row on the claimant's database and a row without a user on the global one", async () => {
    // The claimant on user database 1, so its record cannot land in the global one by chance.
    const users = usersOnBothShards(`txd-${RUN}-`, 2);
    const claimant = users.find((u) => shardOf(u, 2) === 1) as string;
    const owner = users.find((u) => u !== claimant) as string;
    const order = `txd-${RUN}-shared`;
    const forgedOrder = `txd-${RUN}-forged`;
    await env.DB.prepare(
      `INSERT INTO order_claims (network_id, order_id, user_id, click_id, claimed_at_ms)
       VALUES (?1, ?2, ?3, NULL, ?4)`,
    )
      .bind(NETWORK, order, owner, Date.now())
      .run();
    const subId = await encodeSubId(env.SUBID_SIGNING_KEY, {
      userId: claimant,
      offerId: OFFER,
      clickId: `clk_${RUN}dupclick`,
      clickAtSec: Math.floor(Date.now() / 1000) - 60,
    });
    // Signed with another key: no user can be trusted, so the row has none.
    const forged = await encodeSubId("not-the-signing-key-0123456789abcdef", {
      userId: claimant,
      offerId: OFFER,
      clickId: `clk_${RUN}forgedclk`,
      clickAtSec: Math.floor(Date.now() / 1000) - 60,
    });
    const bodies: PostbackMessage[] = [
      await acceptedPostbackMessage(NETWORK, `pb_txd_${RUN}_1`, { orderId: order, subId }),
      await acceptedPostbackMessage(NETWORK, `pb_txd_${RUN}_2`, {
        orderId: forgedOrder,
        subId: forged,
      }),
    ];
    const batch = createMessageBatch<PostbackMessage>(
      "boomerang-postbacks",
      bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await apiWorker.queue(batch, TWO as typeof env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages).toEqual([]);

    const { home, other } = homeAndOther(claimant);
    const duplicate = await home
      .prepare(
        "SELECT user_id AS userId FROM transactions WHERE network_id = ? AND order_id = ? AND reject_reason = 'duplicate_order'",
      )
      .bind(NETWORK, order)
      .all<{ userId: string }>();
    expect(duplicate.results).toEqual([{ userId: claimant }]);
    const elsewhere = await other
      .prepare("SELECT COUNT(*) AS n FROM transactions WHERE network_id = ? AND order_id = ?")
      .bind(NETWORK, order)
      .first<{ n: number }>();
    expect(elsewhere?.n).toBe(0);
    // No user, no user database: the global database (user database 0) holds it.
    const forgedId = await transactionIdFor(NETWORK, forgedOrder);
    expect(await rowOn(env.DB, forgedId)).toEqual({
      userId: null,
      status: "rejected",
      reason: "forged_sub_id",
    });
    expect(await rowOn(env.USER_DB_1, forgedId)).toBeNull();
  });

  it("a status update without a sub-ID reaches the wallet of the order's owner, whose row is on the owner's database", async () => {
    const users = usersOnBothShards(`txa-${RUN}-`, 2);
    const atMs = Date.now() - HOUR_MS;
    for (const [i, userId] of users.entries()) {
      const order = `txa-${RUN}-${i}`;
      await env.DB.prepare(
        `INSERT INTO order_claims (network_id, order_id, user_id, click_id, claimed_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)`,
      )
        .bind(NETWORK, order, userId, `clk_${RUN}abcdefgh`, atMs)
        .run();
      const id = await transactionIdFor(NETWORK, order);
      await seedTxn(homeAndOther(userId).home, userId, txn(id, order, atMs));
      const prepared = await prepareConversion(
        TWO as typeof env,
        NETWORK,
        {
          orderId: order,
          subId: null,
          status: "approved",
          currency: "EUR",
          saleAmountMinor: 10_000,
          commissionMinor: 500,
          lineItems: null,
          category: null,
          occurredAtMs: atMs,
          updatedAtMs: null,
        },
        { sourceId: `pb_txa_${RUN}_${i}`, source: "postback", receivedAtMs: Date.now() },
      );
      expect(prepared.kind === "wallet" ? prepared.event.userId : prepared.kind).toBe(userId);
    }
  });

  it("a status update with no usable sub-ID for a claimed order whose row is not projected yet leaves no row without a user", async () => {
    // The owner on user database 1: its row, once projected, is not in the global database.
    const owner = usersOnBothShards(`txo-${RUN}-`, 2).find((u) => shardOf(u, 2) === 1) as string;
    const order = `txo-${RUN}-claimed`;
    await env.DB.prepare(
      `INSERT INTO order_claims (network_id, order_id, user_id, click_id, claimed_at_ms)
       VALUES (?1, ?2, ?3, ?4, ?5)`,
    )
      .bind(NETWORK, order, owner, `clk_${RUN}abcdefgh`, Date.now())
      .run();
    // The ledger-events queue lags: the owner's database has no row for the order yet.
    // Signed with another key: the order, not the sub-ID, routes the update.
    const forged = await encodeSubId("not-the-signing-key-0123456789abcdef", {
      userId: owner,
      offerId: OFFER,
      clickId: `clk_${RUN}abcdefgh`,
      clickAtSec: Math.floor(Date.now() / 1000) - 60,
    });
    const body = await acceptedPostbackMessage(NETWORK, `pb_txo_${RUN}`, {
      orderId: order,
      subId: forged,
    });
    const batch = createMessageBatch<PostbackMessage>("boomerang-postbacks", [
      { id: "m0", timestamp: new Date(), attempts: 1, body },
    ]);
    const ctx = createExecutionContext();
    await apiWorker.queue(batch, TWO as typeof env, ctx);
    await getQueueResult(batch, ctx);
    // No rejected copy of an owned order beside the owner's row to come.
    const id = await transactionIdFor(NETWORK, order);
    expect(await rowOn(env.DB, id)).toBeNull();
    expect(await rowOn(env.USER_DB_1, id)).toBeNull();
  });

  it("the cohort rollup counts each user database's members against the same database's transactions", async () => {
    const week = "2016-02-01";
    const weekMs = Date.parse(`${week}T00:00:00Z`);
    const users = usersOnBothShards(`txc-${RUN}-`, 2);
    for (const [i, userId] of users.entries()) {
      await consume([
        { kind: "profile", userId, displayName: null, signedUpAtMs: weekMs + HOUR_MS },
      ]);
      const t = txn(`txc-${RUN}-${i}`, `txc-${RUN}-${i}`, weekMs + 2 * HOUR_MS, "confirmed");
      await seedTxn(homeAndOther(userId).home, userId, t);
    }
    await refreshWeeks(TWO, [week], Date.now());
    const rows = await env.DB.prepare(
      `SELECT currency, users, converting_users AS converting, cashback_minor AS cashback
       FROM analytics_cohorts_weekly WHERE week = ? ORDER BY currency`,
    )
      .bind(week)
      .all();
    expect(rows.results).toEqual([
      { currency: "", users: 2, converting: 2, cashback: 0 },
      { currency: "EUR", users: 2, converting: 2, cashback: 500 },
    ]);
  });
});
