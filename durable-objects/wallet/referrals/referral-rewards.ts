import type { AppliedEffect, ReferralPartyReward } from "#shared/rules/index";
import type { WalletTx } from "../core/wallet-tx";
import {
  processedEventsSince,
  processedFollowUpsOf,
  type StoredEvent,
} from "../events/event-store";
import type { EarnTerms } from "../events/post-reward";
import type { BudgetTerm, RuleBudgets } from "../events/reward-plan";
import { schedule, unschedule } from "../schedule/schedule-store";
import { pointsPendingUntilMs } from "./decide-confirmation";
import { decideQualification, type QualificationDecision } from "./decide-qualification";
import { rewardedNow, rewardedReason } from "./decide-referee-budget";
import type { ReferrerTerms } from "./decide-referrer-reward";
import { creditParty } from "./party-credit";
import { type QualificationScores, scoreQualification } from "./qualification-scoring";
import type { ProgressReason } from "./reasons";
import { refereeRow, refereeStart } from "./referee-budget";
import { refereeBudgetTerms, referrerBudgetTerms } from "./referral-budgets";
import {
  confirmationInputs,
  noteLateReferrerCredit,
  replayFollowUps,
  settleReferralConfirmation,
} from "./referral-money";
import { qualifiedObservation } from "./referral-observation";
import { holdReferral } from "./referral-review";
import {
  findReferralReward,
  insertReferralReward,
  referralRewardsOf,
  setReferralRewardReason,
  settleReferrerReward,
} from "./referral-reward-store";
import { referralRiskHolds } from "./referral-risk-holds";
import { decideTransition } from "./referral-states";
import { findReferral, moveReferral, referralProjection } from "./referral-store";
import { referralTermsOf } from "./referral-terms";
import { findReferralTerms, insertReferralTerms } from "./referral-terms-store";
import type { ReferrerNotCreditedReason } from "./referrer-credit";

/**
 * Referral rewards in the referee's wallet (docs/referrals.md, "Rewards"), inside the storage
 * transaction that processes the qualifying event:
 *
 * 1. a rule's `referral_reward` effect applied to the event and decideQualification agrees →
 *    the referral moves `signed_up → qualified` (history: `qualifying_event`, the event);
 * 2. the referee's reward is credited here (party-credit.ts, key `referral:<id>:referee`);
 * 3. the referrer's reward is recorded as owed and scheduled (`referral_reward`); the
 *    referral-reward sync delivers it to the referrer's wallet after commit, and its
 *    acknowledgement moves the referral `qualified → rewarded` in a second transaction
 *    (with no referrer reward, the referral is rewarded at once).
 *
 * Before any of it, the qualification is scored (qualification-scoring.ts): its `qualified`
 * observation's answer — asked by the wallet through the breaker before this run — places its
 * holds here, so a fraud rule's `hold_referral` (or scoring being down) holds the referral
 * instead of rewarding it.
 *
 * Only a referral in `signed_up` qualifies, so a second qualifying event, or the same one
 * processed again, finds it `qualified` or `rewarded` and changes nothing; the ledger keys
 * make a repeated credit `exists` even so.
 */

/** Events looked at when a late signup looks back for a qualifying event. */
const MAX_LOOK_BACK_EVENTS = 500;

/**
 * Qualifies the member's referral on `stored` when a referral rule applied to it. `budgetsOf`
 * gives the compiled rule's budgets: the referrer's reward draws on them in the referrer's
 * wallet (referrer-budget.ts), carried with the campaign's terms.
 */
export function qualifyReferral(
  tx: WalletTx,
  stored: StoredEvent,
  applied: readonly AppliedEffect[],
  earn: EarnTerms,
  nowMs: number,
  scores: QualificationScores,
  budgetsOf: RuleBudgets = () => undefined,
): QualificationDecision {
  const referral = findReferral(tx.sql);
  const decision = decideQualification({
    referral,
    event: { occurredAtMs: stored.occurredAtMs },
    applied,
  });
  if (decision.action !== "qualify" || referral === null) return decision;
  if (decideTransition(referral.state, "qualified").action !== "move") {
    return { action: "none", why: "not_signed_up" };
  }
  // Scored before anything is rewarded: its holds (or the fail-safe's) are placed now.
  scoreQualification(
    tx,
    qualifiedObservation(tx.sql, referral, stored.occurredAtMs),
    scores,
    nowMs,
  );
  const referrerTerms = decision.referrer
    ? withBudgets(decision.referrerTerms ?? null, applied, decision.ruleId, budgetsOf, referral)
    : null;
  // The rule's budgets the referee's reward draws on (referee-budget.ts).
  const refereeStarts = decision.referee
    ? refereeStart(decision.referee, refereeTerms(applied, decision.ruleId, budgetsOf))
    : null;
  const base = {
    referralId: referral.referralId,
    referrerId: referral.referrerId,
    ruleId: decision.ruleId,
    ruleVersion: decision.ruleVersion,
    eventId: stored.eventId,
  };
  const campaign = { ruleId: decision.ruleId, ruleVersion: decision.ruleVersion };
  // The campaign's money terms: when the bonuses are confirmed, what a refund takes back (kept
  // for a held referral too, which an approval credits under them).
  insertReferralTerms(tx.sql, { ...base, ...referralTermsOf(applied, decision.ruleId) });
  // How it qualified, for the D1 projection (the funnel, what the referrer is owed).
  const qualification = {
    ruleId: decision.ruleId,
    ruleVersion: decision.ruleVersion,
    qualifiedAtMs: stored.occurredAtMs,
    referrerDue: decision.referrer ? rewardUnitAmount(decision.referrer) : null,
  };
  // The risk system's holds on it (a fraud rule's `hold_referral`) hold it as the program's
  // own signals do (referral-risk-holds.ts).
  const fraudHolds = referralRiskHolds(tx.sql, referral.referralId);
  if (referral.riskHold || fraudHolds.length > 0) {
    holdReferral(
      tx,
      referral,
      {
        ...base,
        referee: decision.referee,
        refereeStart: refereeStarts,
        referrer: decision.referrer,
        referrerTerms,
      },
      campaign,
      qualification,
      nowMs,
      fraudHolds,
    );
    return decision;
  }
  // The campaign chosen (the first applied referral rule that fits) is recorded with the move.
  let moved = moveReferral(
    tx.sql,
    referral,
    "qualified",
    "qualifying_event",
    stored.eventId,
    nowMs,
    { campaign },
  );
  const terms = findReferralTerms(tx.sql, referral.referralId);
  if (decision.referee && refereeStarts) {
    const row = refereeRow(refereeStarts, "posted");
    if (refereeStarts.action === "credit") {
      const pendingUntilMs = terms
        ? pointsPendingUntilMs(confirmationInputs(tx.sql, moved, terms, nowMs))
        : null;
      creditParty(
        tx,
        {
          ...base,
          party: "referee",
          occurredAtMs: stored.occurredAtMs,
          reward: decision.referee,
          pendingUntilMs,
        },
        earn,
        nowMs,
      );
    }
    insertReferralReward(
      tx.sql,
      { ...base, party: "referee", reward: decision.referee, ...row },
      nowMs,
    );
    // Asked after commit by the referral-reward sync (referee-budget.ts).
    if (row.status === "awaiting_budget") {
      schedule(tx.sql, "referral_reward", referral.referralId, nowMs);
    }
  }
  if (decision.referrer) {
    insertReferralReward(
      tx.sql,
      {
        ...base,
        party: "referrer",
        reward: decision.referrer,
        status: "owed",
        referrerTerms,
      },
      nowMs,
    );
    schedule(tx.sql, "referral_reward", referral.referralId, nowMs);
  } else if (rewardedNow(referralRewardsOf(tx.sql, referral.referralId))) {
    // Nothing is owed to anyone else: the referral is rewarded now.
    const reason = rewardedReason(referralRewardsOf(tx.sql, referral.referralId));
    moved = moveReferral(tx.sql, moved, "rewarded", reason, stored.eventId, nowMs);
  }
  // The referrer has not been credited yet (or gets nothing): nothing earned to show.
  tx.enqueue(referralProjection(moved, null, qualification));
  // Defaults confirm at once; otherwise the account-age date is scheduled (referral-money.ts).
  settleReferralConfirmation(tx, nowMs);
  return decision;
}

/** The campaign's terms for the referrer with the rule's budgets its reward draws on. */
function withBudgets(
  terms: ReferrerTerms | null,
  applied: readonly AppliedEffect[],
  ruleId: string,
  budgetsOf: RuleBudgets,
  referral: { referrerId: string },
): ReferrerTerms | null {
  const entry = applied.find((a) => a.ruleId === ruleId && a.effect.kind === "referral_reward");
  const budgets = referrerBudgetTerms(
    entry?.budgetKeys ?? [],
    budgetsOf(ruleId) ?? [],
    referral.referrerId,
    entry?.ruleVersion,
  );
  if (budgets.length === 0) return terms;
  return { monthlyCap: null, tiers: [], ...terms, budgets };
}

/** The rule's budgets for the referee's reward, keyed for the referee by the engine. */
function refereeTerms(
  applied: readonly AppliedEffect[],
  ruleId: string,
  budgetsOf: RuleBudgets,
): BudgetTerm[] {
  const entry = applied.find((a) => a.ruleId === ruleId && a.effect.kind === "referral_reward");
  return refereeBudgetTerms(entry?.budgetKeys ?? [], budgetsOf(ruleId) ?? [], entry?.ruleVersion);
}

/**
 * A party's reward settled (the referrer's acknowledged or capped, the referee's granted or
 * refused by the budgets): a `qualified` referral becomes `rewarded` once no party's reward
 * is still on its way, with the reason its rewards ended with (decide-referee-budget.ts);
 * otherwise the projection is refreshed with what the referrer earned so far.
 */
export function settleRewarded(
  tx: WalletTx,
  referralId: string,
  eventId: string,
  nowMs: number,
  referrerEarned: { unit: string; amount: number } | null,
): void {
  const referral = findReferral(tx.sql);
  // Only a qualified referral becomes rewarded: one reversed meanwhile stays reversed (its
  // reversal follows the credit to the referrer's wallet).
  if (referral?.referralId !== referralId || referral.state !== "qualified") return;
  const rows = referralRewardsOf(tx.sql, referralId);
  if (!rewardedNow(rows) || decideTransition(referral.state, "rewarded").action !== "move") {
    tx.enqueue(referralProjection(referral, referrerEarned));
    return;
  }
  const moved = moveReferral(tx.sql, referral, "rewarded", rewardedReason(rows), eventId, nowMs);
  tx.enqueue(referralProjection(moved, referrerEarned));
}

/**
 * A signup processed after events that happened after it (events arrive out of order): the
 * events already processed since the signup are evaluated again, oldest first, for referral
 * rules only — whatever else they earned was earned when they were processed — and the first
 * that qualifies the referral does. `evaluate` is the run's live rules on one stored event,
 * with the facts it would have now (the referral `signed_up`).
 */
export function qualifyAfterSignup(
  tx: WalletTx,
  signup: StoredEvent,
  evaluate: (event: StoredEvent) => readonly AppliedEffect[],
  earn: EarnTerms,
  nowMs: number,
  scores: QualificationScores,
  budgetsOf: RuleBudgets = () => undefined,
): QualificationDecision | null {
  const events = processedEventsSince(tx.sql, signup.occurredAtMs, MAX_LOOK_BACK_EVENTS);
  for (const event of events) {
    if (event.eventId === signup.eventId) continue;
    const decision = qualifyReferral(tx, event, evaluate(event), earn, nowMs, scores, budgetsOf);
    if (decision.action === "qualify") {
      // Its refunds, chargebacks and confirmation were processed without a referral: applied
      // now in the order they were processed, as they would have been.
      replayFollowUps(tx, event.eventId, processedFollowUpsOf(tx.sql, event.eventId), nowMs);
      return decision;
    }
    if (decision.why === "not_referred" || decision.why === "not_signed_up") return decision;
  }
  return null;
}

/**
 * The referrer's wallet acknowledged its reward: the row is delivered with what the referrer
 * was credited (`credited`, the tier's reward; the base when not told) and the referral moves
 * `qualified → rewarded` (once: a repeated acknowledgement finds it delivered).
 */
export function acknowledgeReferrerReward(
  tx: WalletTx,
  referralId: string,
  nowMs: number,
  credited?: ReferralPartyReward,
  /** `referral_budget_exhausted`: the rule's budgets granted less than the reward. */
  reason: ProgressReason = "reward_credited",
): void {
  unschedule(tx.sql, "referral_reward", referralId);
  const owed = findReferralReward(tx.sql, referralId, "referrer");
  if (owed?.status === "cancelled") {
    // Rejected (an operator, a ban) while the credit was on its way: it landed all the same;
    // the reversal owed at rejection takes it back (referral-money.ts).
    noteLateReferrerCredit(tx, referralId, credited ?? owed.reward, nowMs);
    return;
  }
  if (owed?.status !== "owed") return;
  const reward = credited ?? owed.reward;
  settleReferrerReward(tx.sql, referralId, { status: "delivered", credited: reward }, nowMs);
  if (reason === "referral_budget_exhausted") {
    setReferralRewardReason(tx.sql, referralId, "referrer", reason);
  }
  settleRewarded(tx, referralId, owed.eventId, nowMs, rewardUnitAmount(reward));
}

/** A party's reward as the projection carries it: a currency (minor units) or `points`. */
function rewardUnitAmount(reward: ReferralPartyReward): { unit: string; amount: number } {
  return "points" in reward
    ? { unit: "points", amount: reward.points }
    : { unit: reward.currency, amount: reward.amountMinor };
}

/**
 * The referrer's wallet answered that the campaign's monthly cap was reached (or the rule's
 * budgets were spent): the referrer's reward is `capped` (final, never retried), and the
 * referral — whose referee was rewarded — moves `qualified → rewarded` with the reason
 * (`referrer_cap_reached`, `referral_budget_exhausted`); nothing is earned.
 */
export function capReferrerReward(
  tx: WalletTx,
  referralId: string,
  nowMs: number,
  reason: ReferrerNotCreditedReason = "referrer_cap_reached",
): void {
  unschedule(tx.sql, "referral_reward", referralId);
  const owed = findReferralReward(tx.sql, referralId, "referrer");
  if (owed?.status !== "owed") return;
  settleReferrerReward(tx.sql, referralId, { status: "capped" }, nowMs);
  setReferralRewardReason(tx.sql, referralId, "referrer", reason);
  settleRewarded(tx, referralId, owed.eventId, nowMs, null);
}
