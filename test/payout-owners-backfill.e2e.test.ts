import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { LedgerEventMessage } from "#shared/messages";
import { shardOf } from "#shared/queues/shards";
import { consumeLedgerEvents } from "#workers/api/src/features/ledger/consumer";
import { payoutOwnerOf, payoutsByIds } from "#workers/api/src/features/payouts/store";
import { payout } from "./payout-helpers";
import { TWO_USER_DBS as TWO, usersOnBothShards } from "./user-dbs";

/**
 * Migration 0060's backfill of the global payout → user index (`payout_owners`) at two user
 * databases (docs/scaling.md "D1 router", `payouts`). `wrangler d1 migrations apply` runs the
 * migration on each database by itself, so its `INSERT … SELECT FROM payouts` indexes only the
 * payouts of the database it runs on, into that database's own copy of the table: on user
 * database 0 (the global one) that is the index; on user database 1 it is a copy nobody reads.
 * What covers the payouts of every other database is the self-heal: a lookup by id asks every
 * user database for a payout the index does not know and records its owner, and the payout's
 * next projection writes its index row in the global batch.
 */
const RUN = Math.random().toString(36).slice(2, 8);

async function globalOwner(payoutId: string) {
  const row = await env.DB.prepare(`SELECT user_id FROM payout_owners WHERE payout_id = ?1`)
    .bind(payoutId)
    .first<{ user_id: string }>();
  return row?.user_id ?? null;
}

/** A payout an older build projected without an index row, on its user's database. */
async function unindexedPayout(userId: string, id: string) {
  const home = shardOf(userId, 2) === 0 ? env.DB : env.USER_DB_1;
  await home
    .prepare(
      `INSERT INTO payouts (id, user_id, status, currency, amount_minor, processor_ref,
         created_at_ms, updated_at_ms, version)
       VALUES (?1, ?2, 'held', 'INR', 5000, ?3, 1000, 1000, 1)`,
    )
    .bind(id, userId, `ref_${id}`)
    .run();
}

/** Migration 0060's statements on every user database, as a deploy's migrations apply them. */
async function applyBackfillOnEachDatabase() {
  const backfill = env.TEST_MIGRATIONS.find((m) => m.name.startsWith("0060_"));
  expect(backfill?.queries.length).toBeGreaterThan(0);
  for (const db of [env.DB, env.USER_DB_1]) {
    for (const query of backfill?.queries ?? []) await db.prepare(query).run();
  }
}

describe("migration 0060's backfill at two user databases", () => {
  it("indexes database 0's payouts; every database's are found by id and then indexed", async () => {
    const users = usersOnBothShards(`po-bf-${RUN}-`, 4);
    const ids = users.map((_, i) => `po-bf-${RUN}-${i}`);
    for (const [i, user] of users.entries()) await unindexedPayout(user, ids[i] as string);
    await applyBackfillOnEachDatabase();

    // The migration alone indexes the payouts of the global database only.
    for (const [i, user] of users.entries()) {
      expect(await globalOwner(ids[i] as string)).toBe(shardOf(user, 2) === 0 ? user : null);
    }
    // Reconciliation's read by id finds the payouts of both databases, indexed or not.
    const found = await payoutsByIds(TWO, ids);
    expect(found.map((p) => p.id).sort()).toEqual([...ids].sort());
    // A lookup by id (a webhook, the operator's payout page) finds every owner on its own
    // database and records it, so the next lookup is one read of the index.
    for (const [i, user] of users.entries()) {
      expect(await payoutOwnerOf(TWO, ids[i] as string)).toBe(user);
      expect(await globalOwner(ids[i] as string)).toBe(user);
    }
  });

  it("a payout on database 1 is indexed by its next projection, without any lookup", async () => {
    const [user] = usersOnBothShards(`po-bf-next-${RUN}-`, 4).filter((u) => shardOf(u, 2) === 1);
    const id = `po-bf-next-${RUN}`;
    await unindexedPayout(user as string, id);
    await applyBackfillOnEachDatabase();
    expect(await globalOwner(id)).toBeNull();
    const message = payout(user as string, id, {
      createdAtMs: 1_000,
      updatedAtMs: 2_000,
      paidAtMs: 2_000,
      version: 2,
    });
    await consumeLedgerEvents(
      createMessageBatch<LedgerEventMessage>("boomerang-ledger-events", [
        { id: "m0", timestamp: new Date(), attempts: 1, body: message },
      ]),
      TWO,
    );
    expect(await globalOwner(id)).toBe(user);
    const status = await env.USER_DB_1.prepare(`SELECT status FROM payouts WHERE id = ?1`)
      .bind(id)
      .first<{ status: string }>();
    expect(status?.status).toBe("paid");
  });
});
