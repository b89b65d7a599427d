import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./lib/dev-vars";
import { shardProblems, userDbProblems } from "./lib/queue-shard-config";

/**
 * `npm run check:shards` (part of `npm run lint`; docs/scaling.md "Queue shards"): in every
 * worker's wrangler.toml, the shard count each sharded queue's var sets and the producer
 * bindings declared agree (shards 0..n-1, each on its own queue), every shard queue has its
 * consumer in the api's config, and the api's `USER_DB_SHARDS` names only bound databases.
 * Exits 1 naming each mismatch.
 */
const API = "wrangler.toml";
const CONFIGS = [
  API,
  "workers/redirect/wrangler.toml",
  "workers/postback/wrangler.toml",
  "workers/events/wrangler.toml",
];

const read = (p: string) => readFileSync(path.join(ROOT, p), "utf8");
const api = read(API);
const problems = CONFIGS.flatMap((config) =>
  [...shardProblems(read(config), api), ...(config === API ? userDbProblems(api) : [])].map(
    (p) => `${config}: ${p}`,
  ),
);
if (problems.length > 0) {
  console.error(`Queue shards and their bindings disagree:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`check:shards: ${CONFIGS.length} configs, shard counts and bindings agree`);
