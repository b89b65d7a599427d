import { MS_PER_DAY } from "#shared/time/clock";
import { nextLocalMidnight, shiftLocalMonths } from "../points/local-calendar";
import type { TierPolicy } from "./tier-policy";

/** One qualifying purchase: when it happened and what it counts for now (after refunds). */
export interface QualifyingSpend {
  atMs: number;
  amountMinor: number;
}

export interface TierStanding {
  /** The tier held before this decision; null for a member never ranked. */
  tier: string | null;
  /** Set while the member is below their tier and keeps it by grace. */
  graceEndsAtMs: number | null;
}

export interface TierDecision {
  tier: string;
  changed: "none" | "upgrade" | "downgrade";
  qualifyingSpendMinor: number;
  graceEndsAtMs: number | null;
  /**
   * The date the member keeps this tier until if they spend nothing more: the end of grace
   * after their spend falls below it; null for the lowest tier (kept for good).
   */
  keptUntilMs: number | null;
  /** The next tier up and what is missing; null at the top. */
  next: {
    tier: string;
    thresholdMinor: number;
    remainingMinor: number;
    progressBps: number;
  } | null;
  /** When this decision may change with no new spend (the wallet's tier review). */
  reviewAtMs: number | null;
}

/**
 * Pure: a member's tier at `nowMs` from their qualifying spend over the policy's rolling window.
 * - Up: at once when `upgradeImmediately`, otherwise at the nightly review (`trigger: "review"`).
 * - Down: when spend falls below the tier held, the member keeps it for `graceDays`; a review
 *   after grace moves them to the tier their spend reaches (a refund can lower it that way too).
 * Spend leaves the window at the same local time `windowMonths` later.
 *
 * @example
 * decideTier(policy, { tier: null, graceEndsAtMs: null }, [{ atMs: t, amountMinor: 3_000_000 }], t, "spend")
 * // { tier: "Silver", changed: "upgrade", next: { tier: "Gold", remainingMinor: 7_000_000, ... }, ... }
 */
export function decideTier(
  policy: TierPolicy,
  standing: TierStanding,
  spends: readonly QualifyingSpend[],
  nowMs: number,
  trigger: "spend" | "review",
): TierDecision {
  const leavesAt = (s: QualifyingSpend) =>
    shiftLocalMonths(s.atMs, policy.windowMonths, policy.timeZone);
  const inWindow = spends
    .filter((s) => s.atMs <= nowMs && leavesAt(s) > nowMs && s.amountMinor > 0)
    .sort((a, b) => a.atMs - b.atMs);
  const total = inWindow.reduce((sum, s) => sum + s.amountMinor, 0);
  const rankOf = (name: string | null) => policy.tiers.findIndex((t) => t.name === name);
  let qualified = 0;
  policy.tiers.forEach((t, i) => {
    if (total >= t.thresholdMinor) qualified = i;
  });
  const held = rankOf(standing.tier);

  let rank = qualified;
  let graceEndsAtMs: number | null = null;
  let pendingUpgrade = false;
  if (held >= 0 && qualified > held && !policy.upgradeImmediately && trigger !== "review") {
    rank = held;
    pendingUpgrade = true;
  } else if (held >= 0 && qualified < held) {
    const graceEnd = standing.graceEndsAtMs ?? nowMs + policy.graceDays * MS_PER_DAY;
    if (nowMs < graceEnd) {
      rank = held;
      graceEndsAtMs = graceEnd;
    }
  }
  const tier = policy.tiers[rank];
  if (!tier) throw new RangeError("a tier policy has at least one tier");
  // A member never ranked starts from the lowest tier: reaching a higher one is an upgrade.
  const from = Math.max(held, 0);
  const changed = rank === from ? "none" : rank > from ? "upgrade" : "downgrade";

  // When the total would fall below this tier's threshold with no new spend.
  let dropAtMs: number | null = null;
  if (rank > 0 && graceEndsAtMs === null) {
    let left = total;
    for (const s of inWindow) {
      left -= s.amountMinor;
      if (left < tier.thresholdMinor) {
        dropAtMs = leavesAt(s);
        break;
      }
    }
  }
  const keptUntilMs =
    rank === 0
      ? null
      : (graceEndsAtMs ?? (dropAtMs === null ? null : dropAtMs + policy.graceDays * MS_PER_DAY));

  const above = policy.tiers[rank + 1];
  const next = above
    ? {
        tier: above.name,
        thresholdMinor: above.thresholdMinor,
        remainingMinor: Math.max(0, above.thresholdMinor - total),
        progressBps: Math.min(10_000, Math.floor((total * 10_000) / above.thresholdMinor)),
      }
    : null;

  const reviews = [
    graceEndsAtMs,
    dropAtMs,
    pendingUpgrade ? nextLocalMidnight(nowMs, policy.timeZone) : null,
  ].filter((v): v is number => v !== null);
  return {
    tier: tier.name,
    changed,
    qualifyingSpendMinor: total,
    graceEndsAtMs,
    keptUntilMs,
    next,
    reviewAtMs: reviews.length > 0 ? Math.min(...reviews) : null,
  };
}
