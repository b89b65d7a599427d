import { shardOf } from "#shared/queues/shards";

/**
 * The one module that chooses a D1 database (docs/scaling.md "D1 router"). One D1 database
 * has one writer and holds 10 GB; seed 003's projections need several. Tables placed `user`
 * (shared/db/placement.ts) are spread over `USER_DB_SHARDS` databases by a hash of the user
 * id: user database 0 is the global database itself (`DB`), user database i ≥ 1 is binding
 * `USER_DB_i`. Unset or "1": everything in `DB`, as before.
 *
 * Every user database carries the full migrations (the same `migrations_dir`), so a table can
 * move without a schema change; only the tables in `ROUTED` are spread.
 */
export interface DbRouterEnv {
  DB: D1Database;
  /** How many user databases (1..MAX_USER_DBS); default 1. */
  USER_DB_SHARDS?: string;
}

export const MAX_USER_DBS = 64;

/** The database of configuration, catalog, operations and cross-user indexes. */
export function globalDb(env: DbRouterEnv): D1Database {
  return env.DB;
}

/**
 * How many user databases are configured: 1 when unset. A value set but not a whole number in
 * 1..MAX_USER_DBS throws: counting it as 1 would silently read and write one database while
 * rows sit in the others (totals short, wallets unaudited, balances split).
 */
export function userDbCount(env: DbRouterEnv): number {
  if (env.USER_DB_SHARDS === undefined || env.USER_DB_SHARDS === "") return 1;
  const n = Number(env.USER_DB_SHARDS);
  if (!Number.isInteger(n) || n < 1 || n > MAX_USER_DBS) {
    throw new Error(
      `USER_DB_SHARDS=${env.USER_DB_SHARDS} is not a whole number in 1..${MAX_USER_DBS}`,
    );
  }
  return n;
}

/** Binding name of user database `i`: `DB` for 0, `USER_DB_2` for 2. */
export function userDbBinding(i: number): string {
  return i === 0 ? "DB" : `USER_DB_${i}`;
}

/**
 * User database `i` whatever the current count: the re-sharding job reads and writes databases
 * the count does not name yet (docs/scaling.md "Re-sharding the user databases").
 */
export function userDbAt(env: DbRouterEnv, i: number): D1Database {
  const db = (env as unknown as Record<string, unknown>)[userDbBinding(i)];
  if (!db) throw new Error(`D1 binding ${userDbBinding(i)} is not configured`);
  return db as D1Database;
}

/** The database holding `userId`'s rows of user-placed tables. */
export function userDb(env: DbRouterEnv, userId: string): D1Database {
  return userDbAt(env, shardOf(userId, userDbCount(env)));
}

/** Every user database, in shard order: for scatter-gather reads (totals, keyset pages). */
export function eachUserDb(env: DbRouterEnv): D1Database[] {
  return Array.from({ length: userDbCount(env) }, (_, i) => userDbAt(env, i));
}

/**
 * Every user database, starting with the one `turn` names (mod the count) and wrapping round:
 * for sweeps that share one budget across the databases, so a database that always fills the
 * budget cannot keep the others from ever being reached. `turn` is usually the sweep's number
 * (its time divided by its interval).
 */
export function eachUserDbFrom(env: DbRouterEnv, turn: number): D1Database[] {
  const all = eachUserDb(env);
  const first = ((Math.trunc(turn) % all.length) + all.length) % all.length;
  return [...all.slice(first), ...all.slice(0, first)];
}

/**
 * `userIds` grouped by the database holding each (duplicates dropped, each group in the order
 * given): one query per database for a batch of users.
 */
export function userIdsByDb(
  env: DbRouterEnv,
  userIds: readonly string[],
): Map<D1Database, string[]> {
  const groups = new Map<D1Database, string[]>();
  for (const userId of new Set(userIds)) {
    const db = userDb(env, userId);
    groups.set(db, [...(groups.get(db) ?? []), userId]);
  }
  return groups;
}
