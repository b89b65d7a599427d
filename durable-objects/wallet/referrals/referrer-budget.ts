import { errorFields } from "#shared/observability/logger";
import type { WalletTx } from "../core/wallet-tx";
import { type BudgetAskPorts, settleHeldBudget } from "../events/budget-asks";
import { type BudgetRequest, retarget } from "../events/decide-grant";
import type { EarnTerms } from "../events/post-reward";
import { referralLedgerKey } from "./party-credit";
import { findPartyMoney, unrestoredPointsDebt } from "./party-money-store";
import {
  creditReferrer,
  finishReferrerCredit,
  type ReferrerCreditRequest,
  type ReferrerCreditStatus,
} from "./referrer-credit";
import {
  findReferrerCredit,
  saveReferrerBudget,
  settleReferrerCredit,
} from "./referrer-credit-store";

/**
 * Rule budgets on the referrer's reward, in the REFERRER's wallet (docs/referrals.md,
 * "Budgets"), with the wallet's one budget protocol (events/budget-asks.ts): the reward is
 * recorded `awaiting_budget` in the credit's transaction (referrer-credit.ts, after the cap and
 * the tier are decided), its budgets are asked after commit, and a second transaction pays what
 * they granted. A reversal in this wallet lowers what the budgets hold to what the referrer
 * still has (a release), a restore raises it again; the requests are sent before the
 * operation is answered. An operation meeting a reward still awaiting its budgets cancels it
 * and releases what they granted.
 *
 * Retries come from the referee's wallet's schedule: a budget that cannot be asked makes the
 * call answer `refused`, the referee's referral-reward sync retries it in 30 s (`referral_reward`), and the
 * repeat finds the saved requests and sends them again (the budget answers a repeat with the
 * same grant), so a reward never draws twice.
 */

export interface ReferrerBudgetPorts extends BudgetAskPorts {
  sql: SqlStorage;
  clock: () => number;
  /** Runs `work` in one storage transaction of the wallet (bound to the referrer). */
  commit<T>(work: (tx: WalletTx) => T): T;
}

export class ReferrerBudgets {
  constructor(private readonly ports: ReferrerBudgetPorts) {}

  /**
   * Credits the referrer's reward (referrer-credit.ts), asking the rule's budgets first when
   * it draws on any. `refused` when a budget cannot be asked: the referee's wallet retries.
   *
   * @example
   * await budgets.credit(request, earn, nowMs)
   * // { status: "created", credited: { amountMinor: 400, currency: "INR" }, nth: 3, reduced: true }
   */
  async credit(
    request: ReferrerCreditRequest,
    earn: EarnTerms,
    nowMs: number,
  ): Promise<ReferrerCreditStatus> {
    const first = this.ports.commit((tx) => creditReferrer(tx, request, earn, nowMs));
    if (first.status !== "awaiting_budget") return first;
    const failed = await this.trySettle(request.referralId);
    if (failed) return failed;
    const done = this.ports.commit((tx) =>
      finishReferrerCredit(tx, request, earn, this.ports.clock()),
    );
    if (done.status === "awaiting_budget") {
      throw new Error(`referral ${request.referralId}: the rule's budgets have not settled`);
    }
    return done;
  }

  /**
   * `settle`, answering `refused` (logged) rather than throwing when a budget cannot be asked,
   * so the caller's write still gets delivered and the referee's wallet retries; null when
   * settled.
   */
  async trySettle(referralId: string): Promise<{ status: "refused"; detail: string } | null> {
    try {
      await this.settle(referralId);
      return null;
    } catch (error) {
      this.ports.log.warn("wallet.referral_budget_failed", { referralId, ...errorFields(error) });
      const detail = error instanceof Error ? error.message : String(error);
      return { status: "refused", detail: `the rule's budgets: ${detail}` };
    }
  }

  /** Sends what the referral's budget requests still owe (after a reversal or a restore). */
  async settle(referralId: string): Promise<void> {
    await settleHeldBudget(
      this.ports,
      referralLedgerKey(referralId, "referrer"),
      () => findReferrerCredit(this.ports.sql, referralId)?.budget ?? null,
      (desired, requests) => this.save(referralId, desired, requests),
    );
  }

  /** Saves the requests about to be sent; false when what they should hold changed meanwhile. */
  private save(referralId: string, desired: number, requests: BudgetRequest[]): boolean {
    return this.ports.commit((tx) => {
      const row = findReferrerCredit(tx.sql, referralId);
      if (!row?.budget || row.budget.desired !== desired) return false;
      saveReferrerBudget(tx.sql, referralId, { ...row.budget, requests });
      return true;
    });
  }
}

/**
 * After an operation on the referrer's bonus (party-operations.ts), in its transaction: the
 * reward's budgets are asked to hold what the referrer still has — less after a reversal (the
 * share goes back to the budgets; points already spent, now points debt, stay counted), more
 * after a restore. Nothing when the reward draws on no budget or was not credited.
 */
export function retargetReferrerBudget(tx: WalletTx, referralId: string): void {
  const row = findReferrerCredit(tx.sql, referralId);
  if (row?.outcome === "awaiting_budget" && row.budget) {
    // The referee's wallet sends operations only behind a credit it acknowledged, or once it
    // stopped waiting for one (the referral was rejected while the credit was on its way and
    // its budgets could not be asked): nothing will be credited, so the budgets get back
    // whatever they granted, and the reward no longer counts toward the cap.
    settleReferrerCredit(tx.sql, {
      ...row,
      outcome: "cancelled",
      nth: null,
      reward: null,
      budget: { ...row.budget, desired: 0, requests: retarget(row.budget.requests, 0) },
    });
    return;
  }
  if (row?.outcome !== "credited" || !row.budget) return;
  const money = findPartyMoney(tx.sql, referralId, "referrer");
  if (!money) return;
  const debt = money.unit === "points" ? unrestoredPointsDebt(tx.sql, referralId, "referrer") : 0;
  const held = Math.max(money.credited - money.taken + debt, 0);
  if (held === row.budget.desired) return;
  saveReferrerBudget(tx.sql, referralId, {
    ...row.budget,
    desired: held,
    requests: retarget(row.budget.requests, held),
  });
}
