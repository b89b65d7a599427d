import type { D1Migration } from "cloudflare:test";
import type { ApiEnv } from "#shared/env";

declare global {
  namespace Cloudflare {
    interface Env extends ApiEnv {
      TEST_MIGRATIONS: D1Migration[];
      /** A rate limiter of 3 a minute (vitest.config.ts) that tests swap in for a real one. */
      TEST_TIGHT_LIMITER: RateLimit;
      /** User database 1 (shared/db/router.ts), used when a test sets USER_DB_SHARDS = "2". */
      USER_DB_1: D1Database;
      /** Empty databases the re-sharding tests move rows between (vitest.config.ts). */
      MOVE_DB_0: D1Database;
      MOVE_DB_1: D1Database;
      MOVE_DB_2: D1Database;
      MOVE_DB_3: D1Database;
      MOVE_DB_4: D1Database;
      MOVE_DB_5: D1Database;
      /** Ledger-events shard 1 (shared/queues/shards.ts), used when a test sets its count to 2. */
      LEDGER_EVENTS_1: Queue<import("#shared/messages").LedgerEventMessage>;
    }
  }
}
