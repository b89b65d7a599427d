import type { BatchItem } from "drizzle-orm/batch";
import { eachUserDb } from "#shared/db/router";
import { queueFor } from "#shared/queues/shards";
import { runInBatches } from "#workers/api/src/db/batch";
import { balanceProjections } from "#workers/api/src/features/ledger/balances-store";

/**
 * The scale bench's worker (bench/scale-bench.ts): intake and consumer of the sharded path
 * with the product's own pieces — `queueFor` picks the postbacks shard by key, the consumer
 * writes each message's wallet balances with the real `balanceProjections` into the user's
 * database through the D1 router, one D1 batch per database per queue batch, as the
 * ledger-events consumer does. Not the whole pipeline (no wallet object, no adapters): it
 * measures what sharding changes, queues and D1 writers.
 */
interface BenchEnv {
  DB: D1Database;
  USER_DB_SHARDS: string;
  POSTBACK_QUEUE_SHARDS: string;
}

interface BenchMessage {
  userId: string;
  ledgerSeq: number;
  atMs: number;
}

const DDL = `CREATE TABLE IF NOT EXISTS wallet_balances (user_id TEXT NOT NULL, bucket TEXT NOT NULL,
  currency TEXT NOT NULL, balance_minor INTEGER NOT NULL, ledger_seq INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL, PRIMARY KEY (user_id, bucket, currency))`;

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/setup") {
      for (const db of eachUserDb(env)) await db.prepare(DDL).run();
      return new Response("ok");
    }
    if (url.pathname === "/count") {
      const counts = await Promise.all(
        eachUserDb(env).map(async (db) =>
          Number(
            (await db.prepare("SELECT COUNT(*) AS n FROM wallet_balances").first<{ n: number }>())
              ?.n ?? 0,
          ),
        ),
      );
      return Response.json(counts);
    }
    const userId = url.searchParams.get("user") ?? "";
    const message: BenchMessage = { userId, ledgerSeq: 1, atMs: Date.now() };
    await queueFor<BenchMessage>(env, "POSTBACKS", userId).send(message);
    return new Response(null, { status: 202 });
  },

  async queue(batch: MessageBatch<BenchMessage>, env: BenchEnv): Promise<void> {
    const perDb = new Map<D1Database, BatchItem<"sqlite">[]>();
    for (const { body } of batch.messages) {
      const { db, statements } = balanceProjections(env, {
        userId: body.userId,
        ledgerSeq: body.ledgerSeq,
        atMs: body.atMs,
        balances: [
          { bucket: "pending", currency: "INR", balanceMinor: 8_000 },
          { bucket: "confirmed", currency: "INR", balanceMinor: 0 },
        ],
      });
      perDb.set(db, [...(perDb.get(db) ?? []), ...statements]);
    }
    await Promise.all([...perDb].map(([db, statements]) => runInBatches(db, statements)));
    batch.ackAll();
  },
};
