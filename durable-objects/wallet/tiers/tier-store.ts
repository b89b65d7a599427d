import type { QualifyingSpend } from "./decide-tier";
import type { TierPolicy } from "./tier-policy";

/** SQL for tiers (schema step 15): qualifying spend per source, the standing, its history. */

export interface TierStateRow {
  tier: string;
  graceEndsAtMs: number | null;
  keptUntilMs: number | null;
  qualifyingMinor: number;
  policy: TierPolicy;
  updatedAtMs: number;
}

/** Sets what one source counts for (a refund lowers it, a restore raises it again). */
export function setSpend(
  sql: SqlStorage,
  s: { sourceType: string; sourceId: string; atMs: number; amountMinor: number; nowMs: number },
): void {
  sql.exec(
    `INSERT INTO tier_spend (source_type, source_id, at_ms, amount_minor, updated_at_ms)
     VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (source_type, source_id) DO UPDATE SET amount_minor = excluded.amount_minor,
       updated_at_ms = excluded.updated_at_ms`,
    s.sourceType,
    s.sourceId,
    s.atMs,
    s.amountMinor,
    s.nowMs,
  );
}

export function findSpendOf(sql: SqlStorage, sourceType: string, sourceId: string) {
  return (
    sql
      .exec<{ at_ms: number; amount_minor: number }>(
        `SELECT at_ms, amount_minor FROM tier_spend WHERE source_type = ? AND source_id = ?`,
        sourceType,
        sourceId,
      )
      .toArray()[0] ?? null
  );
}

/** Spend since `sinceMs`, oldest first, at most `rows` (a bound on one member's year). */
export function spendsSince(sql: SqlStorage, sinceMs: number, rows: number): QualifyingSpend[] {
  return sql
    .exec<{ at_ms: number; amount_minor: number }>(
      `SELECT at_ms, amount_minor FROM tier_spend WHERE at_ms > ? AND amount_minor > 0
       ORDER BY at_ms LIMIT ?`,
      sinceMs,
      rows,
    )
    .toArray()
    .map((r) => ({ atMs: r.at_ms, amountMinor: r.amount_minor }));
}

export function readTierState(sql: SqlStorage): TierStateRow | null {
  const r = sql
    .exec<{
      tier: string;
      grace_ends_at_ms: number | null;
      kept_until_ms: number | null;
      qualifying_minor: number;
      policy_json: string;
      updated_at_ms: number;
    }>(`SELECT * FROM tier_state WHERE id = 1`)
    .toArray()[0];
  return r
    ? {
        tier: r.tier,
        graceEndsAtMs: r.grace_ends_at_ms,
        keptUntilMs: r.kept_until_ms,
        qualifyingMinor: r.qualifying_minor,
        policy: JSON.parse(r.policy_json) as TierPolicy,
        updatedAtMs: r.updated_at_ms,
      }
    : null;
}

export function writeTierState(sql: SqlStorage, s: TierStateRow): void {
  sql.exec(
    `INSERT INTO tier_state (id, tier, grace_ends_at_ms, kept_until_ms, qualifying_minor,
       policy_json, updated_at_ms) VALUES (1, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET tier = excluded.tier,
       grace_ends_at_ms = excluded.grace_ends_at_ms, kept_until_ms = excluded.kept_until_ms,
       qualifying_minor = excluded.qualifying_minor, policy_json = excluded.policy_json,
       updated_at_ms = excluded.updated_at_ms`,
    s.tier,
    s.graceEndsAtMs,
    s.keptUntilMs,
    s.qualifyingMinor,
    JSON.stringify(s.policy),
    s.updatedAtMs,
  );
}

export function insertTierHistory(
  sql: SqlStorage,
  h: {
    fromTier: string | null;
    toTier: string;
    reason: string;
    qualifyingMinor: number;
    atMs: number;
  },
): void {
  sql.exec(
    `INSERT INTO tier_history (from_tier, to_tier, reason, qualifying_minor, at_ms)
     VALUES (?, ?, ?, ?, ?)`,
    h.fromTier,
    h.toTier,
    h.reason,
    h.qualifyingMinor,
    h.atMs,
  );
}

export interface TierHistoryEntry {
  fromTier: string | null;
  toTier: string;
  reason: string;
  qualifyingSpendMinor: number;
  atMs: number;
}

export function listTierHistory(sql: SqlStorage, rows: number): TierHistoryEntry[] {
  return sql
    .exec<{
      from_tier: string | null;
      to_tier: string;
      reason: string;
      qualifying_minor: number;
      at_ms: number;
    }>(
      `SELECT from_tier, to_tier, reason, qualifying_minor, at_ms FROM tier_history
       ORDER BY id DESC LIMIT ?`,
      rows,
    )
    .toArray()
    .map((r) => ({
      fromTier: r.from_tier,
      toTier: r.to_tier,
      reason: r.reason,
      qualifyingSpendMinor: r.qualifying_minor,
      atMs: r.at_ms,
    }));
}
