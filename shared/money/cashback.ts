import { z } from "zod";
import type { LineItem } from "../networks/types";
import { AmountMinorSchema, RateBpsSchema } from "./currency";
import { allocateProRata, applyRatesBps, blendedRateBps, type RatedAmount } from "./rounding";

/**
 * Cashback for one order under the terms frozen at click time. Pure: no I/O, no clock.
 *
 * How an order is read:
 * - Lines. An order is a list of lines, each with a category. With no line items (`null`)
 *   the order is one line of its `category` carrying the whole sale and commission, which is
 *   exactly how orders were priced before line items existed.
 * - Lines are the source of truth. When line amounts do not add up to the order's
 *   `saleAmountMinor` (shipping, taxes or an order-level fee outside the lines, a rounding
 *   difference on the network's side), the lines still decide which category earns what and on
 *   how much: the difference earns nothing and is not spread over the lines. Adapters must
 *   therefore report lines net of discounts and refresh them on a partial refund. An empty
 *   list is taken at its word too (nothing earns); an adapter that cannot tell passes `null`.
 * - Exclusions. A line whose category is in `excludedCategories` earns nothing (gift cards,
 *   recharges), whatever rate its category has. A line without a category is never excluded.
 * - Basis. `sale`: a line's basis is its amount. `commission`: its own `commissionMinor` when
 *   every eligible line reports one; otherwise the order's commission is split across all
 *   lines (excluded ones included, so their share is not paid out) in proportion to their
 *   amounts, exactly, with the largest-remainder method.
 * - Policy. `per_line`: each line earns its category's rate (or the default). `lowest_rate`:
 *   the lowest rate among the eligible lines applies to every eligible line.
 * - Rounding. Σ(basis × rate) is summed exactly and rounded down once (rounding.ts), so an
 *   order with many lines loses less than one minor unit in total, not one per line.
 * - Cap. `capMinor` limits the base cashback of one order, and only that. Campaign boosts
 *   are computed elsewhere and come on top of `cashbackMinor` (after the cap); a campaign that
 *   wants its boost inside a cap starts from `uncappedCashbackMinor` and applies it itself.
 */

const CategorySchema = z.string().min(1).max(64);

/** Bound on the exclusion list: a long list is a configuration mistake, not a merchant. */
export const MAX_EXCLUDED_CATEGORIES = 256;

const ExcludedCategoriesSchema = z
  .array(CategorySchema)
  .max(MAX_EXCLUDED_CATEGORIES)
  .describe("categories that earn nothing (gift cards, recharges); wins over a category rate");
const PolicySchema = z
  .enum(["per_line", "lowest_rate"])
  .describe(
    "per_line: each line earns its category's rate; lowest_rate: the lowest rate among the " +
      "order's eligible lines applies to all of them",
  );
const CapSchema = AmountMinorSchema.nullable().describe(
  "most base cashback one order can earn, in minor units; null: no cap (boosts not included)",
);

/**
 * What an offer promises a user. `sale`: the user earns `rateBps` of the order amount.
 * `commission`: the user earns `rateBps` of the commission the network pays the operator.
 * A copy of these terms is frozen into every click, and the click's copy is what pays.
 * Every field added after the first release has a default, so terms stored before it parse
 * and pay exactly as they did.
 */
export const CashbackTermsSchema = z
  .object({
    basis: z.enum(["sale", "commission"]).describe("what the rate applies to"),
    defaultRateBps: RateBpsSchema.describe("rate for categories without their own rate, in bps"),
    categoryRates: z
      .record(CategorySchema, RateBpsSchema)
      .default({})
      .describe("category → rate in bps"),
    excludedCategories: ExcludedCategoriesSchema.default([]),
    policy: PolicySchema.default("per_line"),
    capMinor: CapSchema.default(null),
  })
  .strict();

/**
 * The same rules, but the fields added after the first release stay absent when left out
 * instead of being filled in. This is what an offer stores and every click copies: offers
 * that use none of the newer fields keep exactly their old stored shape, and a click snapshot
 * (copied into every click message and wallet row) carries no defaults. Absent means the
 * default, applied by `resolveTerms` when the terms are used.
 */
export const StoredCashbackTermsSchema = CashbackTermsSchema.extend({
  excludedCategories: ExcludedCategoriesSchema.optional(),
  policy: PolicySchema.optional(),
  capMinor: CapSchema.optional(),
});

/** Terms with every field present, as `CashbackTermsSchema` returns them. */
export type ResolvedCashbackTerms = z.output<typeof CashbackTermsSchema>;

/**
 * Terms as they are stored and passed around. Copies frozen into clicks, KV configs and D1
 * rows may lack the fields added after the first release (and are read back without
 * re-parsing); absent means the schema's default.
 */
export type CashbackTerms = z.output<typeof StoredCashbackTermsSchema>;

/**
 * Fills the defaults of fields that terms stored before them lack.
 *
 * @example
 * resolveTerms({ basis: "sale", defaultRateBps: 500, categoryRates: {} })
 * // { ..., excludedCategories: [], policy: "per_line", capMinor: null }
 */
export function resolveTerms(terms: CashbackTerms): ResolvedCashbackTerms {
  return {
    basis: terms.basis,
    defaultRateBps: terms.defaultRateBps,
    categoryRates: terms.categoryRates,
    excludedCategories: terms.excludedCategories ?? [],
    policy: terms.policy ?? "per_line",
    capMinor: terms.capMinor ?? null,
  };
}

/** The fields of a network's line item that pricing reads. */
export type CashbackLine = Pick<LineItem, "category" | "amountMinor" | "commissionMinor">;

export interface ConversionAmounts {
  /** Order value in minor units; the basis of the single line when there are no line items. */
  saleAmountMinor: number;
  /** The network's commission for the order, in minor units. */
  commissionMinor: number;
  /** The order's category; used only when there are no line items. */
  category: string | null;
  /** The order's lines; `null` or absent: one line of `category` with the whole amount. */
  lineItems?: readonly CashbackLine[] | null;
}

export interface CashbackLineQuote {
  category: string | null;
  /** What the rate applied to for this line (amount or commission share), in minor units. */
  basisMinor: number;
  /** The rate this line earned at, in bps; 0 for an excluded line. */
  rateBps: number;
  excluded: boolean;
}

export interface CashbackQuote {
  /** The base cashback for the order after the cap, in minor units. Boosts come on top. */
  cashbackMinor: number;
  /** The base cashback before the cap, in minor units; equals `cashbackMinor` when not capped. */
  uncappedCashbackMinor: number;
  /**
   * The rate to show for the order, in bps, before the cap: the one rate all eligible lines
   * earned at, else Σ(basis × rate) / Σ basis rounded down (the exact weighted average, never
   * below cashback × 10_000 / basis); 0 when no line is eligible.
   */
  rateBps: number;
  /** The eligible lines' basis, in minor units. */
  basisAmountMinor: number;
  /** One entry per line, in input order. */
  lines: CashbackLineQuote[];
  /** True when the cap lowered the cashback (a cashback exactly at the cap is not capped). */
  capped: boolean;
}

/**
 * The user's base cashback for one conversion under the terms frozen at click time. Inputs
 * are non-negative integer minor units; anything else is a programming error (RangeError).
 *
 * @example
 * computeCashback({ basis: "sale", defaultRateBps: 500, categoryRates: {} },
 *   { saleAmountMinor: 100_000, commissionMinor: 8_000, category: null })
 * // { cashbackMinor: 5_000, uncappedCashbackMinor: 5_000, rateBps: 500,
 * //   basisAmountMinor: 100_000, capped: false,
 * //   lines: [{ category: null, basisMinor: 100_000, rateBps: 500, excluded: false }] }
 */
export function computeCashback(terms: CashbackTerms, amounts: ConversionAmounts): CashbackQuote {
  const resolved = resolveTerms(terms);
  const excludedSet = new Set(resolved.excludedCategories);
  const lines: readonly CashbackLine[] = amounts.lineItems ?? [
    {
      category: amounts.category,
      amountMinor: amounts.saleAmountMinor,
      commissionMinor: amounts.commissionMinor,
    },
  ];
  const excluded = lines.map((line) => line.category !== null && excludedSet.has(line.category));
  const bases =
    resolved.basis === "sale"
      ? lines.map((line) => line.amountMinor)
      : commissionBases(lines, excluded, amounts.commissionMinor);

  const ownRates = lines.map((line) => categoryRateBps(resolved, line.category));
  let lowestRateBps: number | null = null;
  if (resolved.policy === "lowest_rate") {
    for (const [i, rateBps] of ownRates.entries()) {
      if (!excluded[i] && (lowestRateBps === null || rateBps < lowestRateBps)) {
        lowestRateBps = rateBps;
      }
    }
  }

  const quoteLines: CashbackLineQuote[] = lines.map((line, i) => ({
    category: line.category,
    basisMinor: bases[i] ?? 0,
    rateBps: excluded[i] ? 0 : (lowestRateBps ?? ownRates[i] ?? resolved.defaultRateBps),
    excluded: excluded[i] ?? false,
  }));
  const eligible: RatedAmount[] = quoteLines
    .filter((line) => !line.excluded)
    .map((line) => ({ amountMinor: line.basisMinor, rateBps: line.rateBps }));

  const uncappedCashbackMinor = applyRatesBps(eligible);
  const basisAmountMinor = eligible.reduce((sum, part) => sum + part.amountMinor, 0);
  if (!Number.isSafeInteger(basisAmountMinor)) {
    throw new RangeError("the order's basis exceeds the safe integer range");
  }
  const { capMinor } = resolved;
  const capped = capMinor !== null && uncappedCashbackMinor > capMinor;
  const cashbackMinor =
    capMinor === null ? uncappedCashbackMinor : Math.min(uncappedCashbackMinor, capMinor);
  return {
    cashbackMinor,
    uncappedCashbackMinor,
    rateBps: displayRateBps(eligible),
    basisAmountMinor,
    lines: quoteLines,
    capped,
  };
}

/** The rate an offer is advertised at: its best rate on a category that earns, or the default. */
export function headlineRateBps(terms: CashbackTerms): number {
  const excluded = new Set(resolveTerms(terms).excludedCategories);
  let bestRateBps = terms.defaultRateBps;
  for (const [category, rateBps] of Object.entries(terms.categoryRates)) {
    if (!excluded.has(category) && rateBps > bestRateBps) bestRateBps = rateBps;
  }
  return bestRateBps;
}

function categoryRateBps(terms: ResolvedCashbackTerms, category: string | null): number {
  // Own keys only: the category is network input, and "constructor" or "toString" must fall
  // back to the default rather than read Object.prototype.
  return (
    (category !== null && Object.hasOwn(terms.categoryRates, category)
      ? terms.categoryRates[category]
      : undefined) ?? terms.defaultRateBps
  );
}

/**
 * Each line's commission: its own when every eligible line reports one, else the order's
 * commission split pro rata to line amounts (the parts sum exactly to the order's commission).
 */
function commissionBases(
  lines: readonly CashbackLine[],
  excluded: readonly boolean[],
  orderCommissionMinor: number,
): number[] {
  const ownCommission = (line: CashbackLine) =>
    typeof line.commissionMinor === "number" ? line.commissionMinor : null;
  if (lines.every((line, i) => excluded[i] || ownCommission(line) !== null)) {
    return lines.map((line) => ownCommission(line) ?? 0);
  }
  return allocateProRata(
    orderCommissionMinor,
    lines.map((line) => line.amountMinor),
  );
}

function displayRateBps(eligible: readonly RatedAmount[]): number {
  const first = eligible[0];
  if (first === undefined) return 0;
  if (eligible.every((part) => part.rateBps === first.rateBps)) return first.rateBps;
  return blendedRateBps(eligible);
}
