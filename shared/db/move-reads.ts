import { shardOf } from "#shared/queues/shards";
import { type DbRouterEnv, globalDb, userDbCount } from "./router";

/**
 * Reads over every user database during a move of the users (docs/scaling.md "Re-sharding the
 * user databases"). After the flip (the live count is the move's target) and until the sweep
 * has deleted them, a moved user's rows sit both at the old home and at the new one, so a list
 * gathered from every database would show them twice. The live count names each user's one
 * home, so a reader keeps from database `i` only the rows whose user's home under that count is
 * `i`: exactly what single-user reads and writes use. Rows without a user (a transaction
 * recorded without one lives in database 0) are always kept.
 *
 * The router learns the count from `USER_DB_SHARDS` and knows nothing of moves, so whether one
 * is flipped comes from the global `user_db_moves` row, read once per isolate per
 * `OPEN_MOVE_TTL_MS`. A stale answer is harmless: the flip is a deploy (new isolates read
 * afresh), and filtering when no move is open drops nothing (every row is at home).
 */
export const OPEN_MOVE_TTL_MS = 30_000;

const openMoveTargets = new WeakMap<D1Database, { toShards: number | null; readAtMs: number }>();

async function openMoveTarget(env: DbRouterEnv): Promise<number | null> {
  const db = globalDb(env);
  const cached = openMoveTargets.get(db);
  const nowMs = Date.now();
  if (cached && nowMs - cached.readAtMs < OPEN_MOVE_TTL_MS) return cached.toShards;
  const row = await db
    .prepare(`SELECT to_shards FROM user_db_moves WHERE finished_at_ms IS NULL LIMIT 1`)
    .first<{ to_shards: number }>();
  const toShards = row?.to_shards ?? null;
  openMoveTargets.set(db, { toShards, readAtMs: nowMs });
  return toShards;
}

/** Forgets the cached move state (tests open and close moves within one isolate). */
export function forgetOpenMove(env: DbRouterEnv): void {
  openMoveTargets.delete(globalDb(env));
}

/**
 * The live count when readers over every user database must skip rows away from home (a move
 * flipped to that count is still open), else null. One user database: never (a move's target
 * is at least 2), and no read.
 */
export async function awayRowsCount(env: DbRouterEnv): Promise<number | null> {
  const count = userDbCount(env);
  if (count === 1) return null;
  return (await openMoveTarget(env)) === count ? count : null;
}

type UserOf<T> = (row: T) => string | null | undefined;

/** The rows of database `index` whose user is at home there under `count` (or has no user). */
export function rowsAtHome<T>(
  rows: readonly T[],
  index: number,
  count: number,
  userOf: UserOf<T>,
): T[] {
  return rows.filter((row) => {
    const user = userOf(row);
    return user === null || user === undefined || shardOf(user, count) === index;
  });
}

/**
 * `parts[i]` read from user database `i` (in `eachUserDb` order), each without the rows away
 * from home while a flipped move is open; `parts` itself otherwise.
 */
export async function partsAtHome<T>(
  env: DbRouterEnv,
  parts: readonly T[][],
  userOf: UserOf<T>,
): Promise<T[][]> {
  const count = await awayRowsCount(env);
  if (count === null) return parts as T[][];
  return parts.map((rows, i) => rowsAtHome(rows, i, count, userOf));
}

/**
 * One keyset page from each user database (`dbs` in `eachUserDb` order), each its first `rows`
 * rows at home. `read(db, after)` answers a database's next `rows` rows in the list's order
 * after the row `after` (null: from the reader's own cursor). While a flipped move is open a
 * page that lost rows away from home is topped up from that database after its last row read,
 * so the merge of the pages still holds every row that sorts before the first `rows`: without
 * that, a database's rows past the short page would be skipped by the next page's cursor.
 */
export async function keysetPartsAtHome<T>(
  env: DbRouterEnv,
  dbs: readonly D1Database[],
  rows: number,
  read: (db: D1Database, after: T | null) => Promise<T[]>,
  userOf: UserOf<T>,
): Promise<T[][]> {
  const count = await awayRowsCount(env);
  return Promise.all(
    dbs.map(async (db, i) => {
      let page = await read(db, null);
      if (count === null) return page;
      const kept = rowsAtHome(page, i, count, userOf);
      while (page.length >= rows && kept.length < rows) {
        const last = page.at(-1) as T;
        page = await read(db, last);
        kept.push(...rowsAtHome(page, i, count, userOf));
      }
      return kept.slice(0, rows);
    }),
  );
}
