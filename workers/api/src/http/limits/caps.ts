import { DEFAULT_CLAIMS_PER_MONTH } from "#durable-objects/wallet/index";
import type { ApiEnv } from "#shared/env";

/**
 * Pure: the monthly claim cap from CLAIMS_PER_MONTH (a whole number ≥ 1); anything else gives
 * the default, so a typo never lets claims through without a cap or blocks them all.
 *
 * @example
 * claimsPerMonthOf({ CLAIMS_PER_MONTH: "3" }) // 3
 */
export function claimsPerMonthOf(env: Pick<ApiEnv, "CLAIMS_PER_MONTH">): number {
  const value = Number(env.CLAIMS_PER_MONTH);
  return env.CLAIMS_PER_MONTH !== undefined && Number.isInteger(value) && value >= 1
    ? Math.min(value, 10_000)
    : DEFAULT_CLAIMS_PER_MONTH;
}
