import type { ApiEnv } from "#shared/env";
import { createLogger, errorFields } from "#shared/observability/logger";
import { walletOf } from "../../wallet-client";
import { type DueKey, duePage } from "../ledger/index";

const log = createLogger({ worker: "api", feature: "confirmation" });

/** Bounded per run; the next run resumes after the last user visited (see `CURSOR_KEY`). */
const MAX_USERS_PER_RUN = 500;
/** Rows read per D1 query, and at most this many queries per run. */
const PAGE_ROWS = 500;
const MAX_PAGES_PER_RUN = 20;
const WALLET_CONCURRENCY = 16;
/**
 * Where the previous run stopped when it hit a bound, kept in KV. Only a hint: without it a
 * run starts at the oldest due row, which is also where it starts once a run covered everything.
 */
const CURSOR_KEY = "jobs:confirmation-backstop:cursor";

export interface BackstopReport {
  asOf: string;
  usersVisited: number;
  confirmed: number;
  failures: number;
}

/**
 * Cron backstop for confirmation. Each wallet object normally confirms on its own alarm;
 * this finds users whose projected pending transactions are past due (an indexed range
 * query on (status, expected_confirm_at_ms), so cost follows what is due, not what is
 * pending) and asks their wallets to run what is due. Safe to run any number of times.
 * Transactions that only the network's approval confirms (their confirmation policy) carry no
 * expected date, so this never visits them: no money is due until the network approves.
 *
 * Progress is deterministic and fair: rows are read in due order by keyset, oldest first,
 * each user is visited at most once per run, and a run that hits a bound records where it
 * stopped, so the next run continues from there and wraps around to the start. Users whose
 * projection stays pending after their wallet acted therefore cannot starve the others.
 */
export async function runConfirmationBackstop(
  env: ApiEnv,
  asOfMs: number,
): Promise<BackstopReport> {
  const start = await readCursor(env);
  const { userIds, resumeAfter } = await collectDueUsers(env, asOfMs, start);

  let confirmed = 0;
  let failures = 0;
  const queue = [...userIds];
  const workers = Array.from({ length: Math.min(WALLET_CONCURRENCY, queue.length) }, async () => {
    for (let userId = queue.shift(); userId !== undefined; userId = queue.shift()) {
      try {
        const result = await walletOf(env, userId).runDue(asOfMs);
        confirmed += result.confirmed;
      } catch (error) {
        failures++;
        log.error("confirmation.wallet_run_failed", errorFields(error));
      }
    }
  });
  await Promise.all(workers);
  await writeCursor(env, start, resumeAfter);
  return {
    asOf: new Date(asOfMs).toISOString(),
    usersVisited: userIds.length,
    confirmed,
    failures,
  };
}

/**
 * Users with due rows, in due order from `start` to the end and then from the beginning up to
 * `start`. `resumeAfter` is the last row taken when a bound stopped the walk, else null.
 */
async function collectDueUsers(
  env: ApiEnv,
  asOfMs: number,
  start: DueKey | null,
): Promise<{ userIds: string[]; resumeAfter: DueKey | null }> {
  const laps: { after: DueKey | null; upTo: DueKey | null }[] = [{ after: start, upTo: null }];
  if (start) laps.push({ after: null, upTo: start });

  const seen = new Set<string>();
  let last: DueKey | null = start;
  let pages = 0;
  for (const lap of laps) {
    let after = lap.after;
    for (;;) {
      if (pages === MAX_PAGES_PER_RUN) return { userIds: [...seen], resumeAfter: last };
      pages++;
      const rows = await duePage(env, asOfMs, { after, upTo: lap.upTo }, PAGE_ROWS);
      for (const row of rows) {
        if (!seen.has(row.userId)) {
          if (seen.size === MAX_USERS_PER_RUN) return { userIds: [...seen], resumeAfter: last };
          seen.add(row.userId);
        }
        last = { dueMs: row.dueMs, id: row.id };
      }
      if (rows.length < PAGE_ROWS) break;
      after = last;
    }
  }
  return { userIds: [...seen], resumeAfter: null };
}

async function readCursor(env: ApiEnv): Promise<DueKey | null> {
  try {
    const value = await env.CONFIG_KV.get<DueKey>(CURSOR_KEY, "json");
    return value && typeof value.dueMs === "number" && typeof value.id === "string" ? value : null;
  } catch (error) {
    log.warn("confirmation.cursor_unreadable", errorFields(error));
    return null;
  }
}

/** Writes only when the position changed: nothing at all while every run covers everything. */
async function writeCursor(env: ApiEnv, previous: DueKey | null, next: DueKey | null) {
  if (previous?.dueMs === next?.dueMs && previous?.id === next?.id) return;
  try {
    if (next) await env.CONFIG_KV.put(CURSOR_KEY, JSON.stringify(next));
    else await env.CONFIG_KV.delete(CURSOR_KEY);
  } catch (error) {
    log.error("confirmation.cursor_not_saved", errorFields(error));
  }
}
