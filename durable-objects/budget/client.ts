import type { BudgetReserveInput, BudgetReserveResult } from "./budget-object";
import type { BudgetBinding } from "./env";
import { partName, partOfHolder } from "./parts";

/**
 * The budget object of one budget key; the id is derived from the key, so no lookup.
 *
 * @example
 * const usage = await budgetFor(env, "rule:r1:user:u9:month:2026-03").usage();
 */
export function budgetFor(env: BudgetBinding, budgetKey: string) {
  return env.BUDGET.get(env.BUDGET.idFromName(budgetKey));
}

/** How long an isolate trusts a budget's layout before asking its root again. */
export const LAYOUT_CACHE_MS = 30_000;
const layouts = new Map<string, { parts: number; atMs: number }>();

/**
 * The layout a new reservation should use (1: the budget's own object), from an isolate-wide
 * cache refreshed every LAYOUT_CACHE_MS, so a hot budget's root is read about once per isolate
 * per half-minute rather than once per reservation. A caller pins the answer to its
 * reservation before sending it (every later request for it goes to the same object), so a
 * stale answer only sends a new reservation to an older layout's part, which is still lent
 * budget and still works.
 *
 * @example
 * const parts = await budgetLayoutOf(env, "rule:campaign.d:campaign:d:lifetime"); // 4
 */
export async function budgetLayoutOf(
  env: BudgetBinding,
  budgetKey: string,
  nowMs: number = Date.now(),
): Promise<number> {
  const cached = layouts.get(budgetKey);
  if (cached && nowMs - cached.atMs < LAYOUT_CACHE_MS) return cached.parts;
  const { parts } = await budgetFor(env, budgetKey).layout();
  if (layouts.size > 10_000) layouts.clear();
  layouts.set(budgetKey, { parts, atMs: nowMs });
  return parts;
}

/**
 * Sends one reservation request (desired 0 releases) to where the holder's reservations live
 * under the layout the reservation was pinned to: the budget's own object when 1, else part
 * `shardOf(holder, parts)` (parts.ts).
 *
 * @example
 * await reserveIn(env, 4, { budgetKey, unit: "INR", holder: "u9", reference: "t1",
 *   desired: 500, seq: 1 });
 */
export function reserveIn(
  env: BudgetBinding,
  parts: number,
  request: BudgetReserveInput,
): Promise<BudgetReserveResult> {
  if (parts === 1) {
    const budget = budgetFor(env, request.budgetKey);
    const { desired: _desired, ...release } = request;
    return request.desired === 0 ? budget.release(release) : budget.reserve(request);
  }
  const part = partOfHolder(request.holder, parts);
  const stub = env.BUDGET.get(env.BUDGET.idFromName(partName(request.budgetKey, part)));
  return stub.reservePart({ ...request, ...part });
}
