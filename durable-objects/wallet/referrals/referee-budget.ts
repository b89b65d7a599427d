import type { ReferralPartyReward } from "#shared/rules/index";
import type { WalletTx } from "../core/wallet-tx";
import { type BudgetAskPorts, settleHeldBudget } from "../events/budget-asks";
import { type BudgetRequest, openRequests, retarget } from "../events/decide-grant";
import { findEvent } from "../events/event-store";
import type { EarnTerms } from "../events/post-reward";
import type { BudgetTerm } from "../events/reward-plan";
import { schedule } from "../schedule/schedule-store";
import { pointsPendingUntilMs } from "./decide-confirmation";
import { budgetHeld, decideBudgetedCredit } from "./decide-referee-budget";
import { creditParty, referralLedgerKey } from "./party-credit";
import { findPartyMoney, unrestoredPointsDebt } from "./party-money-store";
import { applyPartyOperation } from "./party-operations";
import { rewardBudgets, rewardOf, rewardValue } from "./referral-budgets";
import { confirmationInputs } from "./referral-money";
import {
  findReferralReward,
  type ReferralRewardStatus,
  type RewardBudgetState,
  type RewardRowReason,
  saveRewardBudget,
  settleBudgetedReward,
} from "./referral-reward-store";
import { findReferral } from "./referral-store";
import { findReferralTerms } from "./referral-terms-store";

/**
 * Rule budgets on the REFEREE's referral reward, in the referee's wallet (docs/referrals.md,
 * "Budgets"), with the wallet's one budget protocol (events/budget-asks.ts), as the referrer's
 * reward does in the referrer's wallet (referrer-budget.ts):
 *
 * 1. the qualifying transaction records the referee's `referral_rewards` row `awaiting_budget`
 *    (reason `awaiting_referral_budget`) with its open requests and schedules the referral
 *    (`referral_reward`) — a transaction awaits nothing but its own storage;
 * 2. after commit, the referral-reward sync asks the budgets (`RefereeBudgets.settle`,
 *    keyed `referral:<id>:referee`), saving every request before it is sent;
 * 3. a second transaction (`finishRefereeCredit`) credits what they granted under the same
 *    ledger key as an unbudgeted reward (`posted`, `referral_budget_exhausted` when reduced), or
 *    nothing (`capped`, `referral_budget_exhausted`); the bonus is confirmed at once if the
 *    campaign's conditions were met meanwhile, and refunds, chargebacks and restores of the
 *    qualifying event processed while it waited are applied to it now, in order
 *    (referral-money.ts `replayRefereeFollowUps`), so the net is what it would have been;
 * 4. what the budgets hold then follows what the referee still has (`retargetRefereeBudget`
 *    after every reversal and restore; a rejection while waiting releases the grant).
 *
 * A held referral keeps its budgets on the `held` row; its approval starts at step 1.
 */

/** The row a referee's reward starts with: credited now, awaiting its budgets, or refused. */
export type RefereeStart =
  | { action: "credit" }
  | { action: "await"; budget: RewardBudgetState }
  /** Money in a currency none of the rule's money budgets counts: not paid (as for cashback). */
  | { action: "exhausted" };

/**
 * Pure: how the referee's reward starts, given the rule's budgets for the referee.
 *
 * @example
 * refereeStart({ amountMinor: 500, currency: "INR" }, [{ key: "k", unit: "INR", limit: 900 }])
 * // { action: "await", budget: { asked: 500, desired: 500, requests: [{ key: "k", …, seq: 1, desired: 500, granted: null }] } }
 */
export function refereeStart(
  reward: ReferralPartyReward,
  terms: readonly BudgetTerm[],
): RefereeStart {
  const budgets = rewardBudgets(reward, terms);
  if (budgets.action === "unbudgeted") return { action: "credit" };
  if (budgets.action === "uncounted") return { action: "exhausted" };
  const asked = rewardValue(reward);
  return {
    action: "await",
    budget: { asked, desired: asked, requests: retarget(openRequests(budgets.budgets), asked) },
  };
}

/**
 * Pure: the row fields a referee's reward starts with (`status`: the unheld one; a held
 * referral keeps the budget for its approval, nothing asked yet).
 *
 * @example
 * refereeRow(refereeStart({ points: 50 }, []), "posted") // { status: "posted", reason: null, budget: null }
 */
export function refereeRow(
  start: RefereeStart,
  status: "posted" | "held",
): {
  status: ReferralRewardStatus;
  reason: RewardRowReason | null;
  budget: RewardBudgetState | null;
} {
  if (start.action === "credit") return { status, reason: null, budget: null };
  if (start.action === "exhausted") {
    return {
      status: status === "held" ? "held" : "capped",
      reason: "referral_budget_exhausted",
      budget: null,
    };
  }
  if (status === "held") {
    const requests: BudgetRequest[] = start.budget.requests.map((r) => ({
      ...r,
      seq: 0,
      desired: 0,
      granted: 0,
    }));
    return { status: "held", reason: null, budget: { ...start.budget, desired: 0, requests } };
  }
  return { status: "awaiting_budget", reason: "awaiting_referral_budget", budget: start.budget };
}

/**
 * An approval of a held referral reached its referee's row: what it becomes (the caller credits
 * a `credit`). A budgeted reward asks its budgets now; one its budgets could never count is
 * `capped`.
 */
export function approveRefereeRow(
  tx: WalletTx,
  referralId: string,
  row: {
    reward: ReferralPartyReward;
    reason: RewardRowReason | null;
    budget: RewardBudgetState | null;
  },
  nowMs: number,
): "credit" | "waiting" {
  if (row.reason === "referral_budget_exhausted") {
    settleBudgetedReward(
      tx.sql,
      {
        referralId,
        party: "referee",
        status: "capped",
        reason: row.reason,
        reward: row.reward,
        budget: null,
      },
      nowMs,
    );
    return "waiting";
  }
  if (!row.budget) return "credit";
  const asked = row.budget.asked;
  settleBudgetedReward(
    tx.sql,
    {
      referralId,
      party: "referee",
      status: "awaiting_budget",
      reason: "awaiting_referral_budget",
      reward: row.reward,
      budget: { asked, desired: asked, requests: retarget(row.budget.requests, asked) },
    },
    nowMs,
  );
  schedule(tx.sql, "referral_reward", referralId, nowMs);
  return "waiting";
}

export type RefereeFinish =
  /** Nothing awaits the budgets (never did, or settled before). */
  | { status: "none" }
  /** The budgets have not settled: ask again. */
  | { status: "wait" }
  | { status: "credited"; credited: ReferralPartyReward; reduced: boolean }
  | { status: "exhausted" }
  | { status: "refused"; detail: string };

/**
 * The budgets answered (their settled requests are saved on the row): the referee gets what the
 * tightest granted, in one transaction that re-reads the row, so it happens once.
 */
export function finishRefereeCredit(
  tx: WalletTx,
  referralId: string,
  earn: EarnTerms,
  nowMs: number,
  replay: (tx: WalletTx, qualifyingId: string, nowMs: number) => void,
): RefereeFinish {
  const row = findReferralReward(tx.sql, referralId, "referee");
  if (row?.status !== "awaiting_budget" || !row.budget) return { status: "none" };
  const decision = decideBudgetedCredit(row.budget.requests, row.budget.desired, row.budget.asked);
  if (decision.action === "wait") return { status: "wait" };
  if (decision.action === "exhausted") {
    settleBudgetedReward(
      tx.sql,
      {
        ...row,
        status: "capped",
        reason: "referral_budget_exhausted",
        budget: { ...row.budget, desired: 0 },
      },
      nowMs,
    );
    return { status: "exhausted" };
  }
  const reward = rewardOf(row.reward, decision.value);
  const referral = findReferral(tx.sql);
  const terms = findReferralTerms(tx.sql, referralId);
  const credited = creditParty(
    tx,
    {
      referralId,
      party: "referee",
      ruleId: row.ruleId,
      ruleVersion: row.ruleVersion,
      eventId: row.eventId,
      occurredAtMs: findEvent(tx.sql, row.eventId)?.occurredAtMs ?? nowMs,
      reward,
      pendingUntilMs:
        terms && referral
          ? pointsPendingUntilMs(confirmationInputs(tx.sql, referral, terms, nowMs))
          : null,
    },
    earn,
    nowMs,
  );
  // Refused (the key holds another amount): left awaiting, the budgets still hold the grant.
  if (credited.status === "refused") return credited;
  settleBudgetedReward(
    tx.sql,
    {
      ...row,
      status: "posted",
      reason: decision.reduced ? "referral_budget_exhausted" : null,
      reward,
      budget: { ...row.budget, desired: decision.value },
    },
    nowMs,
  );
  // The campaign's conditions were met while it waited: confirmed now, before what was taken
  // meanwhile is taken (so a later restore gives it back where the bonus is).
  if (terms?.confirmedAtMs != null) {
    applyPartyOperation(tx, { kind: "confirm", referralId, party: "referee" }, nowMs);
  }
  replay(tx, row.eventId, nowMs);
  retargetRefereeBudget(tx, referralId, nowMs);
  return { status: "credited", credited: reward, reduced: decision.reduced };
}

/**
 * After an operation on the referee's bonus, or a rejection, in its transaction: the reward's
 * budgets are asked to hold what the referee still has (nothing once cancelled); the referral is
 * scheduled so the sync sends the change. Nothing when the reward draws on no budget.
 */
export function retargetRefereeBudget(tx: WalletTx, referralId: string, nowMs: number): void {
  const row = findReferralReward(tx.sql, referralId, "referee");
  if (!row?.budget) return;
  let held: number;
  if (row.status === "posted") {
    const money = findPartyMoney(tx.sql, referralId, "referee");
    if (!money) return;
    const pointsDebt =
      money.unit === "points" ? unrestoredPointsDebt(tx.sql, referralId, "referee") : 0;
    held = budgetHeld({ credited: money.credited, taken: money.taken, pointsDebt });
  } else if (row.status === "cancelled" || row.status === "capped") {
    held = 0;
  } else {
    return;
  }
  if (held === row.budget.desired) return;
  saveRewardBudget(tx.sql, referralId, "referee", {
    ...row.budget,
    desired: held,
    requests: retarget(row.budget.requests, held),
  });
  schedule(tx.sql, "referral_reward", referralId, nowMs);
}

export interface RefereeBudgetPorts extends BudgetAskPorts {
  sql: SqlStorage;
  commit<T>(work: (tx: WalletTx) => T): T;
}

/** The referee's reward's budgets, asked after commit by the referral-reward sync. */
export class RefereeBudgets {
  constructor(private readonly ports: RefereeBudgetPorts) {}

  /** Sends what the referee's budget requests still owe; throws when a budget cannot be asked. */
  async settle(referralId: string): Promise<void> {
    await settleHeldBudget(
      this.ports,
      referralLedgerKey(referralId, "referee"),
      () => findReferralReward(this.ports.sql, referralId, "referee")?.budget ?? null,
      (desired, requests) =>
        this.ports.commit((tx) => {
          const row = findReferralReward(tx.sql, referralId, "referee");
          if (!row?.budget || row.budget.desired !== desired) return false;
          saveRewardBudget(tx.sql, referralId, "referee", { ...row.budget, requests });
          return true;
        }),
    );
  }
}
