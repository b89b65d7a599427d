import type { BudgetTerm } from "./reward-plan";

/**
 * Pure steps of the two-step grant of a budgeted reward (events/grant-sync.ts). A reward may
 * draw on several budgets (say 500 points per user per month and 100,000 in all), each its own
 * object; the reward gets what the tightest grants. So the wallet asks every budget for the
 * value it wants, takes the smallest answer, and lowers the budgets that granted more to it —
 * a lowering always fits — so no budget holds more for a reward than the member got.
 *
 * Each budget's requests are numbered (`seq`): a new value is a new request, a repeat of one
 * the wallet already sent returns the same answer, so a sync cut off half-way can run again.
 */

/** One budget as the reward's row keeps it. */
export interface BudgetRequest extends BudgetTerm {
  /** The request number the budget object orders this reward's requests by. */
  seq: number;
  /** The value asked for in request `seq`. */
  desired: number;
  /** The budget's answer to request `seq`; null while it is owed. */
  granted: number | null;
}

/** A new reward's budgets: nothing asked yet. */
export function openRequests(terms: readonly BudgetTerm[]): BudgetRequest[] {
  return terms.map((term) => ({ ...term, seq: 0, desired: 0, granted: 0 }));
}

/**
 * The requests after the reward's value changed to `target`: each budget not already asked
 * for exactly `target` gets a new request.
 *
 * @example
 * retarget([{ key: "k", unit: "points", limit: 500, seq: 1, desired: 80, granted: 80 }], 40)
 * // [{ …, seq: 2, desired: 40, granted: null }]
 */
export function retarget(requests: readonly BudgetRequest[], target: number): BudgetRequest[] {
  return requests.map((r) =>
    r.desired === target && r.granted !== null
      ? r
      : { ...r, seq: r.seq + 1, desired: target, granted: null },
  );
}

/** The requests still owed an answer. */
export function owedRequests(requests: readonly BudgetRequest[]): BudgetRequest[] {
  return requests.filter((r) => r.granted === null);
}

/** Records one budget's answer to its request `seq`; an answer to an older request is dropped. */
export function answer(
  requests: readonly BudgetRequest[],
  key: string,
  seq: number,
  granted: number,
): BudgetRequest[] {
  return requests.map((r) => (r.key === key && r.seq === seq ? { ...r, granted } : r));
}

export type GrantStep =
  /** Every budget answered and none holds more than the smallest grant: the reward gets it. */
  | { action: "settled"; granted: number }
  /** Budgets answered, some above the smallest grant: lower them to it (new requests). */
  | { action: "lower"; requests: BudgetRequest[] }
  /** Some budget still owes an answer. */
  | { action: "ask" };

/**
 * What comes after the answers so far; with no budgets at all the reward gets `target`.
 *
 * @example
 * nextGrantStep([{ …, desired: 100, granted: 100 }, { …, desired: 100, granted: 30 }], 100)
 * // { action: "lower", requests: [{ …, seq: 2, desired: 30, granted: null }, { …, granted: 30 }] }
 */
export function nextGrantStep(requests: readonly BudgetRequest[], target: number): GrantStep {
  if (requests.length === 0) return { action: "settled", granted: target };
  if (owedRequests(requests).length > 0) return { action: "ask" };
  const smallest = Math.min(target, ...requests.map((r) => r.granted ?? 0));
  const above = requests.some((r) => (r.granted ?? 0) > smallest);
  if (!above) return { action: "settled", granted: smallest };
  return {
    action: "lower",
    requests: requests.map((r) =>
      (r.granted ?? 0) > smallest ? { ...r, seq: r.seq + 1, desired: smallest, granted: null } : r,
    ),
  };
}
