/**
 * Sharded queues (docs/scaling.md "Queue shards"). One queue carries about 5,000 messages/s;
 * a family of queues past that is split into n shards, each its own queue with the same
 * idempotent consumer. Shard 0 keeps today's binding and queue name (`CLICKS`,
 * `boomerang-clicks`); shard i ≥ 1 is binding `CLICKS_i`, queue `boomerang-clicks-i`. The
 * count comes from a var (`CLICK_QUEUE_SHARDS`), default 1, so nothing changes until an
 * operator adds shards in wrangler.toml and raises the var.
 *
 * Tiny and dependency-free on purpose: it runs on the redirect and postback hot paths.
 */

/** A sharded queue family: its shard-0 binding, shard-0 queue name and count var. */
export const SHARDED_QUEUES = {
  CLICKS: { queue: "boomerang-clicks", countVar: "CLICK_QUEUE_SHARDS" },
  POSTBACKS: { queue: "boomerang-postbacks", countVar: "POSTBACK_QUEUE_SHARDS" },
  LEDGER_EVENTS: { queue: "boomerang-ledger-events", countVar: "LEDGER_EVENT_QUEUE_SHARDS" },
} as const;

export type ShardedFamily = keyof typeof SHARDED_QUEUES;

/** Most shards a family may have (each is a binding; 64 × 5,000 msg/s is 320,000 msg/s). */
export const MAX_SHARDS = 64;

/**
 * The shard of `key` among `n`: 32-bit FNV-1a over the key's UTF-16 code units, mod n. Stable
 * across isolates, deploys and runtimes, so every update of one key lands on one shard.
 */
export function shardOf(key: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`shard count must be ≥ 1, got ${n}`);
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % n;
}

/** The family's shard count from its var: a whole number 1..MAX_SHARDS, else 1. */
export function shardCount(env: object, family: ShardedFamily): number {
  const raw = (env as Record<string, unknown>)[SHARDED_QUEUES[family].countVar];
  const n = typeof raw === "string" || typeof raw === "number" ? Number(raw) : 1;
  return Number.isInteger(n) && n >= 1 && n <= MAX_SHARDS ? n : 1;
}

/** Binding name of a family's shard: `CLICKS` for 0, `CLICKS_3` for 3. */
export function shardBinding(family: ShardedFamily, shard: number): string {
  return shard === 0 ? family : `${family}_${shard}`;
}

/** Queue name of a family's shard: `boomerang-clicks` for 0, `boomerang-clicks-3` for 3. */
export function shardQueueName(family: ShardedFamily, shard: number): string {
  const base = SHARDED_QUEUES[family].queue;
  return shard === 0 ? base : `${base}-${shard}`;
}

/**
 * The producer binding for `key`. A count above the bindings configured is a deployment
 * error: it throws (the caller's send fails loudly) rather than piling every shard onto one.
 *
 * @example
 * await queueFor<PostbackMessage>(env, "POSTBACKS", postbackShardKey(message)).send(message);
 */
export function queueFor<T>(env: object, family: ShardedFamily, key: string): Queue<T> {
  const binding = shardBinding(family, shardOf(key, shardCount(env, family)));
  const queue = (env as Record<string, unknown>)[binding];
  if (!queue) throw new Error(`queue binding ${binding} is not configured`);
  return queue as Queue<T>;
}

/**
 * The shard-0 queue name a consumer dispatches on: `boomerang-clicks-3` → `boomerang-clicks`.
 * Names outside the sharded families come back unchanged.
 */
export function baseQueueName(queue: string): string {
  const match = /^(.*)-(\d+)$/.exec(queue);
  if (!match) return queue;
  const [, base = "", digits = ""] = match;
  const sharded = Object.values(SHARDED_QUEUES).some((f) => f.queue === base);
  const shard = Number(digits);
  return sharded && shard >= 1 && shard < MAX_SHARDS && String(shard) === digits ? base : queue;
}

/** Clicks go by user (a referral click by its referrer): one user's clicks share a shard. */
export function clickShardKey(
  message: { kind: "click"; userId: string } | { kind: "referral_click"; referrerId: string },
): string {
  return message.kind === "click" ? message.userId : message.referrerId;
}

/**
 * Postbacks go by network + order id, so every update of one order lands on one shard. A
 * postback without conversions (a rejected one) goes by its own id.
 */
export function postbackShardKey(message: {
  networkId: string;
  postbackId: string;
  conversions?: ReadonlyArray<{ orderId: string }>;
}): string {
  const orderId = message.conversions?.[0]?.orderId;
  return orderId === undefined ? message.postbackId : `${message.networkId}\u0000${orderId}`;
}
