import type { BudgetUnit } from "../../budget/unit";
import type { BudgetRequest } from "./decide-grant";

/**
 * SQL for `event_rewards` and `event_reward_takes` (schema step 16): one row per (event, rule,
 * unit) reward, and one per refund or chargeback that took part of it back.
 */

export interface RewardRow {
  rewardKey: string;
  eventId: string;
  ruleId: string;
  ruleVersion: number;
  unit: BudgetUnit;
  /** What the rule asked for. */
  asked: number;
  /** What the reward's budgets should hold now: the ask, then what the member still has. */
  desired: number;
  /** What the budgets granted the first time; null until then (nothing posted yet). */
  granted: number | null;
  posted: number;
  taken: number;
  budgets: BudgetRequest[];
  seq: number;
  syncedSeq: number;
}

interface Row extends Record<string, SqlStorageValue> {
  reward_key: string;
  event_id: string;
  rule_id: string;
  rule_version: number;
  unit: string;
  asked: number;
  desired: number;
  granted: number | null;
  posted: number;
  taken: number;
  budgets_json: string;
  seq: number;
  synced_seq: number;
}

const COLUMNS = `reward_key, event_id, rule_id, rule_version, unit, asked, desired, granted,
  posted, taken, budgets_json, seq, synced_seq`;

function toReward(r: Row): RewardRow {
  return {
    rewardKey: r.reward_key,
    eventId: r.event_id,
    ruleId: r.rule_id,
    ruleVersion: r.rule_version,
    unit: r.unit,
    asked: r.asked,
    desired: r.desired,
    granted: r.granted,
    posted: r.posted,
    taken: r.taken,
    budgets: JSON.parse(r.budgets_json) as BudgetRequest[],
    seq: r.seq,
    syncedSeq: r.synced_seq,
  };
}

/** `evt:<event>:<rule>:<unit>`: the reward's key, and the reference its budgets know it by. */
export function rewardKeyOf(eventId: string, ruleId: string, unit: string): string {
  return `evt:${eventId}:${ruleId}:${unit}`;
}

export function findReward(sql: SqlStorage, rewardKey: string): RewardRow | null {
  const row = sql
    .exec<Row>(`SELECT ${COLUMNS} FROM event_rewards WHERE reward_key = ?`, rewardKey)
    .toArray()[0];
  return row ? toReward(row) : null;
}

/** The rewards of one event, in the order they were made. */
export function rewardsOfEvent(sql: SqlStorage, eventId: string): RewardRow[] {
  return sql
    .exec<Row>(`SELECT ${COLUMNS} FROM event_rewards WHERE event_id = ? ORDER BY rowid`, eventId)
    .toArray()
    .map(toReward);
}

/** True while one of the event's rewards waits for its budgets. */
export function hasUnsettledRewards(sql: SqlStorage, eventId: string): boolean {
  return (
    sql
      .exec(`SELECT 1 FROM event_rewards WHERE event_id = ? AND seq != synced_seq LIMIT 1`, eventId)
      .toArray().length > 0
  );
}

export function insertReward(sql: SqlStorage, reward: RewardRow, nowMs: number): void {
  sql.exec(
    `INSERT INTO event_rewards (${COLUMNS}, created_at_ms, updated_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    reward.rewardKey,
    reward.eventId,
    reward.ruleId,
    reward.ruleVersion,
    reward.unit,
    reward.asked,
    reward.desired,
    reward.granted,
    reward.posted,
    reward.taken,
    JSON.stringify(reward.budgets),
    reward.seq,
    reward.syncedSeq,
    nowMs,
    nowMs,
  );
}

export function saveReward(sql: SqlStorage, reward: RewardRow, nowMs: number): void {
  sql.exec(
    `UPDATE event_rewards SET desired = ?, granted = ?, posted = ?, taken = ?, budgets_json = ?,
       seq = ?, synced_seq = ?, updated_at_ms = ?
     WHERE reward_key = ?`,
    reward.desired,
    reward.granted,
    reward.posted,
    reward.taken,
    JSON.stringify(reward.budgets),
    reward.seq,
    reward.syncedSeq,
    nowMs,
    reward.rewardKey,
  );
}

export interface TakeRow {
  takeKey: string;
  rewardKey: string;
  causeEventId: string;
  /** Taken from what the member holds. */
  amount: number;
  /** What the member no longer held, owed instead (money debt or points debt). */
  debt: number;
  restoredAtMs: number | null;
}

export function insertTake(sql: SqlStorage, take: TakeRow, nowMs: number): void {
  sql.exec(
    `INSERT INTO event_reward_takes (take_key, reward_key, cause_event_id, amount, debt, at_ms)
     VALUES (?, ?, ?, ?, ?, ?)`,
    take.takeKey,
    take.rewardKey,
    take.causeEventId,
    take.amount,
    take.debt,
    nowMs,
  );
}

export function takesOfCause(sql: SqlStorage, causeEventId: string): TakeRow[] {
  return sql
    .exec<{
      take_key: string;
      reward_key: string;
      cause_event_id: string;
      amount: number;
      debt: number;
      restored_at_ms: number | null;
    }>(
      `SELECT take_key, reward_key, cause_event_id, amount, debt, restored_at_ms
       FROM event_reward_takes WHERE cause_event_id = ? ORDER BY rowid`,
      causeEventId,
    )
    .toArray()
    .map((r) => ({
      takeKey: r.take_key,
      rewardKey: r.reward_key,
      causeEventId: r.cause_event_id,
      amount: r.amount,
      debt: r.debt,
      restoredAtMs: r.restored_at_ms,
    }));
}

/**
 * Moves part of one take to another cause (a refund during an open chargeback: the refund's
 * share of what the chargeback took becomes the refund's, final, so a won dispute restores
 * only the rest). What is moved comes out of the take's amount first, then its debt; the
 * money was already taken, so nothing is posted.
 */
export function moveTake(
  sql: SqlStorage,
  from: TakeRow,
  to: { takeKey: string; causeEventId: string },
  value: number,
  nowMs: number,
): TakeRow {
  const amount = Math.min(value, from.amount);
  const debt = Math.min(value - amount, from.debt);
  sql.exec(
    `UPDATE event_reward_takes SET amount = amount - ?, debt = debt - ? WHERE take_key = ?`,
    amount,
    debt,
    from.takeKey,
  );
  const moved: TakeRow = {
    takeKey: to.takeKey,
    rewardKey: from.rewardKey,
    causeEventId: to.causeEventId,
    amount,
    debt,
    restoredAtMs: null,
  };
  insertTake(sql, moved, nowMs);
  return moved;
}

export function markTakeRestored(sql: SqlStorage, takeKey: string, nowMs: number): void {
  sql.exec(`UPDATE event_reward_takes SET restored_at_ms = ? WHERE take_key = ?`, nowMs, takeKey);
}

/**
 * Points one points rollback drew from each rule's lots of the source (its draws name the
 * lots, the lots their rule): what each reward's budgets may release.
 */
export function pointsTakenByRule(sql: SqlStorage, rollbackKey: string): Map<string, number> {
  const rows = sql
    .exec<{ rule_id: string; points: number }>(
      `SELECT l.rule_id AS rule_id, SUM(d.points) AS points
       FROM points_draws d JOIN points_lots l ON l.lot_id = d.lot_id
       WHERE d.draw_id = ? AND d.kind = 'rollback'
       GROUP BY l.rule_id`,
      rollbackKey,
    )
    .toArray();
  return new Map(rows.map((r) => [r.rule_id, r.points]));
}

/**
 * Cashback the member holds from events' rules in `currency` (what was posted less what was
 * taken back): confirmed money no transaction holds, counted beside them by the audit.
 */
export function eventCashbackMinor(sql: SqlStorage, currency: string): number {
  return (
    sql
      .exec<{ n: number | null }>(
        `SELECT SUM(posted - taken) AS n FROM event_rewards WHERE unit = ?`,
        currency,
      )
      .one().n ?? 0
  );
}
