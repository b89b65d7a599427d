import type { CashbackQuote } from "./cashback";
import { applyRatesBps } from "./rounding";

/**
 * Campaign boosts: an extra rate, in bps, that a campaign adds on top of an offer's base
 * cashback for a while, paid out of the campaign's budget. Pure: no I/O, no clock.
 *
 * - Basis. A boost applies to the same eligible basis as the base cashback (the quote's
 *   non-excluded lines: their amount for `sale` terms, their commission share for
 *   `commission` terms), so an excluded category never earns a boost either.
 * - Category. A boost with a `category` applies only to lines of exactly that category; with
 *   `null` it applies to every eligible line.
 * - Cap. The offer's `capMinor` limits the base cashback only; the campaign's budget limits
 *   the boost (durable-objects/campaign-budget/).
 * - Rounding. Σ(basis × boostRateBps) is summed exactly and rounded down once, like the base.
 */

/** A boost frozen into a click: the campaign and the extra rate the user was shown. */
export interface BoostSnapshot {
  campaignId: string;
  /** Extra rate on the eligible basis, in bps. */
  boostRateBps: number;
  /** Only lines of this category earn the boost; null: every eligible line. */
  category: string | null;
  /**
   * The version of the campaign's rule the click was shown (its grants' ledger entries name
   * it); absent on clicks made before campaigns were versioned.
   */
  ruleVersion?: number;
}

/**
 * What one boost earns on an order, in minor units, before the campaign's budget is asked.
 *
 * @example
 * const quote = computeCashback({ basis: "sale", defaultRateBps: 500, categoryRates: {} },
 *   { saleAmountMinor: 100_000, commissionMinor: 8_000, category: null });
 * computeBoostMinor(quote, { boostRateBps: 200, category: null }) // 2_000
 */
export function computeBoostMinor(
  quote: Pick<CashbackQuote, "lines">,
  boost: Pick<BoostSnapshot, "boostRateBps" | "category">,
): number {
  return applyRatesBps(
    quote.lines
      .filter(
        (line) => !line.excluded && (boost.category === null || line.category === boost.category),
      )
      .map((line) => ({ amountMinor: line.basisMinor, rateBps: boost.boostRateBps })),
  );
}
