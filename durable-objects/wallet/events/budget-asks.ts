import type { Logger } from "#shared/observability/logger";
import { type BudgetBinding, type BudgetReserveResult, reserveIn } from "../../budget/index";
import { answer, type BudgetRequest, nextGrantStep, owedRequests } from "./decide-grant";

/**
 * The wallet's side of the budget protocol (decide-grant.ts says why two steps), shared by
 * everything that draws on a rule's budgets: event rewards (grant-sync.ts) and both parties'
 * referral rewards (referrals/referrer-budget.ts, referrals/referee-budget.ts). One reward, known to its budgets by
 * `reference`, asks each budget object, lowers the ones that granted more than the tightest,
 * and settles on one value. Requests are saved (by the caller's `save`) before they are sent,
 * so a round cut off half-way repeats them — the budget answers a repeat with the same grant —
 * and never renumbers them.
 */

/** Asking and lowering: a reward settles in at most this many exchanges with its budgets. */
const MAX_STEPS_PER_GRANT = 4;

export interface BudgetAskPorts {
  env: BudgetBinding;
  log: Logger;
  /** The wallet's user, who numbers the requests (the budgets' `holder`). */
  userId(): string;
}

/**
 * Sends one request (a reserve, or a release when it asks for 0) and returns the answer; a
 * budget that counts another unit grants nothing. A split rule budget is asked at the part
 * its saved request names (`shardOf(userId, parts)`), the limit carried as to the budget's
 * own object: the part hands it to the root when it borrows.
 */
export async function askBudget(
  ports: BudgetAskPorts,
  reference: string,
  request: BudgetRequest,
): Promise<BudgetReserveResult> {
  const result = await reserveIn(ports.env, request.parts ?? 1, {
    budgetKey: request.key,
    unit: request.unit,
    holder: ports.userId(),
    reference,
    seq: request.seq,
    limit: request.limit,
    // A request saved before versions were sent is the oldest, never the newest: its limit
    // may be an older rule version's, which must not move a budget a newer one has set.
    limitVersion: request.limitVersion ?? 0,
    desired: request.desired,
  });
  // Only this wallet numbers this reward's requests: a stale answer means something is off.
  if (result.status === "stale") throw new Error(`stale answer, recorded seq ${result.seq}`);
  if (result.status === "unit_mismatch") {
    // The budget counts another unit (a rule changed what it caps): nothing is granted.
    ports.log.warn("wallet.grant_unit_mismatch", { budgetKey: request.key });
    return { ...result, granted: 0 };
  }
  return result;
}

/**
 * Asks and lowers until the budgets agree on one value for `target`; returns the settled
 * requests, or null when `save` says the reward moved on meanwhile (a newer change is due).
 * Throws when a budget cannot be asked (the caller retries from its schedule).
 *
 * @example
 * const settled = await settleBudgets(ports, "evt:e1:r1:INR", retarget(row.budgets, 500), 500,
 *   (requests) => commit((tx) => saveRequests(tx, requests)));
 * nextGrantStep(settled!, 500) // { action: "settled", granted: 300 }
 */
export async function settleBudgets(
  ports: BudgetAskPorts,
  reference: string,
  start: BudgetRequest[],
  target: number,
  save: (requests: BudgetRequest[]) => boolean,
): Promise<BudgetRequest[] | null> {
  let requests = start;
  for (let step = 0; step < MAX_STEPS_PER_GRANT; step++) {
    if (!save(requests)) return null;
    for (const request of owedRequests(requests)) {
      const result = await askBudget(ports, reference, request);
      requests = answer(requests, request.key, request.seq, result.granted);
    }
    const next = nextGrantStep(requests, target);
    if (next.action === "settled") return requests;
    if (next.action === "lower") requests = next.requests;
  }
  throw new Error("budgets did not settle on one value");
}

/** One reward's budget state as its row keeps it: what they should hold, and the requests. */
export interface HeldBudget {
  desired: number;
  requests: BudgetRequest[];
}

/** Pure: nothing is owed to the budgets and they hold what the reward should (`desired`). */
export function heldBudgetSettled(budget: HeldBudget): boolean {
  return (
    owedRequests(budget.requests).length === 0 &&
    nextGrantStep(budget.requests, budget.desired).action === "settled"
  );
}

/**
 * Sends what one reward's budget requests still owe, until its budgets hold `desired` (the
 * referral rewards' loop: the first ask, then a release or a new ask after a reversal, a
 * restore or a cancellation). `load` reads the row (null: no budget); `save` saves the
 * requests about to be sent, false when what they should hold changed meanwhile. Throws when a
 * budget cannot be asked (the caller retries from its schedule).
 */
export async function settleHeldBudget(
  ports: BudgetAskPorts,
  reference: string,
  load: () => HeldBudget | null,
  save: (desired: number, requests: BudgetRequest[]) => boolean,
): Promise<void> {
  const budget = load();
  if (!budget || heldBudgetSettled(budget)) return;
  const requests = await settleBudgets(ports, reference, budget.requests, budget.desired, (next) =>
    save(budget.desired, next),
  );
  // The answers are saved too: the credit's second transaction reads them.
  if (requests === null || !save(budget.desired, requests)) {
    throw new Error(`${reference}: its budgets moved meanwhile`);
  }
}
