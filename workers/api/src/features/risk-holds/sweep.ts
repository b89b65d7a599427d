import type { ApiEnv } from "#shared/env";
import { walletOf } from "../../wallet-client";
import { usersWithUnavailableHolds } from "./store";

/** Users one sweep retries (each wallet retries up to 25 of its own redemptions). */
const MAX_USERS_PER_SWEEP = 50;

export interface RiskSweepReport {
  users: number;
  released: number;
  /** True when a user's retry found scoring still down: the sweep stopped there. */
  stillUnavailable: boolean;
}

/**
 * The fail-safe's sweep across users (docs/fraud.md "Fail-safe"), on the confirmation
 * backstop's beat: users with redemptions held `risk_unavailable`, the oldest held first (from
 * the payouts projection), each wallet retrying its own oldest first. Each wallet also retries
 * on its own schedule every minute; the sweep is what keeps the order across users and what
 * picks up a wallet whose alarm was lost. A wallet that still cannot reach scoring stops the
 * sweep, so no later redemption overtakes an earlier one.
 *
 * @example
 * log.info("cron.risk_sweep", { ...(await sweepRiskUnavailable(env)) });
 */
export async function sweepRiskUnavailable(env: ApiEnv): Promise<RiskSweepReport> {
  const report: RiskSweepReport = { users: 0, released: 0, stillUnavailable: false };
  for (const { userId } of await usersWithUnavailableHolds(env, MAX_USERS_PER_SWEEP)) {
    const run = await walletOf(env, userId).retryHeldRedemptions();
    report.users++;
    report.released += run.released;
    if (run.released === 0 && run.waiting > 0) {
      report.stillUnavailable = true;
      break;
    }
  }
  return report;
}
