import type { ReferralParty } from "./party-credit";

/**
 * SQL for one party's referral bonus in the wallet that holds it (`referral_party_money`,
 * `referral_party_takes`, wallet schema step 19): the referee's in the referee's wallet, the
 * referrer's in the referrer's. What was credited, how much refunds and chargebacks took back
 * (net of restores), when it was confirmed, and each take with where it came from, so a
 * restore gives back exactly what its chargeback took (party-operations.ts).
 */

export interface PartyMoney {
  referralId: string;
  party: ReferralParty;
  /** A currency, or `points`. */
  unit: string;
  ruleId: string;
  ruleVersion: number;
  credited: number;
  taken: number;
  confirmedAtMs: number | null;
}

/** Where a take came from: the bonus still waiting, confirmed money, or points. */
export type TakeSource = "referral_bonus" | "confirmed" | "points";

export interface PartyTake {
  referralId: string;
  party: ReferralParty;
  causeEventId: string;
  from: TakeSource;
  /** What was taken from the bucket (points: taken from lots). */
  taken: number;
  /** What the party no longer held and now owes (money debt or points debt). */
  debt: number;
  atMs: number;
  restoredAtMs: number | null;
}

interface MoneyRow extends Record<string, SqlStorageValue> {
  referral_id: string;
  party: string;
  unit: string;
  rule_id: string;
  rule_version: number;
  credited: number;
  taken: number;
  confirmed_at_ms: number | null;
}

interface TakeRow extends Record<string, SqlStorageValue> {
  referral_id: string;
  party: string;
  cause_event_id: string;
  from_bucket: string;
  taken: number;
  debt: number;
  at_ms: number;
  restored_at_ms: number | null;
}

export function insertPartyMoney(
  sql: SqlStorage,
  money: Omit<PartyMoney, "taken" | "confirmedAtMs">,
  atMs: number,
): void {
  sql.exec(
    `INSERT OR IGNORE INTO referral_party_money (referral_id, party, unit, rule_id, rule_version,
       credited, updated_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    money.referralId,
    money.party,
    money.unit,
    money.ruleId,
    money.ruleVersion,
    money.credited,
    atMs,
  );
}

export function findPartyMoney(
  sql: SqlStorage,
  referralId: string,
  party: ReferralParty,
): PartyMoney | null {
  const row = sql
    .exec<MoneyRow>(
      `SELECT * FROM referral_party_money WHERE referral_id = ? AND party = ?`,
      referralId,
      party,
    )
    .toArray()[0];
  if (!row) return null;
  return {
    referralId: row.referral_id,
    party: row.party as ReferralParty,
    unit: row.unit,
    ruleId: row.rule_id,
    ruleVersion: row.rule_version,
    credited: row.credited,
    taken: row.taken,
    confirmedAtMs: row.confirmed_at_ms,
  };
}

export function savePartyMoney(sql: SqlStorage, money: PartyMoney, atMs: number): void {
  sql.exec(
    `UPDATE referral_party_money SET taken = ?, confirmed_at_ms = ?, updated_at_ms = ?
     WHERE referral_id = ? AND party = ?`,
    money.taken,
    money.confirmedAtMs,
    atMs,
    money.referralId,
    money.party,
  );
}

export function insertPartyTake(sql: SqlStorage, take: PartyTake): void {
  sql.exec(
    `INSERT INTO referral_party_takes (referral_id, party, cause_event_id, from_bucket, taken,
       debt, at_ms, restored_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`,
    take.referralId,
    take.party,
    take.causeEventId,
    take.from,
    take.taken,
    take.debt,
    take.atMs,
  );
}

export function findPartyTake(
  sql: SqlStorage,
  referralId: string,
  party: ReferralParty,
  causeEventId: string,
): PartyTake | null {
  const row = sql
    .exec<TakeRow>(
      `SELECT * FROM referral_party_takes WHERE referral_id = ? AND party = ? AND cause_event_id = ?`,
      referralId,
      party,
      causeEventId,
    )
    .toArray()[0];
  if (!row) return null;
  return {
    referralId: row.referral_id,
    party: row.party as ReferralParty,
    causeEventId: row.cause_event_id,
    from: row.from_bucket as TakeSource,
    taken: row.taken,
    debt: row.debt,
    atMs: row.at_ms,
    restoredAtMs: row.restored_at_ms,
  };
}

/**
 * Moves `value` of one take to a new take under `causeEventId` (a refund while the chargeback
 * that made `from` is open: the refund's share of what the chargeback took becomes the
 * refund's, final, so a won dispute restores only the rest — as event rewards' takes do,
 * events/reward-store.ts moveTake). Out of the take's amount first, then its debt; the money
 * was already taken, so nothing is posted. Returns the new take.
 */
export function movePartyTake(
  sql: SqlStorage,
  from: PartyTake,
  causeEventId: string,
  value: number,
  atMs: number,
): PartyTake {
  const taken = Math.min(value, from.taken);
  const debt = Math.min(value - taken, from.debt);
  sql.exec(
    `UPDATE referral_party_takes SET taken = taken - ?, debt = debt - ?
     WHERE referral_id = ? AND party = ? AND cause_event_id = ?`,
    taken,
    debt,
    from.referralId,
    from.party,
    from.causeEventId,
  );
  const moved: PartyTake = {
    referralId: from.referralId,
    party: from.party,
    causeEventId,
    from: from.from,
    taken,
    debt,
    atMs,
    restoredAtMs: null,
  };
  insertPartyTake(sql, moved);
  return moved;
}

export function markPartyTakeRestored(sql: SqlStorage, take: PartyTake, atMs: number): void {
  sql.exec(
    `UPDATE referral_party_takes SET restored_at_ms = ?
     WHERE referral_id = ? AND party = ? AND cause_event_id = ?`,
    atMs,
    take.referralId,
    take.party,
    take.causeEventId,
  );
}

/**
 * What the audit expects of one currency: the `referral_bonus` bucket holds exactly the
 * unconfirmed bonuses' remainders, and confirmed bonuses' remainders are net confirmed money
 * no transaction explains (audit/audit.ts).
 */
export function referralMoneyHeld(
  sql: SqlStorage,
  currency: string,
): { bonusMinor: number; confirmedMinor: number } {
  const row = sql
    .exec<{ bonus: number | null; confirmed: number | null }>(
      `SELECT SUM(CASE WHEN confirmed_at_ms IS NULL THEN credited - taken ELSE 0 END) AS bonus,
              SUM(CASE WHEN confirmed_at_ms IS NULL THEN 0 ELSE credited - taken END) AS confirmed
       FROM referral_party_money WHERE unit = ?`,
      currency,
    )
    .one();
  return { bonusMinor: row.bonus ?? 0, confirmedMinor: row.confirmed ?? 0 };
}

/**
 * Points debt the party's points takes not restored left: points already spent, owed back
 * rather than given back, so the rule's budgets keep counting them (as for event rewards).
 */
export function unrestoredPointsDebt(
  sql: SqlStorage,
  referralId: string,
  party: ReferralParty,
): number {
  return (
    sql
      .exec<{ n: number | null }>(
        `SELECT SUM(debt) AS n FROM referral_party_takes
         WHERE referral_id = ? AND party = ? AND from_bucket = 'points'
           AND restored_at_ms IS NULL`,
        referralId,
        party,
      )
      .one().n ?? 0
  );
}
