import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { beforeAll, describe, expect, it } from "vitest";
import { type MoveApi, runMoveLoop } from "#scripts/lib/user-db-move-loop";
import { shardOf } from "#shared/queues/shards";
import { createApp } from "#workers/api/src/app";
import { balanceProjections } from "#workers/api/src/features/ledger/balances-store";
import { ADMIN_HEADERS } from "./helpers";

/**
 * The operator's loop (scripts/user-db-move.ts, docs/operations.md "Moving users to more user
 * databases") against the real admin routes on two databases of this file's own: a dry run
 * changes nothing; a run cut short by a lost connection is run again and finishes the move
 * 1 → 2, its flip hook raising the count the worker reads; every balance ends at its new home,
 * once.
 */
const DBS: readonly D1Database[] = [env.MOVE_DB_4, env.MOVE_DB_5];
const USERS = Array.from({ length: 30 }, (_, i) => `loop-user-${i}`);

/** The count the worker reads: what the loop's flip hook raises, as a deploy would. */
let shards = 1;
const workerEnv = () => ({
  ...env,
  DB: env.MOVE_DB_4,
  USER_DB_1: env.MOVE_DB_5,
  USER_DB_SHARDS: String(shards),
});

const api: MoveApi = async (method, path, body) => {
  const response = await createApp().fetch(
    new Request(`https://api.test/admin/v1${path}`, {
      method,
      headers: ADMIN_HEADERS,
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    workerEnv(),
  );
  return { status: response.status, body: await response.json() };
};

const noWait = { sleep: async () => {}, flipPollMs: 0, flipConfirmations: 2, flipTimeoutMs: 5_000 };

describe("the operator's move loop", () => {
  beforeAll(async () => {
    for (const db of DBS) await applyD1Migrations(db, env.TEST_MIGRATIONS);
    for (const [i, userId] of USERS.entries()) {
      const { db, statements } = balanceProjections(workerEnv(), {
        userId,
        ledgerSeq: 1,
        atMs: Date.UTC(2026, 0, 1),
        balances: [{ bucket: "available", currency: "EUR", balanceMinor: 100 + i }],
      });
      const [first, ...rest] = statements;
      if (first) await drizzle(db).batch([first, ...rest]);
    }
  });

  it("in a dry run opens nothing", async () => {
    const lines: string[] = [];
    const move = await runMoveLoop(api, { toShards: 2, dryRun: true, log: (l) => lines.push(l) });
    expect(move).toBeNull();
    expect(lines.join("\n")).toContain("would open a move to 2");
    expect((await api("GET", "/user-db-moves")).status).toBe(404);
  });

  it("resumes after a lost connection and runs the move to its end, flip included", async () => {
    // The connection drops on the third slice: the loop gives up (no retries), as a killed
    // script would, with the move half copied.
    let slices = 0;
    const dropping: MoveApi = async (method, path, body) => {
      if (path.endsWith("/steps") && ++slices === 3) throw new Error("connection reset");
      return api(method, path, body);
    };
    await expect(
      runMoveLoop(dropping, { toShards: 2, maxRows: 10, retries: 0, ...noWait }),
    ).rejects.toThrow("connection reset");
    const half = (await api("GET", "/user-db-moves")).body as { next: string; finishedAt: null };
    expect(half.next).toBe("copy");

    // Run again: it continues the open move, flips through the hook, sweeps and verifies.
    let flips = 0;
    const move = await runMoveLoop(api, {
      toShards: 2,
      maxRows: 10,
      ...noWait,
      flip: async () => {
        flips += 1;
        shards = 2;
      },
    });
    expect(flips).toBe(1);
    expect(move?.next).toBe("done");
    expect(move?.finishedAt).not.toBeNull();

    for (const userId of USERS) {
      const where = await Promise.all(
        DBS.map((db) =>
          db
            .prepare("SELECT COUNT(*) AS n FROM wallet_balances WHERE user_id = ?")
            .bind(userId)
            .first<{ n: number }>(),
        ),
      );
      const counts = where.map((r) => r?.n ?? 0);
      expect(counts, userId).toEqual(DBS.map((_, i) => (i === shardOf(userId, 2) ? 1 : 0)));
    }
    // Run again once done: nothing more to do, no second move.
    const again = await runMoveLoop(api, { toShards: 2, ...noWait });
    expect(again?.id).toBe(move?.id);
    expect(again?.next).toBe("done");
  });
});
