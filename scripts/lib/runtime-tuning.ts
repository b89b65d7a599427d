/**
 * How a test runtime's copies of the configs differ from `npm run dev`'s
 * (scripts/lib/local-runtime.ts, `tuning`): pure text edits of a wrangler.toml and a
 * `.dev.vars`, kept apart from the process handling so they have a table test.
 */

export interface RuntimeTuning {
  /** Overrides of the api worker's `.dev.vars` (e.g. `PAYOUT_RETRY_BASE_SEC: "0"`). */
  apiVars?: Record<string, string>;
  /** `max_retries` of the api worker's queue consumers, by queue name. */
  queueMaxRetries?: Record<string, number>;
  /**
   * Queue shards and user databases (docs/scaling.md "Queue shards", "D1 router"): every
   * sharded queue family split into this many shards in every config that produces or
   * consumes it, the api given user databases `USER_DB_1`.. to match, and every count var set.
   */
  shards?: number;
}

/**
 * The config with `max_retries` of the named queues' consumers replaced. A queue that has no
 * consumer block, or a block without `max_retries`, is an error: the tuning would silently
 * do nothing.
 *
 * @example
 * withQueueMaxRetries(toml, { "boomerang-payouts": 2 }); // that consumer's max_retries = 2
 */
export function withQueueMaxRetries(toml: string, maxRetries: Record<string, number>): string {
  let out = toml;
  for (const [queue, retries] of Object.entries(maxRetries)) {
    const block = new RegExp(
      `(\\[\\[queues\\.consumers\\]\\]\\s*\\nqueue = "${queue}"\\n(?:(?!\\[)[^\\n]*\\n)*?)max_retries = \\d+`,
    );
    if (!block.test(out)) throw new Error(`no consumer with max_retries for queue ${queue}`);
    out = out.replace(block, `$1max_retries = ${retries}`);
  }
  return out;
}

/**
 * `.dev.vars` text with the given variables set (replaced where present, else appended).
 *
 * @example
 * withVars('A="1"\n', { A: "2", B: "x" }); // 'A="2"\nB="x"\n'
 */
export function withVars(text: string, vars: Record<string, string>): string {
  let out = text;
  for (const [name, value] of Object.entries(vars)) {
    const line = `${name}="${value}"`;
    const existing = new RegExp(`^${name}=.*$`, "m");
    out = existing.test(out) ? out.replace(existing, line) : `${out.trimEnd()}\n${line}\n`;
  }
  return out;
}
