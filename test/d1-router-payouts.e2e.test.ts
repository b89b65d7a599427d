import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { LedgerEventMessage } from "#shared/messages";
import type { PayoutProcessor, ProcessorPayout } from "#shared/payouts/processor";
import { shardOf } from "#shared/queues/shards";
import { createApp } from "#workers/api/src/app";
import { holdRateFigures } from "#workers/api/src/features/analytics/risk-rates";
import { consumeLedgerEvents } from "#workers/api/src/features/ledger/consumer";
import { runPayoutReconciliation } from "#workers/api/src/features/payouts/reconciliation";
import { payoutOwnerOf, recordPayoutOwner } from "#workers/api/src/features/payouts/store";
import { usersWithUnavailableHolds } from "#workers/api/src/features/risk-holds/store";
import { ADMIN_HEADERS } from "./helpers";
import { payout } from "./payout-helpers";
import { homeAndOther, TWO_USER_DBS as TWO, usersOnBothShards } from "./user-dbs";

/**
 * `payouts` spread over two user databases (docs/scaling.md "D1 router"): the ledger-events
 * consumer and the dispatch's first row write each payout on its user's database, lookups by
 * payout id go through the global `payout_owners` index, and the lists, reconciliation, the
 * risk sweep and the hold rates' scored population gather every user database.
 */
const RUN = Math.random().toString(36).slice(2, 8);
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

async function consume(bodies: LedgerEventMessage[]) {
  await consumeLedgerEvents(
    createMessageBatch<LedgerEventMessage>(
      "boomerang-ledger-events",
      bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
    ),
    TWO,
  );
}

/**
 * A payout row where the routed layout keeps it (its user's database), and optionally its
 * owner row in the global index: the readers are tested on the layout itself.
 */
async function seedPayout(
  userId: string,
  id: string,
  row: { status: string; createdAtMs: number; holdReason?: string; indexed?: boolean },
) {
  const { home } = homeAndOther(userId);
  await home
    .prepare(
      `INSERT INTO payouts (id, user_id, status, destination_type, currency, amount_minor,
         hold_reason, processor_ref, created_at_ms, updated_at_ms, version)
       VALUES (?1, ?2, ?3, 'bank', 'INR', 5000, ?4, ?5, ?6, ?6, 1)`,
    )
    .bind(id, userId, row.status, row.holdReason ?? null, `ref_${id}`, row.createdAtMs)
    .run();
  if (row.indexed) {
    await env.DB.prepare(
      `INSERT INTO payout_owners (payout_id, user_id, recorded_at_ms) VALUES (?1, ?2, ?3)`,
    )
      .bind(id, userId, row.createdAtMs)
      .run();
  }
}

async function storedPayout(db: D1Database, id: string) {
  return db
    .prepare(`SELECT user_id AS userId, status, version FROM payouts WHERE id = ?1`)
    .bind(id)
    .first<{ userId: string; status: string; version: number }>();
}

async function adminGet(path: string) {
  const response = await createApp().fetch(
    new Request(`https://api.test${path}`, { headers: ADMIN_HEADERS }),
    TWO,
  );
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
}

describe("payout writes at two user databases", () => {
  it("the consumer projects each payout on its user's database only, the newest version winning", async () => {
    const users = usersOnBothShards(`po-w-${RUN}-`, 4);
    const createdAtMs = Date.UTC(2002, 0, 1);
    await consume(users.map((u, i) => payout(u, `po-w-${RUN}-${i}`, { createdAtMs, version: 2 })));
    // A redelivered older version changes nothing.
    await consume([
      payout(users[0] ?? "", `po-w-${RUN}-0`, { createdAtMs, status: "queued", version: 1 }),
    ]);
    for (const [i, user] of users.entries()) {
      const { home, other } = homeAndOther(user);
      expect(await storedPayout(home, `po-w-${RUN}-${i}`)).toEqual({
        userId: user,
        status: "paid",
        version: 2,
      });
      expect(await storedPayout(other, `po-w-${RUN}-${i}`)).toBeNull();
    }
  });

  it("dispatch's owner row is global and its first row on the user's database; lookups by id find both", async () => {
    const users = usersOnBothShards(`po-o-${RUN}-`, 2);
    for (const [i, user] of users.entries()) {
      const id = `po-o-${RUN}-${i}`;
      await recordPayoutOwner(TWO, id, user, 1_000);
      // A redelivered dispatch (the same payout and user) keeps the first rows.
      await recordPayoutOwner(TWO, id, user, 2_000);
      const { home, other } = homeAndOther(user);
      expect(await storedPayout(home, id)).toEqual({ userId: user, status: "queued", version: 0 });
      expect(await storedPayout(other, id)).toBeNull();
      const owner = await env.DB.prepare(`SELECT user_id FROM payout_owners WHERE payout_id = ?1`)
        .bind(id)
        .first<{ user_id: string }>();
      expect(owner?.user_id).toBe(user);
      expect(await payoutOwnerOf(TWO, id)).toBe(user);
    }
    // A payout row without its index row (an older build's, projected after the backfill):
    // found by asking every database, and indexed then, so the next lookup is one read.
    const [onOne] = usersOnBothShards(`po-old-${RUN}-`, 2).filter((u) => shardOf(u, 2) === 1);
    await env.USER_DB_1.prepare(
      `INSERT INTO payouts (id, user_id, status, updated_at_ms, version) VALUES (?1, ?2, 'queued', 1, 0)`,
    )
      .bind(`po-old-${RUN}`, onOne)
      .run();
    expect(await payoutOwnerOf(TWO, `po-old-${RUN}`)).toBe(onOne);
    const healed = await env.DB.prepare(`SELECT user_id FROM payout_owners WHERE payout_id = ?1`)
      .bind(`po-old-${RUN}`)
      .first<{ user_id: string }>();
    expect(healed?.user_id).toBe(onOne);
  });

  it("a payout held for review (never dispatched) is indexed with its first projection, before its row", async () => {
    const users = usersOnBothShards(`po-held-${RUN}-`, 4);
    const createdAtMs = Date.UTC(2002, 1, 1);
    const held = (u: string, i: number) =>
      payout(u, `po-held-${RUN}-${i}`, {
        createdAtMs,
        status: "held",
        holdReason: "new_device",
        processorId: null,
        processorRef: null,
        attempts: 0,
      });
    await consume(users.map(held));
    for (const [i, user] of users.entries()) {
      const id = `po-held-${RUN}-${i}`;
      const owner = await env.DB.prepare(
        `SELECT user_id AS userId, recorded_at_ms AS recordedAtMs FROM payout_owners WHERE payout_id = ?1`,
      )
        .bind(id)
        .first<{ userId: string; recordedAtMs: number }>();
      expect(owner).toEqual({ userId: user, recordedAtMs: createdAtMs });
      expect(await payoutOwnerOf(TWO, id)).toBe(user);
      expect((await storedPayout(homeAndOther(user).home, id))?.status).toBe("held");
    }
  });
});

describe("payout readers at two user databases", () => {
  it("the admin list (GET /admin/v1/payouts) pages both databases newest first; a user's from its own", async () => {
    const base = Date.UTC(2002, 5, 1);
    // Two payouts (the 4th and 5th) share a creation time, and their users are on different
    // databases: the id breaks the tie across databases.
    const pool = usersOnBothShards(`po-l-${RUN}-`, 7);
    const onZero = pool.find((u) => shardOf(u, 2) === 0) as string;
    const onOne = pool.find((u) => shardOf(u, 2) === 1) as string;
    const rest = pool.filter((u) => u !== onZero && u !== onOne);
    const users = [...rest.slice(0, 3), onZero, onOne, ...rest.slice(3)];
    const created = [0, 1, 2, 3, 3, 5, 6].map((m) => base + m * 60_000);
    for (const [i, user] of users.entries()) {
      await seedPayout(user, `po-l-${RUN}-${i}`, {
        status: "paid",
        createdAtMs: created[i] ?? base,
      });
    }
    const newestFirst = users
      .map((_, i) => ({ id: `po-l-${RUN}-${i}`, at: created[i] ?? base }))
      .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
      .map((p) => p.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const query = new URLSearchParams({
        limit: "2",
        from: new Date(base).toISOString(),
        to: new Date(base + HOUR_MS).toISOString(),
        ...(cursor ? { cursor } : {}),
      });
      const body = (await adminGet(`/admin/v1/payouts?${query}`)) as {
        items: Array<{ id: string; userId: string }>;
        nextCursor: string | null;
      };
      seen.push(...body.items.map((p) => p.id));
      cursor = body.nextCursor;
      if (cursor === null) break;
    }
    expect(seen).toEqual(newestFirst);
    const mine = (await adminGet(
      `/admin/v1/payouts?userId=${encodeURIComponent(users[1] ?? "")}`,
    )) as { items: Array<{ id: string }> };
    expect(mine.items.map((p) => p.id)).toEqual([`po-l-${RUN}-1`]);
  });

  it("reconciliation finds our payouts of every database, in the window and named by id", async () => {
    const NOW = Date.UTC(2003, 2, 10, 4);
    const users = usersOnBothShards(`po-r-${RUN}-`, 4);
    const id = (i: number, what: string) => `po-r-${RUN}-${i}-${what}`;
    for (const [i, user] of users.entries()) {
      // In the window: paid here, failed at the processor.
      await seedPayout(user, id(i, "win"), { status: "paid", createdAtMs: NOW - DAY_MS });
      // Before the window, named by the report: read by id through the owner index (user 0's
      // is not in the index, as one an older build projected: every database is asked).
      await seedPayout(user, id(i, "old"), {
        status: "paid",
        createdAtMs: NOW - 10 * DAY_MS,
        indexed: i > 0,
      });
    }
    const theirs = (payoutId: string, status: "completed" | "failed"): ProcessorPayout => ({
      payoutId,
      processorRef: `ref_${payoutId}`,
      status,
      amountMinor: 5_000,
      currency: "INR",
      failureCode: status === "failed" ? "account_closed" : null,
      updatedAtMs: NOW - 2 * HOUR_MS,
    });
    const report = users.flatMap((_, i) => [
      theirs(id(i, "win"), "failed"),
      theirs(id(i, "old"), "completed"),
    ]);
    const processor: PayoutProcessor = {
      id: "fake",
      create: async () => ({ kind: "unavailable", reason: "not used" }),
      lookup: async () => ({ kind: "not_found" }),
      parseWebhook: async () => ({ ok: false, reason: "malformed", detail: "not used" }),
      report: async () => ({ kind: "ok", payouts: report }),
    };
    const summary = await runPayoutReconciliation(TWO, processor, { nowMs: NOW });
    expect(summary.status).toBe("completed");
    const { results } = await env.DB.prepare(
      `SELECT kind, subject FROM payout_discrepancies WHERE run_id = ?1 AND subject LIKE ?2
       ORDER BY subject`,
    )
      .bind(summary.runId, `po-r-${RUN}-%`)
      .all<{ kind: string; subject: string }>();
    // Every window payout mismatches; the old ones agree. None is unknown to us.
    expect(results.map((r) => `${r.kind} ${r.subject}`)).toEqual(
      users.map((_, i) => `status_mismatch ${id(i, "win")}`),
    );
  });

  it("the risk sweep's held users and the hold rates' scored users gather both databases", async () => {
    const users = usersOnBothShards(`po-h-${RUN}-`, 4);
    const day = Date.UTC(2004, 2, 1);
    for (const [i, user] of users.entries()) {
      await seedPayout(user, `po-h-${RUN}-${i}`, {
        status: "held",
        holdReason: "risk_unavailable",
        createdAtMs: day + i * 60_000,
      });
    }
    const figures = await holdRateFigures(
      TWO,
      {
        from: "2004-03-01",
        to: "2004-03-01",
        previous: { from: "2004-02-29", to: "2004-02-29" },
      },
      {},
    );
    // Every user who asked for a payout that day was scored, whichever database holds them.
    expect(figures.totals.scoredUsers).toBe(users.length);
    // The sweep's list: users of both databases, the oldest held first.
    const held = await usersWithUnavailableHolds(TWO, 50);
    expect(held.filter((h) => h.userId.startsWith(`po-h-${RUN}-`))).toEqual(
      users.map((userId, i) => ({ userId, oldestAtMs: day + i * 60_000 })),
    );
    expect((await usersWithUnavailableHolds(TWO, 1)).length).toBe(1);
  });
});
