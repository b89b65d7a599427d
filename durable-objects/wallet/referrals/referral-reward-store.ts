import type { ReferralPartyReward } from "#shared/rules/index";
import type { ReferrerTerms } from "./decide-referrer-reward";
import type { ReferralParty } from "./party-credit";

/**
 * SQL for what a qualified referral owes each party (`referral_rewards`, wallet schema step
 * 18), kept in the referee's wallet: one row per (referral, party). The referee's is `posted`
 * in the qualifying transaction; the referrer's is `owed` until the referrer's wallet
 * acknowledged it, then `delivered` (with the reward the referrer's tier paid) or `capped`
 * (the campaign's monthly cap was reached: nothing credited, final). The referrer's row keeps
 * the campaign's cap and tiers (`referrer_terms`, step 20) for the referrer's wallet to apply.
 */

export type ReferralRewardStatus = "posted" | "owed" | "delivered" | "capped";

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
  };
}

export function insertReferralReward(
  sql: SqlStorage,
  row: Omit<ReferralRewardRow, "attempts" | "taken" | "referrerTerms"> & {
    referrerTerms?: ReferrerTerms | null;
  },
  atMs: number,
): void {
  sql.exec(
    `INSERT INTO referral_rewards (referral_id, party, referrer_id, rule_id, rule_version,
       event_id, unit, amount, status, updated_at_ms, referrer_terms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
