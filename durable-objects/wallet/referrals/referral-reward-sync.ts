import { errorFields, type Logger } from "#shared/observability/logger";
import { dueAsOf, SyncRounds } from "../core/sync-rounds";
import type { WalletTx } from "../core/wallet-tx";
import { type BudgetAskPorts, heldBudgetSettled } from "../events/budget-asks";
import { findEvent } from "../events/event-store";
import type { EarnTerms } from "../events/post-reward";
import { dueRefs, postpone, unschedule } from "../schedule/schedule-store";
import { pointsPendingUntilMs } from "./decide-confirmation";
import type { PartyOperation, PartyOperationStatus } from "./party-operations";
import { finishRefereeCredit, RefereeBudgets } from "./referee-budget";
import { confirmationInputs, referrerEarned, replayRefereeFollowUps } from "./referral-money";
import {
  countReferralRewardAttempt,
  findReferralReward,
  type ReferralRewardRow,
} from "./referral-reward-store";
import { acknowledgeReferrerReward, capReferrerReward, settleRewarded } from "./referral-rewards";
import { findReferral } from "./referral-store";
import { findReferralTerms } from "./referral-terms-store";
import type { ReferrerCreditRequest, ReferrerCreditStatus } from "./referrer-credit";
import {
  countReferrerOpAttempt,
  markReferrerOpDelivered,
  owedReferrerOps,
} from "./referrer-ops-store";
import { refusalAlertDue } from "./refusal-alert";

/**
 * Referrals per round, operations per referral per round, rounds per sync, and the wait after
 * the referrer's wallet failed.
 */
const MAX_REWARDS_PER_ROUND = 50;
const MAX_OPS_PER_REFERRAL = 8;
const MAX_REWARD_ROUNDS = 4;
export const REFERRAL_REWARD_RETRY_MS = 30_000;

/**
 * The referrer's wallet as this sync calls it (WalletDurableObject.creditReferralReward and
 * applyReferrerOperation).
 */
export interface ReferrerWallet {
  creditReferralReward(
    referrerId: string,
    credit: ReferrerCreditRequest,
  ): Promise<ReferrerCreditStatus>;
  applyReferrerOperation(referrerId: string, op: PartyOperation): Promise<PartyOperationStatus>;
}

export interface ReferralRewardSyncPorts extends BudgetAskPorts {
  sql: SqlStorage;
  log: Logger;
  clock: () => number;
  /** The program's points terms, for a referee's reward credited on its budgets' grant. */
  earnTerms(): Promise<EarnTerms>;
  /** The referrer's wallet object. */
  walletOf(userId: string): ReferrerWallet;
  commit<T>(work: (tx: WalletTx) => T): T;
}

/**
 * Delivers the referrer's reward of a qualified referral after the qualifying transaction
 * committed (docs/referrals.md, "Rewards"): an RPC to the referrer's wallet, which credits it
 * under `referral:<id>:referrer` (a repeat is `exists` there), then a second transaction here
 * marks it delivered (with what the referrer's tier paid) and moves the referral to
 * `rewarded`. The campaign's cap and tiers go with the request and are decided there; a
 * `capped` answer is final (never retried). A call that fails or is refused is retried every
 * 30 s from the wallet's schedule (`referral_reward`), like the grant sync, and every
 * REFUSAL_ALERT_EVERY failed attempts raise an operator alert (an error log line naming the
 * referral and the count); one sync at a time per object.
 */
export class ReferralRewardSync {
  private readonly rounds = new SyncRounds((asOfMs) => this.round(asOfMs), MAX_REWARD_ROUNDS);

  constructor(private readonly ports: ReferralRewardSyncPorts) {}

  /** `asOfMs`: what is due is looked up as of then, when later than the clock (`dueAsOf`). */
  sync(asOfMs?: number): Promise<void> {
    return this.rounds.sync(asOfMs);
  }

  private async round(asOfMs: number | undefined): Promise<boolean> {
    const { sql, clock } = this.ports;
    const due = dueRefs(
      sql,
      "referral_reward",
      dueAsOf(clock(), asOfMs),
      MAX_REWARDS_PER_ROUND + 1,
    );
    for (const referralId of due.slice(0, MAX_REWARDS_PER_ROUND)) {
      // The referee's reward under the rule's budgets first (referee-budget.ts). A referee
      // whose budget cannot be asked does not hold back what the referrer is owed (a
      // reversal's take-back above all); the referral stays due for the referee's next try.
      const refereeSettled = await this.settleReferee(referralId);
      const owed = findReferralReward(sql, referralId, "referrer");
      if (owed?.status === "owed" && !(await this.deliverCredit(referralId, owed))) continue;
      // Behind the credit, in order: confirm, reverse, restore.
      if (!(await this.deliverOperations(referralId))) continue;
      if (!refereeSettled) continue;
      this.ports.commit((tx) => {
        // A reversal, restore or rejection that landed while this round awaited the referrer's
        // wallet re-aimed the referee's budgets and scheduled the referral: it stays due.
        if (refereeBudgetSettled(tx.sql, referralId)) {
          unschedule(tx.sql, "referral_reward", referralId);
        }
      });
    }
    return due.length > MAX_REWARDS_PER_ROUND;
  }

  /**
   * The referee's reward's budgets (referee-budget.ts): asked (or lowered, or released after a
   * reversal or a rejection), then, for a reward awaiting them, credited with what they granted
   * — or nothing, `referral_budget_exhausted` — in a second transaction. True when nothing is
   * left to ask; a budget that cannot be asked is retried in 30 s like the referrer's credit.
   */
  private async settleReferee(referralId: string): Promise<boolean> {
    const { sql, log, clock } = this.ports;
    if (!findReferralReward(sql, referralId, "referee")?.budget) return true;
    const budgets = new RefereeBudgets(this.ports);
    try {
      await budgets.settle(referralId);
      if (findReferralReward(sql, referralId, "referee")?.status !== "awaiting_budget") return true;
      const earn = await this.ports.earnTerms();
      const done = this.ports.commit((tx) => {
        const nowMs = clock();
        const finished = finishRefereeCredit(tx, referralId, earn, nowMs, replayRefereeFollowUps);
        if (finished.status === "credited" || finished.status === "exhausted") {
          const row = findReferralReward(tx.sql, referralId, "referee");
          if (row)
            settleRewarded(tx, referralId, row.eventId, nowMs, referrerEarned(tx, referralId));
        }
        return finished;
      });
      if (done.status === "refused") throw new Error(done.detail);
      if (done.status === "wait") throw new Error("the rule's budgets have not settled");
      // What was taken back while it waited goes back to the budgets now.
      await budgets.settle(referralId);
      return true;
    } catch (error) {
      log.error("wallet.referee_budget_failed", { referralId, ...errorFields(error) });
      const attempts = this.ports.commit((tx) => {
        countReferralRewardAttempt(tx.sql, referralId, "referee");
        postpone(tx.sql, "referral_reward", referralId, clock() + REFERRAL_REWARD_RETRY_MS);
        return findReferralReward(tx.sql, referralId, "referee")?.attempts ?? 0;
      });
      if (refusalAlertDue(attempts)) {
        log.error("referral.referee_reward_alert", { referralId, attempts, ...errorFields(error) });
      }
      return false;
    }
  }

  /**
   * The referrer's credit; true when acknowledged (credited, or capped: final, nothing
   * credited). The referrer's wallet decides the tier and the monthly cap (referrer-credit.ts)
   * and asks the rule's budgets (referrer-budget.ts).
   */
  private async deliverCredit(referralId: string, owed: ReferralRewardRow): Promise<boolean> {
    const { sql, log, clock } = this.ports;
    try {
      const terms = findReferralTerms(sql, referralId);
      const referral = findReferral(sql);
      const credit: ReferrerCreditRequest = {
        referralId,
        party: "referrer",
        ruleId: owed.ruleId,
        ruleVersion: owed.ruleVersion,
        eventId: owed.eventId,
        occurredAtMs: findEvent(sql, owed.eventId)?.occurredAtMs ?? clock(),
        reward: owed.reward,
        // Points wait as the referee's do, until the bonuses are confirmed.
        pendingUntilMs:
          terms && referral
            ? pointsPendingUntilMs(confirmationInputs(sql, referral, terms, clock()))
            : null,
        terms: owed.referrerTerms,
      };
      const result = await this.ports
        .walletOf(owed.referrerId)
        .creditReferralReward(owed.referrerId, credit);
      if (result.status === "refused") throw new Error(result.detail);
      if (result.status === "capped") {
        // The monthly cap, or the rule's budgets spent (`reason`).
        const reason = result.reason;
        this.ports.commit((tx) => capReferrerReward(tx, referralId, clock(), reason));
      } else {
        const credited = result.credited;
        // Less than the tier's reward: the rule's budgets granted only part of it.
        const reason = result.reduced ? "referral_budget_exhausted" : undefined;
        this.ports.commit((tx) =>
          acknowledgeReferrerReward(tx, referralId, clock(), credited, reason),
        );
      }
      return true;
    } catch (error) {
      log.error("wallet.referral_reward_failed", { referralId, ...errorFields(error) });
      const attempts = this.ports.commit((tx) => {
        countReferralRewardAttempt(tx.sql, referralId, "referrer");
        postpone(tx.sql, "referral_reward", referralId, clock() + REFERRAL_REWARD_RETRY_MS);
        return findReferralReward(tx.sql, referralId, "referrer")?.attempts ?? 0;
      });
      if (refusalAlertDue(attempts)) {
        // The operator's alert: this reward will not deliver by itself.
        log.error("referral.referrer_reward_alert", {
          referralId,
          referrerId: owed.referrerId,
          attempts,
          ...errorFields(error),
        });
      }
      return false;
    }
  }

  /** The referrer's owed operations, oldest first; true when none is left owed. */
  private async deliverOperations(referralId: string): Promise<boolean> {
    const { sql, log, clock } = this.ports;
    for (const op of owedReferrerOps(sql, referralId, MAX_OPS_PER_REFERRAL)) {
      try {
        const result = await this.ports
          .walletOf(op.referrerId)
          .applyReferrerOperation(op.referrerId, op.operation);
        if (result.status === "refused") throw new Error(result.detail);
        this.ports.commit((tx) => markReferrerOpDelivered(tx.sql, op.opKey, clock()));
      } catch (error) {
        log.error("wallet.referral_operation_failed", {
          referralId,
          operation: op.operation.kind,
          ...errorFields(error),
        });
        this.ports.commit((tx) => {
          countReferrerOpAttempt(tx.sql, op.opKey);
          postpone(tx.sql, "referral_reward", referralId, clock() + REFERRAL_REWARD_RETRY_MS);
        });
        return false;
      }
    }
    return owedReferrerOps(sql, referralId, 1).length === 0;
  }
}

/** Whether the referee's reward owes its budgets nothing (true when it draws on none). */
function refereeBudgetSettled(sql: SqlStorage, referralId: string): boolean {
  const row = findReferralReward(sql, referralId, "referee");
  if (!row?.budget) return true;
  return row.status !== "awaiting_budget" && heldBudgetSettled(row.budget);
}
