import type { ReferralPartyReward } from "#shared/rules/index";
import { periodKey } from "#shared/rules/index";
import type { WalletTx } from "../core/wallet-tx";
import { nextGrantStep, openRequests, retarget } from "../events/decide-grant";
import type { EarnTerms } from "../events/post-reward";
import { decideReferrerReward, type ReferrerTerms } from "./decide-referrer-reward";
import { creditParty, type PartyCredit } from "./party-credit";
import { rewardBudgets, rewardOf, rewardValue } from "./referral-budgets";
import {
  countCredited,
  findReferrerCredit,
  insertReferrerCredit,
  type ReferrerCreditRow,
  settleReferrerCredit,
} from "./referrer-credit-store";

/**
 * The referrer's reward of one referral, in the REFERRER's wallet, inside one storage
 * transaction (docs/referrals.md, "Caps and tiers", "Budgets"). This wallet is the one writer
 * of its counts, so the campaign's monthly cap holds exactly however many of the referrer's
 * referees qualify at once: their requests run one after the other here.
 *
 * The first request for a referral decides (decideReferrerReward) and records the outcome;
 * a repeated one finds it and answers the same (a credited reward is credited again under
 * its ledger key, which answers `exists`). A reward that draws on the rule's budgets is
 * recorded `awaiting_budget` (a transaction awaits nothing but its own storage); the budgets
 * are asked after commit (referrer-budget.ts), and `finishReferrerCredit` then pays what they
 * granted — all of it, less, or nothing (`referral_budget_exhausted`).
 */

/** What the referee's wallet sends: the base reward and the campaign's terms, if any. */
export interface ReferrerCreditRequest extends PartyCredit {
  terms?: ReferrerTerms | null;
}

/** Why nothing was credited: the campaign's monthly cap, or the rule's budgets spent. */
export type ReferrerNotCreditedReason = "referrer_cap_reached" | "referral_budget_exhausted";

/**
 * The answer: what was credited (the tier's reward, `reduced` when the rule's budgets granted
 * less than it), or that nothing will be (final).
 */
export type ReferrerCreditStatus =
  | {
      status: "created" | "exists";
      credited: ReferralPartyReward;
      nth: number | null;
      reduced?: boolean;
    }
  | { status: "capped"; reason: ReferrerNotCreditedReason }
  | { status: "refused"; detail: string };

/** Inside the referrer's wallet only: the reward waits for its budgets' answers. */
export type ReferrerCreditStep = ReferrerCreditStatus | { status: "awaiting_budget" };

const CAPPED = { status: "capped", reason: "referrer_cap_reached" } as const;
const EXHAUSTED = { status: "capped", reason: "referral_budget_exhausted" } as const;
const AWAITING = { status: "awaiting_budget" } as const;

export function creditReferrer(
  tx: WalletTx,
  request: ReferrerCreditRequest,
  earn: EarnTerms,
  nowMs: number,
): ReferrerCreditStep {
  const { terms, ...rest } = request;
  const credit: PartyCredit = { ...rest, party: "referrer" };
  const prior = findReferrerCredit(tx.sql, credit.referralId);
  if (prior) return again(tx, credit, prior, earn, nowMs);
  const month = periodKey("month", credit.occurredAtMs, earn.timeZone);
  const decision = decideReferrerReward({
    base: credit.reward,
    terms: terms ?? null,
    creditedThisMonth: countCredited(tx.sql, credit.ruleId, month),
    creditedEver: countCredited(tx.sql, credit.ruleId, null),
  });
  const row = {
    referralId: credit.referralId,
    ruleId: credit.ruleId,
    month,
    atMs: nowMs,
    budget: null,
  };
  if (decision.action === "cap") {
    insertReferrerCredit(tx.sql, { ...row, outcome: "capped", nth: null, reward: null });
    return CAPPED;
  }
  const budgets = rewardBudgets(decision.reward, terms?.budgets ?? []);
  if (budgets.action === "uncounted") {
    insertReferrerCredit(tx.sql, { ...row, outcome: "budget_exhausted", nth: null, reward: null });
    return EXHAUSTED;
  }
  if (budgets.action === "ask") {
    const asked = rewardValue(decision.reward);
    insertReferrerCredit(tx.sql, {
      ...row,
      outcome: "awaiting_budget",
      nth: decision.nth,
      reward: decision.reward,
      budget: { asked, desired: asked, requests: retarget(openRequests(budgets.budgets), asked) },
    });
    return AWAITING;
  }
  const credited = creditParty(tx, { ...credit, reward: decision.reward }, earn, nowMs);
  // Refused (the key holds another amount): nothing recorded, so nothing counted.
  if (credited.status === "refused") return credited;
  insertReferrerCredit(tx.sql, {
    ...row,
    outcome: "credited",
    nth: decision.nth,
    reward: decision.reward,
  });
  return { status: credited.status, credited: decision.reward, nth: decision.nth };
}

/**
 * The budgets answered (referrer-budget.ts saved their settled requests): the referrer gets
 * what the tightest granted, in one transaction that re-reads the row. Still `awaiting_budget`
 * when the budgets have not settled (the caller retries).
 */
export function finishReferrerCredit(
  tx: WalletTx,
  request: ReferrerCreditRequest,
  earn: EarnTerms,
  nowMs: number,
): ReferrerCreditStep {
  const row = findReferrerCredit(tx.sql, request.referralId);
  if (row?.outcome !== "awaiting_budget" || !row.budget || !row.reward) {
    return creditReferrer(tx, request, earn, nowMs);
  }
  const step = nextGrantStep(row.budget.requests, row.budget.desired);
  if (step.action !== "settled") return AWAITING;
  const granted = step.granted;
  if (granted <= 0) {
    settleReferrerCredit(tx.sql, {
      ...row,
      outcome: "budget_exhausted",
      nth: null,
      reward: null,
      budget: { ...row.budget, desired: 0 },
    });
    return EXHAUSTED;
  }
  const reward = rewardOf(row.reward, granted);
  const { terms: _terms, ...rest } = request;
  const credited = creditParty(tx, { ...rest, party: "referrer", reward }, earn, nowMs);
  // Refused (the key holds another amount): left awaiting, the budgets still hold the grant.
  if (credited.status === "refused") return credited;
  settleReferrerCredit(tx.sql, {
    ...row,
    outcome: "credited",
    reward,
    budget: { ...row.budget, desired: granted },
  });
  return {
    status: credited.status,
    credited: reward,
    nth: row.nth,
    ...(granted < row.budget.asked ? { reduced: true } : {}),
  };
}

/** A repeated request: the same answer as the first, writing nothing new. */
function again(
  tx: WalletTx,
  credit: PartyCredit,
  prior: ReferrerCreditRow,
  earn: EarnTerms,
  nowMs: number,
): ReferrerCreditStep {
  if (prior.ruleId !== credit.ruleId) {
    return {
      status: "refused",
      detail: `referral ${credit.referralId} was credited under rule ${prior.ruleId}`,
    };
  }
  if (prior.outcome === "awaiting_budget") return AWAITING;
  if (prior.outcome === "cancelled") {
    return { status: "refused", detail: `referral ${credit.referralId} was cancelled` };
  }
  if (prior.outcome === "budget_exhausted") return EXHAUSTED;
  if (prior.outcome === "capped" || prior.reward === null) return CAPPED;
  const repeated = creditParty(tx, { ...credit, reward: prior.reward }, earn, nowMs);
  if (repeated.status === "refused") return repeated;
  const reduced = prior.budget !== null && rewardValue(prior.reward) < prior.budget.asked;
  return {
    status: repeated.status,
    credited: prior.reward,
    nth: prior.nth,
    ...(reduced ? { reduced: true } : {}),
  };
}
