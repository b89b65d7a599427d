import type { ApiEnv } from "../../../../shared/env";
import { walletOf } from "../wallet-client";

/** Bounded per run; the next run (or the next page here) picks up the rest. */
const MAX_USERS_PER_RUN = 500;
const WALLET_CONCURRENCY = 16;

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
 */
export async function runConfirmationBackstop(
  env: ApiEnv,
  asOfMs: number,
): Promise<BackstopReport> {
  const { results } = await env.DB.prepare(
    `SELECT DISTINCT user_id FROM transactions
     WHERE status = 'pending' AND expected_confirm_at_ms <= ?1 AND user_id IS NOT NULL
     LIMIT ?2`,
  )
    .bind(asOfMs, MAX_USERS_PER_RUN)
    .all<{ user_id: string }>();

  let confirmed = 0;
  let failures = 0;
  const queue = results.map((r) => r.user_id);
  const workers = Array.from({ length: Math.min(WALLET_CONCURRENCY, queue.length) }, async () => {
    for (let userId = queue.shift(); userId !== undefined; userId = queue.shift()) {
      try {
        const result = await walletOf(env, userId).runDue(asOfMs);
        confirmed += result.confirmed;
      } catch (error) {
        failures++;
        console.error("backstop wallet run failed", { error: String(error) });
      }
    }
  });
  await Promise.all(workers);
  return {
    asOf: new Date(asOfMs).toISOString(),
    usersVisited: results.length,
    confirmed,
    failures,
  };
}
