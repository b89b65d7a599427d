import type { ReferralPartyReward } from "#shared/rules/index";
import type { BudgetRequest } from "../events/decide-grant";
import type { ReferrerTerms } from "./decide-referrer-reward";
import type { ReferralParty } from "./party-credit";

/**
 * SQL for what a qualified referral owes each party (`referral_rewards`, wallet schema step
 * 18), kept in the referee's wallet: one row per (referral, party). The referee's is `posted`
 * in the qualifying transaction; the referrer's is `owed` until the referrer's wallet
 * acknowledged it, then `delivered` (with the reward the referrer's tier paid) or `capped`
 * (the campaign's monthly cap was reached: nothing credited, final). The referrer's row keeps
 * the campaign's cap and tiers (`referrer_terms`, step 20) for the referrer's wallet to apply.
 * A referee's reward under the rule's budgets (step 26, referee-budget.ts) is
 * `awaiting_budget` until they answer, then `posted` with what they granted or `capped` with
 * the reason `referral_budget_exhausted`; its budget state is kept on the row.
 */

/**
 * `held`: recorded for a referral held for review, nothing credited (referral-review.ts);
 * `cancelled`: the referral was rejected before this party was credited;
 * `awaiting_budget`: the referee's reward waits for the rule's budgets (referee-budget.ts).
 */
export type ReferralRewardStatus =
  | "awaiting_budget"
  | "posted"
  | "owed"
  | "delivered"
  | "capped"
  | "held"
  | "cancelled";

export interface ReferralRewardRow {
  referralId: string;
  party: ReferralParty;
  referrerId: string;
  ruleId: string;
  ruleVersion: number;
  eventId: string;
  reward: ReferralPartyReward;
  status: ReferralRewardStatus;
  attempts: number;
  /**
   * What refunds and chargebacks took back of it, as the referee's wallet reckons it (the
   * referrer's `earned`; referral-money.ts). Net of restores.
   */
  taken: number;
  /** The campaign's cap and tiers for the referrer; null when it sets none. */
  referrerTerms: ReferrerTerms | null;
  /**
   * Why the row is in its status, when it says more than the status: the referee's reward
   * `awaiting_referral_budget` or `referral_budget_exhausted` (also when reduced); null: none.
   */
  reason: RewardRowReason | null;
  /** The referee's reward's rule budgets (referee-budget.ts); null: it draws on none. */
  budget: RewardBudgetState | null;
}

export type RewardRowReason =
  | "awaiting_referral_budget"
  | "referral_budget_exhausted"
  | "referrer_cap_reached";

/** One reward's rule budgets as its wallet asks them (events/decide-grant.ts). */
export interface RewardBudgetState {
  /** The reward's value before its budgets, in its unit. */
  asked: number;
  /** What the budgets should hold now: the ask, the grant, then what the party still has. */
  desired: number;
  requests: BudgetRequest[];
}

interface Row extends Record<string, SqlStorageValue> {
  referral_id: string;
  party: string;
  referrer_id: string;
  rule_id: string;
  rule_version: number;
  event_id: string;
  unit: string;
  amount: number;
  status: string;
  attempts: number;
  taken: number;
  referrer_terms: string | null;
  reason: string | null;
  asked: number | null;
  desired: number | null;
  budgets_json: string | null;
}

const POINTS = "points";

function toRow(r: Row): ReferralRewardRow {
  return {
    referralId: r.referral_id,
    party: r.party as ReferralParty,
    referrerId: r.referrer_id,
    ruleId: r.rule_id,
    ruleVersion: r.rule_version,
    eventId: r.event_id,
    reward: r.unit === POINTS ? { points: r.amount } : { amountMinor: r.amount, currency: r.unit },
    status: r.status as ReferralRewardStatus,
    attempts: r.attempts,
    taken: r.taken,
    referrerTerms: r.referrer_terms ? (JSON.parse(r.referrer_terms) as ReferrerTerms) : null,
    reason: (r.reason as RewardRowReason | null) ?? null,
    budget:
      r.budgets_json === null
        ? null
        : {
            asked: r.asked ?? 0,
            desired: r.desired ?? 0,
            requests: JSON.parse(r.budgets_json) as BudgetRequest[],
          },
  };
}

export function insertReferralReward(
  sql: SqlStorage,
  row: Omit<ReferralRewardRow, "attempts" | "taken" | "referrerTerms" | "reason" | "budget"> & {
    referrerTerms?: ReferrerTerms | null;
    reason?: RewardRowReason | null;
    budget?: RewardBudgetState | null;
  },
  atMs: number,
): void {
  sql.exec(
    `INSERT INTO referral_rewards (referral_id, party, referrer_id, rule_id, rule_version,
       event_id, unit, amount, status, updated_at_ms, referrer_terms, reason, asked, desired,
       budgets_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    row.referralId,
    row.party,
    row.referrerId,
    row.ruleId,
    row.ruleVersion,
    row.eventId,
    "points" in row.reward ? POINTS : row.reward.currency,
    "points" in row.reward ? row.reward.points : row.reward.amountMinor,
    row.status,
    atMs,
    row.referrerTerms ? JSON.stringify(row.referrerTerms) : null,
    row.reason ?? null,
    row.budget?.asked ?? null,
    row.budget?.desired ?? null,
    row.budget ? JSON.stringify(row.budget.requests) : null,
  );
}

export function findReferralReward(
  sql: SqlStorage,
  referralId: string,
  party: ReferralParty,
): ReferralRewardRow | null {
  const row = sql
    .exec<Row>(
      `SELECT * FROM referral_rewards WHERE referral_id = ? AND party = ?`,
      referralId,
      party,
    )
    .toArray()[0];
  return row ? toRow(row) : null;
}

export function referralRewardsOf(sql: SqlStorage, referralId: string): ReferralRewardRow[] {
  return sql
    .exec<Row>(`SELECT * FROM referral_rewards WHERE referral_id = ? ORDER BY party`, referralId)
    .toArray()
    .map(toRow);
}

export function setReferralRewardStatus(
  sql: SqlStorage,
  referralId: string,
  party: ReferralParty,
  status: ReferralRewardStatus,
  atMs: number,
): void {
  sql.exec(
    `UPDATE referral_rewards SET status = ?, updated_at_ms = ? WHERE referral_id = ? AND party = ?`,
    status,
    atMs,
    referralId,
    party,
  );
}

/**
 * The referrer's wallet answered: `delivered` with what it credited (a tier may pay other
 * than the base, and whatever reverses the reward later takes back what was given).
 */
export function settleReferrerReward(
  sql: SqlStorage,
  referralId: string,
  settled: { status: "delivered"; credited: ReferralPartyReward } | { status: "capped" },
  atMs: number,
): void {
  if (settled.status === "capped") {
    setReferralRewardStatus(sql, referralId, "referrer", "capped", atMs);
    return;
  }
  const reward = settled.credited;
  sql.exec(
    `UPDATE referral_rewards SET status = 'delivered', unit = ?, amount = ?, updated_at_ms = ?
     WHERE referral_id = ? AND party = 'referrer'`,
    "points" in reward ? POINTS : reward.currency,
    "points" in reward ? reward.points : reward.amountMinor,
    atMs,
    referralId,
  );
}

export function countReferralRewardAttempt(
  sql: SqlStorage,
  referralId: string,
  party: ReferralParty,
): void {
  sql.exec(
    `UPDATE referral_rewards SET attempts = attempts + 1 WHERE referral_id = ? AND party = ?`,
    referralId,
    party,
  );
}

export function setReferralRewardTaken(
  sql: SqlStorage,
  referralId: string,
  party: ReferralParty,
  taken: number,
  atMs: number,
): void {
  sql.exec(
    `UPDATE referral_rewards SET taken = ?, updated_at_ms = ? WHERE referral_id = ? AND party = ?`,
    taken,
    atMs,
    referralId,
    party,
  );
}

/**
 * Records where a referee's budgeted reward came to: its status, why, the reward as credited
 * (a grant may pay less than asked) and its budget state.
 */
export function settleBudgetedReward(
  sql: SqlStorage,
  row: Pick<ReferralRewardRow, "referralId" | "party" | "status" | "reason" | "reward" | "budget">,
  atMs: number,
): void {
  sql.exec(
    `UPDATE referral_rewards SET status = ?, reason = ?, unit = ?, amount = ?, desired = ?,
       budgets_json = ?, updated_at_ms = ?
     WHERE referral_id = ? AND party = ?`,
    row.status,
    row.reason,
    "points" in row.reward ? POINTS : row.reward.currency,
    "points" in row.reward ? row.reward.points : row.reward.amountMinor,
    row.budget?.desired ?? null,
    row.budget ? JSON.stringify(row.budget.requests) : null,
    atMs,
    row.referralId,
    row.party,
  );
}

/** Saves a reward's budget requests and what they should hold. */
export function saveRewardBudget(
  sql: SqlStorage,
  referralId: string,
  party: ReferralParty,
  budget: RewardBudgetState,
): void {
  sql.exec(
    `UPDATE referral_rewards SET desired = ?, budgets_json = ? WHERE referral_id = ? AND party = ?`,
    budget.desired,
    JSON.stringify(budget.requests),
    referralId,
    party,
  );
}

/** Why a row is in its status (the referrer's cap or budgets, as the referrer's wallet said). */
export function setReferralRewardReason(
  sql: SqlStorage,
  referralId: string,
  party: ReferralParty,
  reason: RewardRowReason | null,
): void {
  sql.exec(
    `UPDATE referral_rewards SET reason = ? WHERE referral_id = ? AND party = ?`,
    reason,
    referralId,
    party,
  );
}
