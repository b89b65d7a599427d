import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
// The second user database (vitest.config.ts) carries the same schema, as every shard does.
await applyD1Migrations(env.USER_DB_1, env.TEST_MIGRATIONS);

// Property tests run with a fixed seed so CI is reproducible: a failure names its seed and
// counterexample, and the same run fails the same way on every machine. Change the seed
// locally to explore further.
fc.configureGlobal({ seed: 20261121 });
