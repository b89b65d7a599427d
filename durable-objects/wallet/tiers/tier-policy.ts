import { isTimeZone } from "../points/local-calendar";

/**
 * A program's tiers: names, the qualifying spend that reaches each (in minor units of the
 * program's currency, over a rolling window of months), and what each gives. Configurable;
 * Bronze / Silver / Gold is the default shape, not a rule.
 */
export interface TierPolicy {
  /** Lowest first; the first tier's threshold is 0 (every member has a tier). */
  tiers: Array<{
    name: string;
    thresholdMinor: number;
    /** What the tier gives, for rules and the member API (e.g. `{ pointsMultiplierBps: 12500 }`). */
    benefits?: Record<string, string | number | boolean>;
  }>;
  currency: string;
  /** The rolling window qualifying spend counts over (12 by default). */
  windowMonths: number;
  /** How long a member keeps a tier after their spend falls below it. */
  graceDays: number;
  /** True: a member moves up as soon as spend crosses a threshold; false: at the nightly review. */
  upgradeImmediately: boolean;
  /** The program's IANA time zone: months and nights are local. */
  timeZone: string;
}

export const DEFAULT_TIER_POLICY: TierPolicy = {
  tiers: [
    { name: "Bronze", thresholdMinor: 0 },
    { name: "Silver", thresholdMinor: 2_500_000 },
    { name: "Gold", thresholdMinor: 10_000_000 },
  ],
  currency: "INR",
  windowMonths: 12,
  graceDays: 30,
  upgradeImmediately: true,
  timeZone: "UTC",
};

/** Pure: why a policy is refused, or null when it is usable. */
export function tierPolicyProblem(policy: TierPolicy): string | null {
  const { tiers } = policy;
  if (tiers.length === 0 || tiers.length > 20) return "a policy has 1..20 tiers";
  if (tiers[0]?.thresholdMinor !== 0) return "the first tier's threshold is 0";
  const names = new Set(tiers.map((t) => t.name));
  if (names.size !== tiers.length || tiers.some((t) => t.name.length === 0)) {
    return "tier names are distinct and non-empty";
  }
  for (let i = 1; i < tiers.length; i++) {
    const t = tiers[i];
    const before = tiers[i - 1];
    if (!t || !before || !Number.isSafeInteger(t.thresholdMinor)) return "thresholds are integers";
    if (t.thresholdMinor <= before.thresholdMinor) return "thresholds rise strictly tier by tier";
  }
  if (!/^[A-Z]{3}$/.test(policy.currency)) return "currency is a 3-letter code";
  if (
    !Number.isSafeInteger(policy.windowMonths) ||
    policy.windowMonths < 1 ||
    policy.windowMonths > 36
  ) {
    return "windowMonths is 1..36";
  }
  if (!Number.isSafeInteger(policy.graceDays) || policy.graceDays < 0 || policy.graceDays > 730) {
    return "graceDays is 0..730";
  }
  if (!isTimeZone(policy.timeZone)) return `unknown time zone ${policy.timeZone}`;
  return null;
}
