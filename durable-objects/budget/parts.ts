import { shardOf } from "#shared/queues/shards";
import { MAX_BUDGET_PARTS } from "#shared/rules/index";

/**
 * Sub-budgets (docs/scaling.md "Budget parts"), pure. One budget key is one Durable Object,
 * about 1,000 requests/s; a campaign boosting more conversions than that splits its budget
 * into `parts` objects. The budget key's own object (the root) keeps the limit and lends each
 * part its allotment as a reservation of its own (holder `part:<parts>:<index>`, which no user
 * id can be: user ids are `[A-Za-z0-9_-]`), so the root's CHECK bounds the whole budget as it
 * always did. A wallet asks the part `shardOf(userId, parts)`; a part grants from its
 * allotment alone, and only when it runs dry asks the root for more, then its siblings to
 * give their spare back to the root.
 */

/** Most parts one budget may have (each one object: 64 × ~1,000 requests/s); a rule's too. */
export { MAX_BUDGET_PARTS };

/** The reference of a part's allotment among the root's reservations. */
export const ALLOTMENT_REFERENCE = "allotment";

/** A part of a budget: how many parts its layout has, and which one it is. */
export interface BudgetPart {
  parts: number;
  index: number;
}

/** True for a whole number of parts 1..MAX_BUDGET_PARTS. */
export function isPartCount(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_BUDGET_PARTS;
}

/** True for a part of a split layout (parts ≥ 2, index in range). */
export function isBudgetPart(part: BudgetPart): boolean {
  return (
    isPartCount(part.parts) &&
    part.parts >= 2 &&
    Number.isInteger(part.index) &&
    part.index >= 0 &&
    part.index < part.parts
  );
}

/**
 * The object name of one part: the budget key, `#`, index and count. A budget key always ends
 * with its period (`lifetime`, `month:2026-03`, …), never with `#<i>/<n>`, so no part name is
 * another budget's key.
 *
 * @example
 * partName("rule:campaign.d:campaign:d:lifetime", { parts: 4, index: 2 })
 * // "rule:campaign.d:campaign:d:lifetime#2/4"
 */
export function partName(budgetKey: string, part: BudgetPart): string {
  return `${budgetKey}#${part.index}/${part.parts}`;
}

/** The root's holder id for one part's allotment. */
export function allotmentHolder(part: BudgetPart): string {
  return `part:${part.parts}:${part.index}`;
}

/**
 * The part an allotment holder id names; null for any other holder.
 *
 * @example
 * partOfAllotmentHolder("part:4:2") // { parts: 4, index: 2 }
 */
export function partOfAllotmentHolder(holder: string): BudgetPart | null {
  const match = /^part:(\d+):(\d+)$/.exec(holder);
  if (!match) return null;
  const part = { parts: Number(match[1]), index: Number(match[2]) };
  return isBudgetPart(part) ? part : null;
}

/** True for a holder id that is a part's allotment, not a user. */
export function isAllotmentHolder(holder: string): boolean {
  return holder.startsWith("part:");
}

/**
 * The part a holder's reservations live in: the repo's one stable shard hash (FNV-1a).
 *
 * @example
 * partOfHolder("u9", 1) // { parts: 1, index: 0 }
 */
export function partOfHolder(holder: string, parts: number): BudgetPart {
  return { parts, index: shardOf(holder, parts) };
}

/**
 * `value` split into `parts` whole shares that sum to it exactly: each gets ⌊value/parts⌋, and
 * the first `value mod parts` get one more, so the split is the same on every call.
 *
 * @example
 * splitShares(10, 4) // [3, 3, 2, 2]
 */
export function splitShares(value: number, parts: number): number[] {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`value must be a non-negative safe integer, got ${value}`);
  }
  if (!isPartCount(parts)) {
    throw new RangeError(`parts must be 1–${MAX_BUDGET_PARTS}, got ${parts}`);
  }
  const base = Math.floor(value / parts);
  const extra = value % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}
