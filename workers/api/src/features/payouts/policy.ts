import type { ApiEnv } from "#shared/env";
import { AppError } from "#shared/http/errors";
import { createLogger } from "#shared/observability/logger";
import { type PayoutPolicy, parsePayoutPolicy } from "#shared/payouts/policy";

const log = createLogger({ worker: "api", feature: "payouts" });

let cached: { raw: string | undefined; policy: PayoutPolicy } | null = null;

/**
 * The effective payout policy (defaults plus PAYOUT_POLICY). A malformed override refuses
 * redemptions with a 503 rather than quietly falling back to defaults the operator replaced.
 */
export function payoutPolicyOf(env: Pick<ApiEnv, "PAYOUT_POLICY">): PayoutPolicy {
  if (cached && cached.raw === env.PAYOUT_POLICY) return cached.policy;
  const parsed = parsePayoutPolicy(env.PAYOUT_POLICY);
  if (!parsed.ok) {
    log.error("payouts.policy_misconfigured", { detail: parsed.detail });
    throw new AppError("unavailable", "payouts are not configured correctly; try again later");
  }
  cached = { raw: env.PAYOUT_POLICY, policy: parsed.policy };
  return parsed.policy;
}
