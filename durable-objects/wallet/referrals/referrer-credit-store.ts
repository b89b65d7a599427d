import type { ReferralPartyReward } from "#shared/rules/index";

/**
 * SQL for what the REFERRER's wallet was asked to credit (`referrer_credits`, wallet schema
 * step 20): one row per referral, `credited` with the reward the tier paid or `capped`. The
 * monthly cap counts the rule's credited rows in a month, the tiers its credited rows ever;
 * a repeated request finds its row and gets the same answer.
 */

export type ReferrerCreditOutcome = "credited" | "capped";

export interface ReferrerCreditRow {
  referralId: string;
  ruleId: string;
  /** `month:2026-03`, the qualifying event's month in the program's time zone. */
  month: string;
  outcome: ReferrerCreditOutcome;
  nth: number | null;
  reward: ReferralPartyReward | null;
  atMs: number;
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
    `INSERT INTO referrer_credits (referral_id, rule_id, month, outcome, nth, unit, amount, at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    row.referralId,
    row.ruleId,
    row.month,
    row.outcome,
    row.nth,
    reward === null ? null : "points" in reward ? POINTS : reward.currency,
    reward === null ? null : "points" in reward ? reward.points : reward.amountMinor,
    row.atMs,
  );
}

/** Referrals of `ruleId` credited to this referrer, in `month` or (null) ever. */
export function countCredited(sql: SqlStorage, ruleId: string, month: string | null): number {
  const row = sql
    .exec<{ n: number }>(
      month === null
        ? `SELECT COUNT(*) AS n FROM referrer_credits WHERE rule_id = ? AND outcome = 'credited'`
        : `SELECT COUNT(*) AS n FROM referrer_credits
           WHERE rule_id = ? AND outcome = 'credited' AND month = ?`,
      ...(month === null ? [ruleId] : [ruleId, month]),
    )
    .one();
  return row.n;
}
