import {
  MAX_SHARDS,
  SHARDED_QUEUES,
  type ShardedFamily,
  shardBinding,
  shardQueueName,
} from "#shared/queues/shards";

/**
 * Queue shards and user databases in a wrangler.toml's text (docs/scaling.md "Queue shards"):
 * `withShards` writes the blocks an operator adds to raise a count (the bench runs the
 * product at N = 1, 2, 4 with them), `shardProblems` checks that the count a config's vars
 * set and the producer bindings it declares agree (`npm run check:shards`). Pure text, so
 * both have a table test (scripts/lib/queue-shard-config.test.ts).
 */

/** The `[[queues.producers]]` (binding → queue) and `[[queues.consumers]]` queues declared. */
export function declaredQueues(toml: string): {
  producers: Map<string, string>;
  consumers: Set<string>;
} {
  const producers = new Map<string, string>();
  const consumers = new Set<string>();
  for (const block of tableBlocks(toml)) {
    const binding = /^binding = "(.*)"$/m.exec(block.body)?.[1];
    const queue = /^queue = "(.*)"$/m.exec(block.body)?.[1];
    if (block.header === "[[queues.producers]]" && binding && queue) producers.set(binding, queue);
    if (block.header === "[[queues.consumers]]" && queue) consumers.add(queue);
  }
  return { producers, consumers };
}

/** `NAME = "value"` lines of the `[vars]` table. */
export function declaredVars(toml: string): Record<string, string> {
  const vars: Record<string, string> = {};
  const block = tableBlocks(toml).find((b) => b.header === "[vars]");
  for (const [, name = "", value = ""] of block?.body.matchAll(/^([A-Z0-9_]+) = "(.*)"$/gm) ?? [])
    vars[name] = value;
  return vars;
}

/**
 * What is wrong with a config's shards, one sentence each (empty: nothing). For every family
 * the config produces (its shard-0 binding is declared): the count var (default 1) must be a
 * whole number 1..64, and the producers of that family must be exactly shards 0..n-1, each on
 * its own queue. A count above the declared bindings would make every send to a missing shard
 * throw; bindings above the count are shards nothing sends to, which usually means the count
 * was not raised. `consumersOf`: the consuming config's text, whose consumers must cover every
 * declared shard queue.
 */
export function shardProblems(toml: string, consumersOf?: string): string[] {
  const problems: string[] = [];
  const { producers } = declaredQueues(toml);
  const vars = declaredVars(toml);
  const consumers = consumersOf === undefined ? undefined : declaredQueues(consumersOf).consumers;
  for (const family of Object.keys(SHARDED_QUEUES) as ShardedFamily[]) {
    if (!producers.has(family)) continue;
    const countVar = SHARDED_QUEUES[family].countVar;
    const raw = vars[countVar] ?? "1";
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > MAX_SHARDS) {
      problems.push(`${countVar} = "${raw}" is not a whole number from 1 to ${MAX_SHARDS}`);
      continue;
    }
    const declared = [...producers.keys()].filter((b) => new RegExp(`^${family}(_\\d+)?$`).test(b));
    for (let shard = 0; shard < n; shard++) {
      const binding = shardBinding(family, shard);
      const queue = shardQueueName(family, shard);
      if (!producers.has(binding)) {
        problems.push(`${countVar} = "${n}" but no producer binding ${binding} (queue ${queue})`);
      } else if (producers.get(binding) !== queue) {
        problems.push(`producer ${binding} sends to ${producers.get(binding)}, not ${queue}`);
      }
      if (consumers && !consumers.has(queue)) {
        problems.push(`shard queue ${queue} has no consumer in the api's wrangler.toml`);
      }
    }
    for (const binding of declared) {
      const shard = binding === family ? 0 : Number(binding.slice(family.length + 1));
      if (shard >= n) {
        problems.push(
          `producer binding ${binding} is declared but ${countVar} = "${n}" never sends to it (raise ${countVar} or remove the block)`,
        );
      }
    }
  }
  return problems;
}

/**
 * What is wrong with a config's user databases: `USER_DB_SHARDS` (default 1) must name exactly
 * the D1 bindings `USER_DB_1`..`USER_DB_<n-1>` beside `DB` (docs/scaling.md's runbook binds
 * them before raising the count; the router throws on a missing one). More bindings than the
 * count is a move under way (bound, copied, not yet flipped), not a mistake.
 */
export function userDbProblems(toml: string): string[] {
  const raw = declaredVars(toml).USER_DB_SHARDS ?? "1";
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_SHARDS) {
    return [`USER_DB_SHARDS = "${raw}" is not a whole number from 1 to ${MAX_SHARDS}`];
  }
  const bound = new Set(
    tableBlocks(toml)
      .filter((b) => b.header === "[[d1_databases]]")
      .map((b) => /^binding = "(USER_DB_\d+)"$/m.exec(b.body)?.[1])
      .filter((b): b is string => b !== undefined),
  );
  const problems: string[] = [];
  for (let i = 1; i < n; i++) {
    if (!bound.has(`USER_DB_${i}`)) {
      problems.push(`USER_DB_SHARDS = "${n}" but no [[d1_databases]] binding USER_DB_${i}`);
    }
  }
  return problems;
}

/**
 * The config with shards 1..n-1 added for every sharded family it produces or consumes
 * (producer blocks, consumer blocks copied from shard 0's), and with `userDbs`, user databases
 * `USER_DB_1`..`USER_DB_<n-1>` copied from the `DB` block (their own name and id). The counts
 * themselves are vars (`shardVars`), which a runtime's `.dev.vars` or the [vars] table sets.
 *
 * @example
 * withShards(readFileSync("wrangler.toml", "utf8"), 4, { userDbs: true })
 */
export function withShards(toml: string, n: number, options: { userDbs?: boolean } = {}): string {
  const blocks = tableBlocks(toml);
  const added: string[] = [];
  for (const family of Object.keys(SHARDED_QUEUES) as ShardedFamily[]) {
    const queue0 = shardQueueName(family, 0);
    const producer0 = blocks.find(
      (b) =>
        b.header === "[[queues.producers]]" &&
        new RegExp(`^binding = "${family}"$`, "m").test(b.body),
    );
    const consumer0 = blocks.find(
      (b) => b.header === "[[queues.consumers]]" && b.body.includes(`queue = "${queue0}"\n`),
    );
    for (let shard = 1; shard < n; shard++) {
      const queue = shardQueueName(family, shard);
      if (producer0) {
        added.push(
          `[[queues.producers]]\nbinding = "${shardBinding(family, shard)}"\nqueue = "${queue}"\n`,
        );
      }
      if (consumer0) {
        added.push(
          `[[queues.consumers]]\n${consumer0.body.replace(`queue = "${queue0}"`, `queue = "${queue}"`)}`,
        );
      }
    }
  }
  if (options.userDbs) {
    const db0 = blocks.find(
      (b) => b.header === "[[d1_databases]]" && /^binding = "DB"$/m.test(b.body),
    );
    if (!db0) throw new Error("no [[d1_databases]] block with binding DB to copy");
    for (let i = 1; i < n; i++) {
      added.push(
        `[[d1_databases]]\n${db0.body
          .replace(/^binding = ".*"$/m, `binding = "USER_DB_${i}"`)
          .replace(/^database_name = ".*"$/m, `database_name = "${userDbName(i)}"`)
          .replace(
            /^database_id = ".*"$/m,
            `database_id = "00000000-0000-4000-8000-${String(i).padStart(12, "0")}"`,
          )}`,
      );
    }
  }
  return added.length === 0 ? toml : `${toml.trimEnd()}\n\n${added.join("\n")}`;
}

/** The D1 database name of user database i ≥ 1 (docs/scaling.md's runbook). */
export function userDbName(i: number): string {
  return `boomerang-user-${i}`;
}

/** Every count var at n: the three queue families and the user databases. */
export function shardVars(n: number): Record<string, string> {
  const vars: Record<string, string> = { USER_DB_SHARDS: String(n) };
  for (const { countVar } of Object.values(SHARDED_QUEUES)) vars[countVar] = String(n);
  return vars;
}

/** Top-level tables of a TOML text: header line and the lines up to the next header. */
function tableBlocks(toml: string): Array<{ header: string; body: string }> {
  const out: Array<{ header: string; body: string }> = [];
  let current: { header: string; body: string } | null = null;
  for (const line of toml.split("\n")) {
    if (/^\[/.test(line)) {
      current = { header: line.trim(), body: "" };
      out.push(current);
    } else if (current && !line.startsWith("#") && line.trim() !== "") {
      current.body += `${line}\n`;
    }
  }
  return out;
}
