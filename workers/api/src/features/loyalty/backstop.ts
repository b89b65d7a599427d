import type { ApiEnv } from "#shared/env";
import { createLogger, errorFields } from "#shared/observability/logger";
import { walletOf } from "../../wallet-client";
import { usersWithLoyaltyDue } from "./due-store";

const log = createLogger({ worker: "api", feature: "loyalty" });

/** Wallets visited per run, and at once. */
const MAX_USERS_PER_RUN = 500;
const WALLET_CONCURRENCY = 16;

export interface PointsBackstopReport {
  asOf: string;
  usersVisited: number;
  activatedLots: number;
  expiredPoints: number;
  failures: number;
}

/**
 * Cron backstop for the loyalty program. Each wallet activates, expires, sends notices and
 * reviews its tier on its own alarm; this visits the wallets whose projected next due time
 * has passed (`loyalty_due`, an indexed range read, so cost follows what is due) and asks each
 * to run what is due — the same `runDue` the alarm runs, so it is safe to run any number of
 * times. A visited wallet publishes its next due time, which moves it out of the range; one
 * that fails stays in it for the next run.
 */
export async function runPointsBackstop(
  env: ApiEnv,
  asOfMs: number,
): Promise<PointsBackstopReport> {
  const queue = await usersWithLoyaltyDue(env, asOfMs, MAX_USERS_PER_RUN);
  const report: PointsBackstopReport = {
    asOf: new Date(asOfMs).toISOString(),
    usersVisited: queue.length,
    activatedLots: 0,
    expiredPoints: 0,
    failures: 0,
  };
  const workers = Array.from({ length: Math.min(WALLET_CONCURRENCY, queue.length) }, async () => {
    for (let userId = queue.shift(); userId !== undefined; userId = queue.shift()) {
      try {
        const run = await walletOf(env, userId).runDue(asOfMs);
        report.activatedLots += run.activatedLots;
        report.expiredPoints += run.expiredPoints;
      } catch (error) {
        report.failures++;
        log.error("loyalty.wallet_run_failed", errorFields(error));
      }
    }
  });
  await Promise.all(workers);
  return report;
}
