import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { beforeAll, describe, expect, it } from "vitest";
import { ROUTED } from "#shared/db/placement";
import { shardOf } from "#shared/queues/shards";
import { createApp } from "#workers/api/src/app";
import { balanceProjections } from "#workers/api/src/features/ledger/balances-store";
import { payoutsByIds, recordPayoutOwner } from "#workers/api/src/features/payouts/store";
import { runStep } from "#workers/api/src/features/user-db-moves/job";
import { MOVED_TABLES, type MovedTable } from "#workers/api/src/features/user-db-moves/tables";
import { ADMIN_HEADERS } from "./helpers";

/**
 * Re-sharding the user databases (docs/scaling.md "Re-sharding the user databases") through
 * the admin routes, at 1 → 2 and then 2 → 4 databases: every row ends in the database the new
 * count names, once; a live write during the move is not overwritten by an older copy; a run
 * cut short by a fault resumes without writing or counting a page twice; the global payout
 * index still finds every payout. The four databases are this file's own (vitest.config.ts).
 */
const DBS: readonly D1Database[] = [env.MOVE_DB_0, env.MOVE_DB_1, env.MOVE_DB_2, env.MOVE_DB_3];
const base = {
  ...env,
  DB: env.MOVE_DB_0,
  USER_DB_1: env.MOVE_DB_1,
  USER_DB_2: env.MOVE_DB_2,
  USER_DB_3: env.MOVE_DB_3,
};
const at = (n: number) => ({ ...base, USER_DB_SHARDS: String(n) });
type TestEnv = ReturnType<typeof at>;

const USERS = Array.from({ length: 24 }, (_, i) => `mv-user-${i}`);
const T0 = Date.UTC(2026, 0, 1);

interface Move {
  id: string;
  next: string;
  steps: Record<
    "copy" | "verify" | "sweep",
    { done: boolean; written: number; deleted: number; notAtHome: number; missingAtHome: number }
  >;
  finishedAt: string | null;
  cancelledAt: string | null;
}

async function admin(e: TestEnv, method: string, path: string, body?: unknown) {
  return createApp().fetch(
    new Request(`https://api.test/admin/v1${path}`, {
      method,
      headers: ADMIN_HEADERS,
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    e,
  );
}

async function step(e: TestEnv, id: string, name: string, maxRows = 20_000): Promise<Move> {
  const response = await admin(e, "POST", `/user-db-moves/${id}/steps`, { step: name, maxRows });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Move;
}

async function writeBalance(e: TestEnv, userId: string, ledgerSeq: number, balanceMinor: number) {
  const { db, statements } = balanceProjections(e, {
    userId,
    ledgerSeq,
    atMs: T0 + ledgerSeq,
    balances: [{ bucket: "available", currency: "EUR", balanceMinor }],
  });
  const [first, ...rest] = statements;
  if (first) await drizzle(db).batch([first, ...rest]);
}

/** Every row of a table across the four databases: where it is, its key and its home user. */
async function placements(spec: MovedTable) {
  const key = `json_array(${spec.key.join(", ")})`;
  const rows: Array<{ db: number; key: string; user: string | null }> = [];
  for (const [i, db] of DBS.entries()) {
    const { results } = await db
      .prepare(`SELECT ${key} AS key, ${spec.home} AS user FROM ${spec.table}`)
      .run<{ key: string; user: string | null }>();
    rows.push(...results.map((r) => ({ db: i, ...r })));
  }
  return rows;
}

/**
 * One row for `userId` in a routed table, its values made up from the table's own columns:
 * the home column names the user, the other key columns are unique, every other required
 * column gets a value of its type. So every table's move SQL runs against its real schema.
 */
async function seedRow(db: D1Database, spec: MovedTable, userId: string) {
  const { results } = await db
    .prepare(
      `SELECT name, type, "notnull" AS required, dflt_value AS dflt FROM pragma_table_info(?)`,
    )
    .bind(spec.table)
    .run<{ name: string; type: string; required: number; dflt: string | null }>();
  const values = new Map<string, unknown>();
  for (const c of results) {
    if (c.name === spec.home) values.set(c.name, userId);
    else if (spec.key.includes(c.name)) values.set(c.name, `${spec.table}-${c.name}-${userId}`);
    else if (c.required && c.dflt === null) values.set(c.name, c.type === "integer" ? 1 : "x");
  }
  const names = [...values.keys()];
  await db
    .prepare(
      `INSERT INTO ${spec.table} (${names.join(", ")}) VALUES (${names.map(() => "?").join(", ")})`,
    )
    .bind(...values.values())
    .run();
}

async function balanceOf(db: D1Database, userId: string) {
  return db
    .prepare(`SELECT balance_minor AS b, ledger_seq AS s FROM wallet_balances WHERE user_id = ?`)
    .bind(userId)
    .first<{ b: number; s: number }>();
}

/** Asserts every seeded row of every routed table is in exactly the database `count` names. */
async function expectAtHome(count: number) {
  for (const spec of MOVED_TABLES) {
    const rows = await placements(spec);
    const keys = rows.map((r) => r.key);
    expect(new Set(keys).size, `${spec.table}: a row in two databases`).toBe(keys.length);
    for (const r of rows) {
      expect(r.db, `${spec.table} ${r.key}`).toBe(r.user === null ? 0 : shardOf(r.user, count));
    }
    const withUser = rows.filter((r) => r.user !== null).length;
    expect(withUser, `${spec.table}: rows lost`).toBe(USERS.length);
  }
}

/**
 * `e` with user database `index` wrapped so that `race` runs once, just before the first
 * delete from `table` there: a write by an isolate still on the old count landing between the
 * sweep's read of a page and its delete.
 */
function racingDelete(e: TestEnv, index: number, table: string, race: () => Promise<void>) {
  const binding = index === 0 ? "DB" : `USER_DB_${index}`;
  const target = (e as unknown as Record<string, D1Database>)[binding] as D1Database;
  let raced = false;
  const wrapped = new Proxy(target, {
    get(t, prop) {
      if (prop === "prepare") {
        return (query: string) => {
          if (raced || !query.startsWith(`DELETE FROM "${table}"`)) return t.prepare(query);
          return {
            bind: (...args: unknown[]) => ({
              run: async () => {
                raced = true;
                await race();
                return t
                  .prepare(query)
                  .bind(...args)
                  .run();
              },
            }),
          };
        };
      }
      const value = Reflect.get(t, prop);
      return typeof value === "function" ? value.bind(t) : value;
    },
  });
  return { ...e, [binding]: wrapped } as TestEnv;
}

/** One move from `from` to `to`, with a live write before and after the flip and a fault. */
async function moveUsers(from: number, to: number) {
  const before = at(from);
  const after = at(to);
  const opened = await admin(before, "POST", "/user-db-moves", { toShards: to });
  expect(opened.status, await opened.clone().text()).toBe(201);
  const { id } = (await opened.json()) as Move;

  // A fault after the first page's progress is saved: the next pages' rows are written but
  // their progress is not; the retry writes them again (the same rows) and counts them once.
  let saves = 0;
  const failing = new Proxy(DBS[0] as D1Database, {
    get(target, prop) {
      if (prop === "prepare") {
        return (query: string) => {
          if (query.includes("UPDATE user_db_moves") && ++saves > 1) throw new Error("fault");
          return target.prepare(query);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const faulted = await admin({ ...before, DB: failing }, "POST", `/user-db-moves/${id}/steps`, {
    step: "copy",
    maxRows: 20_000,
  });
  expect(faulted.status).toBe(500);
  const moving = USERS.filter((u) => shardOf(u, to) !== shardOf(u, from));
  let move = await step(before, id, "copy");
  expect(move.steps.copy.done).toBe(true);
  // Each moving user has one row in each routed table: written once each.
  expect(move.steps.copy.written).toBe(moving.length * MOVED_TABLES.length);

  // A live write at the old home after the copy: a second copy pass carries it.
  const mover = moving[0] as string;
  const seq = (await balanceOf(DBS[shardOf(mover, from)] as D1Database, mover))?.s ?? 0;
  await writeBalance(before, mover, seq + 1, 7_000);
  move = await step(before, id, "copy");
  // A slice stops before D1's 1,000 queries per invocation, whatever maxRows allows: here a
  // budget of 20 queries, and the next slice goes on from the saved cursors.
  const sliced = await runStep(before, id, "verify", 20_000, Date.now, 20);
  expect(sliced.progress.verify.done).toBe(false);
  expect(sliced.progress.verify.read).toBeGreaterThan(0);
  move = await step(before, id, "verify");
  expect(move.steps.verify.missingAtHome).toBe(0);
  expect(move.steps.verify.notAtHome).toBe(moving.length * MOVED_TABLES.length);
  expect(move.next).toBe("flip");
  expect((await balanceOf(DBS[shardOf(mover, to)] as D1Database, mover))?.b).toBe(7_000);
  // A row lost at the new home before the flip: the verify sends the operator back to copy.
  await (DBS[shardOf(mover, to)] as D1Database)
    .prepare("DELETE FROM referral_clicks WHERE referrer_id = ?")
    .bind(mover)
    .run();
  move = await step(before, id, "verify");
  expect(move.steps.verify.missingAtHome).toBe(1);
  expect(move.next).toBe("copy");
  move = await step(before, id, "copy");
  move = await step(before, id, "verify");
  expect(move.steps.verify.missingAtHome).toBe(0);
  expect(move.next).toBe("flip");

  // The flip. A live write at the new home, newer than the copy: the sweep must keep it.
  await writeBalance(after, mover, seq + 2, 9_000);
  // A copy from an isolate still on the old count: the older copy does not overwrite it.
  move = await step(before, id, "copy");
  expect((await balanceOf(DBS[shardOf(mover, to)] as D1Database, mover))?.b).toBe(9_000);
  // A write that reached the old home during the deploy (an isolate still on the old count).
  const late = moving[1] as string;
  const lateSeq = (await balanceOf(DBS[shardOf(late, from)] as D1Database, late))?.s ?? 0;
  await writeBalance(before, late, lateSeq + 1, 5_500);
  expect((await admin(after, "GET", `/user-db-moves/${id}`)).status).toBe(200);
  move = await step(after, id, "sweep", 1);
  expect(move.steps.sweep.done).toBe(false);
  // Once the sweep has started, copy is closed even to an isolate on the old count.
  const closed = await admin(before, "POST", `/user-db-moves/${id}/steps`, { step: "copy" });
  expect(closed.status).toBe(409);
  // And so is cancelling: the new homes hold writes the old ones lack.
  const late409 = await admin(before, "POST", `/user-db-moves/${id}/cancel`);
  expect(late409.status).toBe(409);
  expect(late409.headers.get("content-type")).toContain("application/problem+json");
  // A write at the old home between the sweep's read of the page and its delete: the delete
  // leaves the changed row, and the next pass carries the newer copy.
  const racer = moving[3] as string;
  const racerHome = shardOf(racer, from);
  const racerSeq = (await balanceOf(DBS[racerHome] as D1Database, racer))?.s ?? 0;
  const racing = racingDelete(after, racerHome, "wallet_balances", () =>
    writeBalance(before, racer, racerSeq + 1, 6_600),
  );
  move = await step(racing, id, "sweep");
  expect(move.steps.sweep.done).toBe(true);
  expect(move.steps.sweep.deleted).toBe(moving.length * MOVED_TABLES.length - 1);
  // A write at the old home after the sweep passed it (an isolate still on the old count):
  // the verify finds it away from home and asks for another sweep pass, which carries it.
  const straggler = moving[2] as string;
  const stragglerSeq =
    (await balanceOf(DBS[shardOf(straggler, to)] as D1Database, straggler))?.s ?? 0;
  await writeBalance(before, straggler, stragglerSeq + 1, 4_400);
  move = await step(after, id, "verify");
  expect(move.steps.verify.notAtHome).toBe(2);
  expect(move.finishedAt).toBeNull();
  expect(move.next).toBe("sweep");
  move = await step(after, id, "sweep");
  expect(move.steps.sweep.deleted).toBe(2);
  move = await step(after, id, "verify");
  expect(move.steps.verify.notAtHome).toBe(0);
  expect(move.finishedAt).not.toBeNull();
  expect(move.next).toBe("done");
  expect((await admin(after, "POST", `/user-db-moves/${id}/cancel`)).status).toBe(409);

  expect((await balanceOf(DBS[shardOf(mover, to)] as D1Database, mover))?.b).toBe(9_000);
  expect((await balanceOf(DBS[shardOf(late, to)] as D1Database, late))?.b).toBe(5_500);
  expect((await balanceOf(DBS[shardOf(straggler, to)] as D1Database, straggler))?.b).toBe(4_400);
  expect((await balanceOf(DBS[shardOf(racer, to)] as D1Database, racer))?.b).toBe(6_600);
  await expectAtHome(to);
  // The global payout index still finds every payout, now on its user's new database.
  const found = await payoutsByIds(
    after,
    USERS.map((u) => `po_${u}`),
  );
  expect(found.map((p) => p.id).sort()).toEqual(USERS.map((u) => `po_${u}`).sort());
}

describe("re-sharding the user databases", () => {
  beforeAll(async () => {
    for (const db of DBS) await applyD1Migrations(db as D1Database, env.TEST_MIGRATIONS);
    const one = at(1);
    for (const [i, u] of USERS.entries()) {
      await writeBalance(one, u, 1, 100 * i);
      await recordPayoutOwner(one, `po_${u}`, u, T0);
      await one.DB.prepare(
        `INSERT INTO transactions (id, network_id, order_id, user_id, status, currency,
           sale_amount_minor, commission_minor, cashback_minor, rate_bps, converted_at_ms, version, updated_at_ms)
         VALUES (?, 'net', ?, ?, 'pending', 'EUR', 1000, 100, 50, 500, ?, 1, ?)`,
      )
        .bind(`tx_${u}`, `o_${u}`, u, T0, T0)
        .run();
    }
    const seeded = new Set(["wallet_balances", "transactions", "payouts"]);
    for (const spec of MOVED_TABLES.filter((t) => !seeded.has(t.table))) {
      for (const u of USERS) await seedRow(one.DB, spec, u);
    }
    // A conversion with no trustworthy user keeps its global home.
    await one.DB.prepare(
      `INSERT INTO transactions (id, network_id, order_id, user_id, status, currency,
         sale_amount_minor, commission_minor, cashback_minor, rate_bps, converted_at_ms, version, updated_at_ms)
       VALUES ('tx_nouser', 'net', 'o_nouser', NULL, 'rejected', 'EUR', 1, 0, 0, 0, ?, 1, ?)`,
    )
      .bind(T0, T0)
      .run();
  });

  it("has a move rule for every routed table, and only for those", () => {
    expect(MOVED_TABLES.map((t) => t.table).sort()).toEqual(Object.keys(ROUTED).sort());
  });

  it("refuses a count that is not a multiple of the current one", async () => {
    const odd = await admin(at(2), "POST", "/user-db-moves", { toShards: 3 });
    expect(odd.status).toBe(400);
    expect(odd.headers.get("content-type")).toContain("application/problem+json");
  });

  it("cancels a move before its flip, and refuses once the worker reads the new count", async () => {
    const opened = await admin(at(1), "POST", "/user-db-moves", { toShards: 2 });
    expect(opened.status, await opened.clone().text()).toBe(201);
    const { id } = (await opened.json()) as Move;
    const copied = await step(at(1), id, "copy");
    expect(copied.steps.copy.written).toBeGreaterThan(0);

    // An isolate already on the new count: the flip has happened, so no cancel.
    const flipped = await admin(at(2), "POST", `/user-db-moves/${id}/cancel`);
    expect(flipped.status).toBe(409);
    expect(flipped.headers.get("content-type")).toContain("application/problem+json");
    expect(((await flipped.json()) as { detail: string }).detail).toContain("flipped");

    const cancelled = await admin(at(1), "POST", `/user-db-moves/${id}/cancel`);
    expect(cancelled.status, await cancelled.clone().text()).toBe(200);
    const view = (await cancelled.json()) as Move;
    expect(view.next).toBe("cancelled");
    expect(view.cancelledAt).not.toBeNull();
    // Idempotent: the same answer again, the same time.
    const again = await admin(at(1), "POST", `/user-db-moves/${id}/cancel`);
    expect(again.status).toBe(200);
    expect(((await again.json()) as Move).cancelledAt).toBe(view.cancelledAt);
    // No step runs on it.
    const refused = await admin(at(1), "POST", `/user-db-moves/${id}/steps`, { step: "copy" });
    expect(refused.status).toBe(409);

    // Nothing left its old home: every user's row of every table is still in database 0,
    // where every reader and writer at the old count looks.
    for (const spec of MOVED_TABLES) {
      const inOld = (await placements(spec)).filter((r) => r.db === 0 && r.user !== null);
      expect(inOld.length, spec.table).toBe(USERS.length);
    }
    const latest = (await (await admin(at(1), "GET", "/user-db-moves")).json()) as Move;
    expect(latest.id).toBe(id);
    expect(latest.next).toBe("cancelled");

    // The move is closed: another can be opened (and is cancelled here, so the next test opens its own).
    const next = await admin(at(1), "POST", "/user-db-moves", { toShards: 2 });
    expect(next.status).toBe(201);
    const nextId = ((await next.json()) as Move).id;
    const history = await admin(at(1), "GET", "/user-db-moves/history");
    expect(history.status).toBe(200);
    const items = ((await history.json()) as { items: Move[] }).items;
    expect(items.map((m) => m.id).slice(0, 2)).toEqual([nextId, id]);
    expect((await admin(at(1), "POST", `/user-db-moves/${nextId}/cancel`)).status).toBe(200);
  });

  it("moves 1 → 2, then 2 → 4", async () => {
    await moveUsers(1, 2);
    await moveUsers(2, 4);
    const again = await admin(at(4), "GET", "/user-db-moves");
    expect(((await again.json()) as Move).finishedAt).not.toBeNull();
  });
});
