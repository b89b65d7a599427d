/**
 * The operator's loop over a move of the user databases (docs/operations.md "Moving users to
 * more user databases"): opens the move or continues the open one, runs the step the API names
 * (`next`) slice after slice, flips through the caller's hook and waits until the worker reads
 * the new count, then sweeps and verifies until the move is done. Every decision is the API's
 * `next`, and every slice is saved server-side, so a loop cut short (a lost connection, Ctrl-C)
 * is resumed by running it again. Free of node: imports, so the tests run it inside the
 * workers runtime against the real routes.
 */

export interface MoveView {
  id: string;
  fromShards: number;
  toShards: number;
  currentShards: number;
  next: "copy" | "verify" | "flip" | "sweep" | "done" | "cancelled" | "blocked";
  finishedAt: string | null;
  cancelledAt: string | null;
}

/** One admin API call: `path` under `/admin/v1`; the answer's status and parsed JSON body. */
export type MoveApi = (
  method: "GET" | "POST",
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: unknown }>;

export interface MoveLoopOptions {
  toShards: number;
  /** Rows per slice (the API's default 2,000; at most 20,000). */
  maxRows?: number;
  /** Only say what would be done next; change nothing. */
  dryRun?: boolean;
  /**
   * Sets `USER_DB_SHARDS` to `toShards` and deploys. Without it the loop stops at the flip
   * (returns the move with `next: flip`); run it again after the deploy.
   */
  flip?: (move: MoveView) => Promise<void>;
  /** After the flip: how often and how long to ask whether the worker reads the new count. */
  flipPollMs?: number;
  flipTimeoutMs?: number;
  /** Answers in a row that must read the new count (a rolling deploy answers with both). */
  flipConfirmations?: number;
  /** Attempts of one slice that fails with a 5xx, a 409 from a concurrent run, or a throw. */
  retries?: number;
  log?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

const STEPS = new Set(["copy", "verify", "sweep"]);

const describe = (m: MoveView) =>
  `move ${m.id} ${m.fromShards}→${m.toShards} (worker reads ${m.currentShards}): next ${m.next}`;

function problemText(body: unknown): string {
  const p = body as { detail?: string; title?: string } | null;
  return p?.detail ?? p?.title ?? JSON.stringify(body);
}

/** The open move to `toShards`, or the one just finished to it; opens one unless dry. */
async function openOrContinue(api: MoveApi, o: MoveLoopOptions): Promise<MoveView | null> {
  const latest = await api("GET", "/user-db-moves");
  if (latest.status !== 200 && latest.status !== 404) {
    throw new Error(`reading the latest move: ${latest.status} ${problemText(latest.body)}`);
  }
  const move = latest.status === 200 ? (latest.body as MoveView) : null;
  if (move && move.finishedAt === null) {
    if (move.toShards !== o.toShards) {
      throw new Error(`${describe(move)} is open to another count: finish or cancel it first`);
    }
    return move;
  }
  if (move && move.cancelledAt === null && move.toShards === o.toShards) {
    if (move.currentShards === o.toShards) return move;
  }
  if (o.dryRun) return null;
  const opened = await api("POST", "/user-db-moves", { toShards: o.toShards });
  if (opened.status !== 201) {
    throw new Error(
      `opening a move to ${o.toShards}: ${opened.status} ${problemText(opened.body)}`,
    );
  }
  return opened.body as MoveView;
}

/** Calls `attempt` until it answers, retrying what a retry can fix. */
async function withRetries(
  o: MoveLoopOptions,
  what: string,
  attempt: () => Promise<{ status: number; body: unknown }>,
): Promise<MoveView> {
  const retries = o.retries ?? 5;
  const sleep = o.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  let last = "";
  for (let i = 0; i <= retries; i++) {
    try {
      const answer = await attempt();
      if (answer.status === 200) return answer.body as MoveView;
      last = `${answer.status} ${problemText(answer.body)}`;
      // A 409 other than a concurrent run's (a copy after the flip, say) does not pass by
      // itself, nor does any other 4xx.
      const concurrent = answer.status === 409 && last.includes("saved first");
      if (answer.status < 500 && !concurrent) break;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    o.log?.(`${what} failed (${last}); retrying`);
    await sleep(Math.min(500 * 2 ** i, 10_000));
  }
  throw new Error(`${what}: ${last}`);
}

async function waitForFlip(api: MoveApi, o: MoveLoopOptions, move: MoveView): Promise<MoveView> {
  const sleep = o.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const deadline = Date.now() + (o.flipTimeoutMs ?? 15 * 60_000);
  const needed = o.flipConfirmations ?? 3;
  let inARow = 0;
  let current = move;
  while (Date.now() < deadline) {
    current = await withRetries(o, "reading the move", () =>
      api("GET", `/user-db-moves/${move.id}`),
    );
    inARow = current.currentShards === move.toShards ? inARow + 1 : 0;
    if (inARow >= needed) return current;
    await sleep(o.flipPollMs ?? 5_000);
  }
  throw new Error(
    `the worker does not read USER_DB_SHARDS = ${move.toShards} yet: ${describe(current)}`,
  );
}

/**
 * Runs the move to `toShards` as far as it can go: to `done`, or to the flip without a `flip`
 * hook, or to the first thing it would do in a dry run. Returns the move as last read (null in
 * a dry run that would open one).
 */
export async function runMoveLoop(api: MoveApi, o: MoveLoopOptions): Promise<MoveView | null> {
  const log = o.log ?? (() => {});
  let move = await openOrContinue(api, o);
  if (!move) {
    log(`dry run: would open a move to ${o.toShards} user databases`);
    return null;
  }
  for (;;) {
    log(describe(move));
    if (move.next === "done" || move.next === "cancelled") return move;
    if (move.next === "blocked") throw new Error(`${describe(move)}: fix USER_DB_SHARDS first`);
    if (o.dryRun) {
      log(`dry run: would ${move.next === "flip" ? "flip" : `run a ${move.next} slice`}`);
      return move;
    }
    if (move.next === "flip") {
      if (!o.flip) {
        log(`set USER_DB_SHARDS = "${move.toShards}", deploy, then run this again`);
        return move;
      }
      await o.flip(move);
      move = await waitForFlip(api, o, move);
      continue;
    }
    if (!STEPS.has(move.next)) throw new Error(`unknown next step ${move.next}`);
    const id = move.id;
    const step = move.next;
    move = await withRetries(o, `${step} slice`, () =>
      api("POST", `/user-db-moves/${id}/steps`, { step, maxRows: o.maxRows ?? 2_000 }),
    );
  }
}
