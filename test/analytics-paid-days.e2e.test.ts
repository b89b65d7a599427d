import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { LedgerEventMessage } from "#shared/messages";
import { shardOf } from "#shared/queues/shards";
import { consumeLedgerEvents } from "#workers/api/src/features/ledger/consumer";
import { usersOnBothShards } from "./user-dbs";

/**
 * A newly paid payout marks the days of its user's confirmed conversions dirty (docs/scaling.md
 * "D1 router", "The paid users' dirty days"), at one user database and at two. The days must
 * be read after the payout commits: a conversion that a concurrent batch confirms while this
 * one runs, committed just before this batch's own writes (the order a race produces: the
 * hook below), is marked by this batch too. Read before the batch, its day was missed, and the
 * concurrent batch's own mark could be cleared by a rollup that ran before the payout was paid.
 */
const RUN = Math.random().toString(36).slice(2, 8);
const DAY_MS = 86_400_000;

function payoutPaid(userId: string, id: string, atMs: number): LedgerEventMessage {
  return {
    kind: "payout",
    userId,
    payout: {
      id,
      status: "paid",
      destinationType: null,
      destinationMasked: null,
      currency: "EUR",
      amountMinor: 250,
      holdReason: null,
      failureCode: null,
      attention: null,
      attempts: 1,
      processorId: null,
      processorRef: null,
      createdAtMs: atMs,
      updatedAtMs: atMs,
      paidAtMs: atMs,
      version: 1,
    },
  };
}

/** A confirmed conversion of `userId` on `day`, written straight onto its database. */
async function confirmedOn(db: D1Database, userId: string, id: string, day: string) {
  const atMs = Date.parse(`${day}T12:00:00Z`);
  await db
    .prepare(
      `INSERT INTO transactions (id, network_id, order_id, user_id, status, currency,
         sale_amount_minor, commission_minor, cashback_minor, rate_bps, converted_at_ms,
         confirmed_at_ms, version, updated_at_ms)
       VALUES (?1, 'pd-net', ?1, ?2, 'confirmed', 'EUR', 10000, 500, 250, 250, ?3, ?3, 1, ?3)`,
    )
    .bind(id, userId, atMs)
    .run();
}

/** `db`, whose first batch first runs `before` (another batch committing in between). */
function beforeFirstBatch(db: D1Database, before: () => Promise<void>): D1Database {
  let pending = true;
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          if (pending) {
            pending = false;
            await before();
          }
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function markedDays(days: readonly string[]): Promise<string[]> {
  const { results } = await env.DB.prepare(
    `SELECT key FROM analytics_dirty WHERE kind = 'day' AND key IN (SELECT value FROM json_each(?1))
     ORDER BY key`,
  )
    .bind(JSON.stringify(days))
    .all<{ key: string }>();
  return results.map((r) => r.key);
}

describe("a paid payout marks its user's confirmed days dirty", () => {
  for (const shards of [1, 2]) {
    it(`at ${shards} user database(s), a conversion confirmed while the batch runs included`, async () => {
      const users = shards === 1 ? [`pd-${RUN}-one`] : usersOnBothShards(`pd-${RUN}-two-`, 2);
      const dbs = [env.DB, env.USER_DB_1];
      const homeOf = (userId: string) => dbs[shardOf(userId, shards)] as D1Database;
      // Per user: a conversion confirmed before the batch, and one confirmed by a concurrent
      // batch that commits after this batch started, before its writes. Years apart per run.
      const dayOf = (i: number, late: boolean) =>
        new Date(Date.UTC(2012 + shards, 0, 1) + (2 * i + (late ? 1 : 0)) * DAY_MS)
          .toISOString()
          .slice(0, 10);
      const early = users.map((_, i) => dayOf(i, false));
      const late = users.map((_, i) => dayOf(i, true));
      await env.DB.prepare(
        "DELETE FROM analytics_dirty WHERE kind = 'day' AND key IN (SELECT value FROM json_each(?1))",
      )
        .bind(JSON.stringify([...early, ...late]))
        .run();
      for (const [i, userId] of users.entries()) {
        await confirmedOn(homeOf(userId), userId, `pd-${RUN}-${shards}-e${i}`, early[i] as string);
      }
      const concurrentConfirmations = (db: D1Database) => async () => {
        for (const [i, userId] of users.entries()) {
          if (homeOf(userId) !== db) continue;
          await confirmedOn(db, userId, `pd-${RUN}-${shards}-l${i}`, late[i] as string);
        }
      };
      const raced = {
        ...env,
        USER_DB_SHARDS: String(shards),
        DB: beforeFirstBatch(env.DB, concurrentConfirmations(env.DB)),
        USER_DB_1: beforeFirstBatch(env.USER_DB_1, concurrentConfirmations(env.USER_DB_1)),
      };
      const nowMs = Date.now();
      await consumeLedgerEvents(
        createMessageBatch<LedgerEventMessage>(
          "boomerang-ledger-events",
          users.map((userId, i) => ({
            id: `m${i}`,
            timestamp: new Date(),
            attempts: 1,
            body: payoutPaid(userId, `pd-${RUN}-${shards}-po${i}`, nowMs),
          })),
        ),
        raced as typeof env,
      );
      if (shards === 2) expect(new Set(users.map((u) => shardOf(u, 2)))).toEqual(new Set([0, 1]));
      expect(await markedDays([...early, ...late])).toEqual([...early, ...late].sort());
    });
  }
});
