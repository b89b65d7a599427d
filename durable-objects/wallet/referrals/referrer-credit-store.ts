import type { ReferralPartyReward } from "#shared/rules/index";
import type { BudgetRequest } from "../events/decide-grant";

/**
 * SQL for what the REFERRER's wallet was asked to credit (`referrer_credits`, wallet schema
 * step 20): one row per referral, `credited` with the reward the tier paid or `capped`. The
 * monthly cap counts the rule's credited rows in a month, the tiers its credited rows ever;
 * a repeated request finds its row and gets the same answer. A reward that draws on the rule's
 * budgets (step 23, referrer-budget.ts) is `awaiting_budget` until they answer — counted like
 * a credited one, so the cap holds meanwhile — then `credited` with what they granted, or
 * `budget_exhausted` when they granted nothing, or `cancelled` when the referee's wallet
 * stopped waiting for it (referrer-budget.ts `retargetReferrerBudget`).
 */

export type ReferrerCreditOutcome =
  | "credited"
  | "capped"
  | "awaiting_budget"
  | "budget_exhausted"
  | "cancelled";

/** The reward's budgets, as the referrer's wallet asks them (events/decide-grant.ts). */
export interface ReferrerBudgetState {
  /** The reward's value before its budgets (the tier's, in its unit). */
  asked: number;
  /** What the budgets should hold now: the ask, the grant, then what the referrer still has. */
  desired: number;
  requests: BudgetRequest[];
}

export interface ReferrerCreditRow {
  referralId: string;
  ruleId: string;
  /** `month:2026-03`, the qualifying event's month in the program's time zone. */
  month: string;
  outcome: ReferrerCreditOutcome;
  nth: number | null;
  reward: ReferralPartyReward | null;
  atMs: number;
  /** Null: the reward draws on no budget. */
  budget: ReferrerBudgetState | null;
}

interface Row extends Record<string, SqlStorageValue> {
  referral_id: string;
  rule_id: string;
  month: string;
  outcome: string;
  nth: number | null;
  unit: string | null;
  amount: number | null;
  at_ms: number;
  asked: number | null;
  desired: number | null;
  budgets_json: string | null;
}

const POINTS = "points";

function toRow(r: Row): ReferrerCreditRow {
  let reward: ReferralPartyReward | null = null;
  if (r.unit !== null && r.amount !== null) {
    reward = r.unit === POINTS ? { points: r.amount } : { amountMinor: r.amount, currency: r.unit };
  }
  return {
    referralId: r.referral_id,
    ruleId: r.rule_id,
    month: r.month,
    outcome: r.outcome as ReferrerCreditOutcome,
    nth: r.nth,
    reward,
    atMs: r.at_ms,
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

export function findReferrerCredit(sql: SqlStorage, referralId: string): ReferrerCreditRow | null {
  const row = sql
    .exec<Row>(`SELECT * FROM referrer_credits WHERE referral_id = ?`, referralId)
    .toArray()[0];
  return row ? toRow(row) : null;
}

export function insertReferrerCredit(sql: SqlStorage, row: ReferrerCreditRow): void {
  const reward = row.reward;
  sql.exec(
    `INSERT INTO referrer_credits (referral_id, rule_id, month, outcome, nth, unit, amount, at_ms,
       asked, desired, budgets_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    row.referralId,
    row.ruleId,
    row.month,
    row.outcome,
    row.nth,
    reward === null ? null : "points" in reward ? POINTS : reward.currency,
    reward === null ? null : "points" in reward ? reward.points : reward.amountMinor,
    row.atMs,
    row.budget?.asked ?? null,
    row.budget?.desired ?? null,
    row.budget ? JSON.stringify(row.budget.requests) : null,
  );
}

/** Records the outcome a budgeted reward came to, with what was credited and what is held. */
export function settleReferrerCredit(sql: SqlStorage, row: ReferrerCreditRow): void {
  const reward = row.reward;
  sql.exec(
    `UPDATE referrer_credits SET outcome = ?, nth = ?, unit = COALESCE(?, unit), amount = ?,
       desired = ?, budgets_json = ?
     WHERE referral_id = ?`,
    row.outcome,
    row.nth,
    reward === null ? null : "points" in reward ? POINTS : reward.currency,
    reward === null ? null : "points" in reward ? reward.points : reward.amountMinor,
    row.budget?.desired ?? null,
    row.budget ? JSON.stringify(row.budget.requests) : null,
    row.referralId,
  );
}

/** Saves the budget requests (and what they should hold) of one referral's reward. */
export function saveReferrerBudget(
  sql: SqlStorage,
  referralId: string,
  budget: ReferrerBudgetState,
): void {
  sql.exec(
    `UPDATE referrer_credits SET desired = ?, budgets_json = ? WHERE referral_id = ?`,
    budget.desired,
    JSON.stringify(budget.requests),
    referralId,
  );
}

/**
 * Referrals of `ruleId` credited to this referrer (or awaiting their budgets), in `month` or
 * (null) ever.
 */
export function countCredited(sql: SqlStorage, ruleId: string, month: string | null): number {
  const row = sql
    .exec<{ n: number }>(
      month === null
        ? `SELECT COUNT(*) AS n FROM referrer_credits
           WHERE rule_id = ? AND outcome IN ('credited', 'awaiting_budget')`
        : `SELECT COUNT(*) AS n FROM referrer_credits
           WHERE rule_id = ? AND outcome IN ('credited', 'awaiting_budget') AND month = ?`,
      ...(month === null ? [ruleId] : [ruleId, month]),
    )
    .one();
  return row.n;
}
