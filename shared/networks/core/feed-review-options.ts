import { z } from "zod";
import type { CashbackTerms } from "../../money/cashback";
import { RateBpsSchema } from "../../money/currency";

/**
 * The operator's ceiling on rates merchant sync may apply on its own. A network's feed is
 * trusted for titles and windows, but a rate above `maxFeedRateBps` (a typo, a compromised
 * feed, a promotion nobody agreed to) is held for the operator's review instead: the offer
 * keeps its terms until the change is approved. The ceiling compares the rates as the feed
 * states them (basis points of the sale, or of the commission for a commission-basis network:
 * set it in the unit the network's feed uses). Absent: no ceiling, every rate applies.
 */
export const FeedReviewOptionsSchema = z.object({
  maxFeedRateBps: RateBpsSchema.optional().describe(
    "highest rate merchant sync applies on its own, in basis points; higher rates are held for review",
  ),
});

/**
 * The network's `maxFeedRateBps`, or null when it has none. A value that is not a rate (the
 * admin API validates it; an older row could hold anything) holds every rate change: the safe
 * reading of a ceiling nobody can read.
 *
 * @example
 * feedRateCeilingBps({ maxFeedRateBps: 1_500 }) // 1_500
 */
export function feedRateCeilingBps(
  options: Record<string, unknown> | null | undefined,
): number | null {
  const value = options?.maxFeedRateBps;
  if (value === undefined) return null;
  const parsed = FeedReviewOptionsSchema.safeParse({ maxFeedRateBps: value });
  return parsed.success ? (parsed.data.maxFeedRateBps ?? null) : 0;
}

/** The highest rate the terms pay, in basis points: the default or any category's. */
export function highestRateBps(
  terms: Pick<CashbackTerms, "defaultRateBps" | "categoryRates">,
): number {
  return Math.max(terms.defaultRateBps, ...Object.values(terms.categoryRates));
}

/**
 * Pure: whether a feed's terms for an offer wait for the operator. Only a change is held
 * (terms the offer already has, approved earlier, stay), and only when a rate in it is above
 * the ceiling. `current` null: the feed proposes a new offer.
 *
 * @example
 * needsReview({ ceilingBps: 1_000, current: null, proposed: { defaultRateBps: 1_200, categoryRates: {} }, changed: true })
 * // true
 */
export function needsReview(input: {
  ceilingBps: number | null;
  proposed: Pick<CashbackTerms, "defaultRateBps" | "categoryRates">;
  /** The proposed terms differ from what the offer holds (always true for a new offer). */
  changed: boolean;
}): boolean {
  if (input.ceilingBps === null || !input.changed) return false;
  return highestRateBps(input.proposed) > input.ceilingBps;
}
