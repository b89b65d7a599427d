import { env } from "cloudflare:workers";
import { shardOf } from "#shared/queues/shards";

/**
 * Two user databases for the D1 router's tests (shared/db/router.ts, docs/scaling.md "D1
 * router"): `DB` is user database 0 and `USER_DB_1` user database 1 (vitest.config.ts).
 */
export const TWO_USER_DBS = { ...env, USER_DB_SHARDS: "2" };

/** `count` user ids after `prefix`, at least one on each of two shards. */
export function usersOnBothShards(prefix: string, count: number): string[] {
  for (let attempt = 0; ; attempt++) {
    const users = Array.from({ length: count }, (_, i) => `${prefix}${attempt}-${i}`);
    const shards = new Set(users.map((u) => shardOf(u, 2)));
    if (shards.size === 2) return users;
  }
}

/** The database holding `userId`'s rows at two user databases, and the one that must not. */
export function homeAndOther(userId: string): { home: D1Database; other: D1Database } {
  return shardOf(userId, 2) === 0
    ? { home: env.DB, other: env.USER_DB_1 }
    : { home: env.USER_DB_1, other: env.DB };
}
