import { z } from "zod";
import { RateBpsSchema } from "./currency";
import { applyRateBps } from "./rounding";

/**
 * What an offer promises a user. `sale`: the user earns `rateBps` of the order amount.
 * `commission`: the user earns `rateBps` of the commission the network pays the operator.
 * A copy of these terms is frozen into every click, and the click's copy is what pays.
 */
export const CashbackTermsSchema = z
  .object({
    basis: z.enum(["sale", "commission"]).describe("what the rate applies to"),
    defaultRateBps: RateBpsSchema.describe("rate for categories without their own rate, in bps"),
    categoryRates: z
      .record(z.string().min(1).max(64), RateBpsSchema)
      .default({})
      .describe("category → rate in bps"),
  })
  .strict();

export type CashbackTerms = z.infer<typeof CashbackTermsSchema>;

export interface ConversionAmounts {
  saleAmountMinor: number;
  commissionMinor: number;
  category: string | null;
}

export interface CashbackQuote {
  cashbackMinor: number;
  rateBps: number;
  basisAmountMinor: number;
}

/**
 * The user's cashback for one conversion under the terms frozen at click time.
 *
 * @example
 * computeCashback({ basis: "sale", defaultRateBps: 500, categoryRates: {} },
 *   { saleAmountMinor: 100_000, commissionMinor: 8_000, category: null })
 * // { cashbackMinor: 5_000, rateBps: 500, basisAmountMinor: 100_000 }
 */
export function computeCashback(terms: CashbackTerms, amounts: ConversionAmounts): CashbackQuote {
  // Own keys only: the category is network input, and "constructor" or "toString" must fall
  // back to the default rather than read Object.prototype.
  const rateBps =
    (amounts.category !== null && Object.hasOwn(terms.categoryRates, amounts.category)
      ? terms.categoryRates[amounts.category]
      : undefined) ?? terms.defaultRateBps;
  const basisAmountMinor =
    terms.basis === "sale" ? amounts.saleAmountMinor : amounts.commissionMinor;
  return { cashbackMinor: applyRateBps(basisAmountMinor, rateBps), rateBps, basisAmountMinor };
}

/** The rate a user is shown for an offer: the best category rate, or the default. */
export function headlineRateBps(terms: CashbackTerms): number {
  return Math.max(terms.defaultRateBps, ...Object.values(terms.categoryRates));
}
