import type { LotState } from "./lot";
import type { Validity } from "./validity";

/** SQL for points lots, their draws, rollbacks, spends and confirmed sources (schema step 15). */

export interface LotRow extends LotState {
  sourceType: string;
  sourceId: string;
  ruleId: string;
  ruleVersion: number;
  earnKey: string;
  earnedAtMs: number;
  validity: Validity;
  timeZone: string;
  noticeSentDays: number | null;
  nextNoticeAtMs: number | null;
}

type Row = {
  lot_seq: number;
  lot_id: string;
  source_type: string;
  source_id: string;
  rule_id: string;
  rule_version: number;
  earn_key: string;
  points_earned: number;
  remaining: number;
  spent: number;
  expired: number;
  reversed: number;
  earned_at_ms: number;
  pending_until_ms: number | null;
  activated_at_ms: number | null;
  expires_at_ms: number | null;
  validity_json: string;
  time_zone: string;
  notice_sent_days: number | null;
  next_notice_at_ms: number | null;
};

const toLot = (r: Row): LotRow => ({
  lotId: r.lot_id,
  seq: r.lot_seq,
  sourceType: r.source_type,
  sourceId: r.source_id,
  ruleId: r.rule_id,
  ruleVersion: r.rule_version,
  earnKey: r.earn_key,
  earned: r.points_earned,
  remaining: r.remaining,
  spent: r.spent,
  expired: r.expired,
  reversed: r.reversed,
  earnedAtMs: r.earned_at_ms,
  pendingUntilMs: r.pending_until_ms,
  activatedAtMs: r.activated_at_ms,
  expiresAtMs: r.expires_at_ms,
  validity: JSON.parse(r.validity_json) as Validity,
  timeZone: r.time_zone,
  noticeSentDays: r.notice_sent_days,
  nextNoticeAtMs: r.next_notice_at_ms,
});

const LOT_COLUMNS = `lot_seq, lot_id, source_type, source_id, rule_id, rule_version, earn_key,
  points_earned, remaining, spent, expired, reversed, earned_at_ms, pending_until_ms,
  activated_at_ms, expires_at_ms, validity_json, time_zone, notice_sent_days, next_notice_at_ms`;

export function findLotOfRule(
  sql: SqlStorage,
  sourceType: string,
  sourceId: string,
  ruleId: string,
): LotRow | null {
  const row = sql
    .exec<Row>(
      `SELECT ${LOT_COLUMNS} FROM points_lots WHERE source_type = ? AND source_id = ? AND rule_id = ?`,
      sourceType,
      sourceId,
      ruleId,
    )
    .toArray()[0];
  return row ? toLot(row) : null;
}

export function findLot(sql: SqlStorage, lotId: string): LotRow | null {
  const row = sql
    .exec<Row>(`SELECT ${LOT_COLUMNS} FROM points_lots WHERE lot_id = ?`, lotId)
    .toArray()[0];
  return row ? toLot(row) : null;
}

/** A source's lots (one per rule that rewarded it: a handful), in earn order. */
export function lotsOfSource(sql: SqlStorage, sourceType: string, sourceId: string): LotRow[] {
  return sql
    .exec<Row>(
      `SELECT ${LOT_COLUMNS} FROM points_lots WHERE source_type = ? AND source_id = ?
       ORDER BY lot_seq LIMIT 100`,
      sourceType,
      sourceId,
    )
    .toArray()
    .map(toLot);
}

/**
 * Spendable lots in spending order (earliest expiry, never-expiring last, then earn order),
 * read only until they cover `points`: a spend touches the lots it draws from and no more.
 */
export function spendableLots(
  sql: SqlStorage,
  points: number,
  nowMs: number,
  maxLots: number,
): LotRow[] {
  // Read in index order (points_lots_spend_idx) in small pages, each read whole: lots with an
  // expiry first, earliest first, then those without. One ORDER BY over both would scan and
  // sort every lot with points left on every spend, and a cursor left half-read keeps that
  // sort in memory.
  const lots: LotRow[] = [];
  let covered = 0;
  const take = (rows: Row[]): boolean => {
    for (const row of rows) {
      lots.push(toLot(row));
      covered += row.remaining;
      if (covered >= points || lots.length >= maxLots) return true;
    }
    return false;
  };
  let after: { expiresAtMs: number; lotSeq: number } | null = null;
  for (;;) {
    const rows: Row[] = sql
      .exec<Row>(
        `SELECT ${LOT_COLUMNS} FROM points_lots
         WHERE remaining > 0 AND activated_at_ms IS NOT NULL
           AND expires_at_ms > ? AND (expires_at_ms, lot_seq) > (?, ?)
         ORDER BY expires_at_ms, lot_seq LIMIT ?`,
        nowMs,
        after?.expiresAtMs ?? nowMs,
        after?.lotSeq ?? -1,
        SPEND_PAGE_ROWS,
      )
      .toArray();
    if (take(rows)) return lots;
    const last = rows.at(-1);
    if (rows.length < SPEND_PAGE_ROWS || !last) break;
    after = { expiresAtMs: last.expires_at_ms as number, lotSeq: last.lot_seq };
  }
  let afterSeq = -1;
  for (;;) {
    const rows: Row[] = sql
      .exec<Row>(
        `SELECT ${LOT_COLUMNS} FROM points_lots
         WHERE remaining > 0 AND activated_at_ms IS NOT NULL
           AND expires_at_ms IS NULL AND lot_seq > ?
         ORDER BY lot_seq LIMIT ?`,
        afterSeq,
        SPEND_PAGE_ROWS,
      )
      .toArray();
    if (take(rows)) return lots;
    const last = rows.at(-1);
    if (rows.length < SPEND_PAGE_ROWS || !last) break;
    afterSeq = last.lot_seq;
  }
  return lots;
}

/** Lots read per page while choosing what a spend draws on (most spends need one or two). */
const SPEND_PAGE_ROWS = 32;

export function lotsDueToActivate(sql: SqlStorage, asOfMs: number, rows: number): LotRow[] {
  return sql
    .exec<Row>(
      `SELECT ${LOT_COLUMNS} FROM points_lots
       WHERE activated_at_ms IS NULL AND pending_until_ms <= ?
       ORDER BY pending_until_ms LIMIT ?`,
      asOfMs,
      rows,
    )
    .toArray()
    .map(toLot);
}

export function lotsDueToExpire(sql: SqlStorage, asOfMs: number, rows: number): LotRow[] {
  return sql
    .exec<Row>(
      `SELECT ${LOT_COLUMNS} FROM points_lots WHERE remaining > 0 AND expires_at_ms <= ?
       ORDER BY expires_at_ms LIMIT ?`,
      asOfMs,
      rows,
    )
    .toArray()
    .map(toLot);
}

export function lotsDueForNotice(sql: SqlStorage, asOfMs: number, rows: number): LotRow[] {
  return sql
    .exec<Row>(
      `SELECT ${LOT_COLUMNS} FROM points_lots WHERE next_notice_at_ms <= ?
       ORDER BY next_notice_at_ms LIMIT ?`,
      asOfMs,
      rows,
    )
    .toArray()
    .map(toLot);
}

/** Newest first, keyset on the earn order. */
export function listLots(sql: SqlStorage, beforeSeq: number | null, rows: number): LotRow[] {
  return sql
    .exec<Row>(
      `SELECT ${LOT_COLUMNS} FROM points_lots WHERE lot_seq < ? ORDER BY lot_seq DESC LIMIT ?`,
      beforeSeq ?? Number.MAX_SAFE_INTEGER,
      rows,
    )
    .toArray()
    .map(toLot);
}

export function insertLot(sql: SqlStorage, lot: Omit<LotRow, "lotId" | "seq">): LotRow {
  const seq = sql
    .exec<{ lot_seq: number }>(
      `INSERT INTO points_lots (lot_id, source_type, source_id, rule_id, rule_version, earn_key,
         points_earned, remaining, spent, expired, reversed, earned_at_ms, pending_until_ms,
         activated_at_ms, expires_at_ms, validity_json, time_zone, notice_sent_days,
         next_notice_at_ms)
       VALUES ('', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING lot_seq`,
      lot.sourceType,
      lot.sourceId,
      lot.ruleId,
      lot.ruleVersion,
      lot.earnKey,
      lot.earned,
      lot.remaining,
      lot.spent,
      lot.expired,
      lot.reversed,
      lot.earnedAtMs,
      lot.pendingUntilMs,
      lot.activatedAtMs,
      lot.expiresAtMs,
      JSON.stringify(lot.validity),
      lot.timeZone,
      lot.noticeSentDays,
      lot.nextNoticeAtMs,
    )
    .one().lot_seq;
  const lotId = `lot_${seq}`;
  sql.exec(`UPDATE points_lots SET lot_id = ? WHERE lot_seq = ?`, lotId, seq);
  return { ...lot, lotId, seq };
}

/** Writes a lot's mutable fields back (its points, activation, expiry and notice state). */
export function saveLot(sql: SqlStorage, lot: LotRow): void {
  sql.exec(
    `UPDATE points_lots SET remaining = ?, spent = ?, expired = ?, reversed = ?,
       activated_at_ms = ?, expires_at_ms = ?, notice_sent_days = ?, next_notice_at_ms = ?
     WHERE lot_id = ?`,
    lot.remaining,
    lot.spent,
    lot.expired,
    lot.reversed,
    lot.activatedAtMs,
    lot.expiresAtMs,
    lot.noticeSentDays,
    lot.nextNoticeAtMs,
    lot.lotId,
  );
}

// ---- draws ----------------------------------------------------------------------------------

export type DrawKind = "spend" | "rollback" | "repay" | "restore";

export interface DrawRow {
  drawId: string;
  kind: DrawKind;
  lotId: string;
  points: number;
  /** Where the points were (or went, for a restore): pending, active or expired. */
  place: "pending" | "active" | "expired";
  /** For a repayment: the rollback whose debt it repaid. */
  ref: string | null;
  atMs: number;
}

export function insertDraw(sql: SqlStorage, d: DrawRow): void {
  sql.exec(
    `INSERT INTO points_draws (draw_id, kind, lot_id, points, place, ref, at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    d.drawId,
    d.kind,
    d.lotId,
    d.points,
    d.place,
    d.ref,
    d.atMs,
  );
}

type DrawSqlRow = {
  draw_id: string;
  kind: DrawKind;
  lot_id: string;
  points: number;
  place: DrawRow["place"];
  ref: string | null;
  at_ms: number;
};
const toDraw = (r: DrawSqlRow): DrawRow => ({
  drawId: r.draw_id,
  kind: r.kind,
  lotId: r.lot_id,
  points: r.points,
  place: r.place,
  ref: r.ref,
  atMs: r.at_ms,
});

export function drawsOf(sql: SqlStorage, drawId: string, kind: DrawKind): DrawRow[] {
  return sql
    .exec<DrawSqlRow>(
      `SELECT draw_id, kind, lot_id, points, place, ref, at_ms FROM points_draws
       WHERE draw_id = ? AND kind = ? ORDER BY id LIMIT 1000`,
      drawId,
      kind,
    )
    .toArray()
    .map(toDraw);
}

/** Repayments of one rollback's debt (restoring it returns them). */
export function repaymentsOf(sql: SqlStorage, rollbackKey: string): DrawRow[] {
  return sql
    .exec<DrawSqlRow>(
      `SELECT draw_id, kind, lot_id, points, place, ref, at_ms FROM points_draws
       WHERE ref = ? AND kind = 'repay' ORDER BY id LIMIT 1000`,
      rollbackKey,
    )
    .toArray()
    .map(toDraw);
}

/** Newest first: the member's points history beside the ledger's entries. */
export function listDraws(sql: SqlStorage, beforeId: number | null, rows: number) {
  return sql
    .exec<DrawSqlRow & { id: number }>(
      `SELECT id, draw_id, kind, lot_id, points, place, ref, at_ms FROM points_draws
       WHERE id < ? ORDER BY id DESC LIMIT ?`,
      beforeId ?? Number.MAX_SAFE_INTEGER,
      rows,
    )
    .toArray()
    .map((r) => ({ id: r.id, ...toDraw(r) }));
}

// ---- rollbacks and debt ---------------------------------------------------------------------

export interface RollbackRow {
  rollbackKey: string;
  sourceType: string;
  sourceId: string;
  fraction: string;
  targetPoints: number;
  debtPoints: number;
  debtOutstanding: number;
  atMs: number;
  restoredAtMs: number | null;
}

type RollbackSqlRow = {
  rollback_key: string;
  source_type: string;
  source_id: string;
  fraction: string;
  target_points: number;
  debt_points: number;
  debt_outstanding: number;
  at_ms: number;
  restored_at_ms: number | null;
};
const toRollback = (r: RollbackSqlRow): RollbackRow => ({
  rollbackKey: r.rollback_key,
  sourceType: r.source_type,
  sourceId: r.source_id,
  fraction: r.fraction,
  targetPoints: r.target_points,
  debtPoints: r.debt_points,
  debtOutstanding: r.debt_outstanding,
  atMs: r.at_ms,
  restoredAtMs: r.restored_at_ms,
});

export function findRollback(sql: SqlStorage, key: string): RollbackRow | null {
  const row = sql
    .exec<RollbackSqlRow>(`SELECT * FROM points_rollbacks WHERE rollback_key = ?`, key)
    .toArray()[0];
  return row ? toRollback(row) : null;
}

/** What earlier rollbacks of a source still take (a restored one takes nothing). */
export function takenFromSource(sql: SqlStorage, sourceType: string, sourceId: string): number {
  return (
    sql
      .exec<{ n: number | null }>(
        `SELECT SUM(target_points) AS n FROM points_rollbacks
       WHERE source_type = ? AND source_id = ? AND restored_at_ms IS NULL`,
        sourceType,
        sourceId,
      )
      .one().n ?? 0
  );
}

export function insertRollback(sql: SqlStorage, r: RollbackRow): void {
  sql.exec(
    `INSERT INTO points_rollbacks (rollback_key, source_type, source_id, fraction, target_points,
       debt_points, debt_outstanding, at_ms, restored_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    r.rollbackKey,
    r.sourceType,
    r.sourceId,
    r.fraction,
    r.targetPoints,
    r.debtPoints,
    r.debtOutstanding,
    r.atMs,
    r.restoredAtMs,
  );
}

export function setDebtOutstanding(sql: SqlStorage, key: string, outstanding: number): void {
  sql.exec(
    `UPDATE points_rollbacks SET debt_outstanding = ? WHERE rollback_key = ?`,
    outstanding,
    key,
  );
}

export function markRestored(sql: SqlStorage, key: string, atMs: number): void {
  sql.exec(
    `UPDATE points_rollbacks SET restored_at_ms = ?, debt_outstanding = 0 WHERE rollback_key = ?`,
    atMs,
    key,
  );
}

/** Debts still owed, oldest first (repaid in that order). */
export function outstandingDebts(sql: SqlStorage, rows: number) {
  return sql
    .exec<{ rollback_key: string; debt_outstanding: number }>(
      `SELECT rollback_key, debt_outstanding FROM points_rollbacks WHERE debt_outstanding > 0
       ORDER BY at_ms, rollback_key LIMIT ?`,
      rows,
    )
    .toArray()
    .map((r) => ({ rollbackKey: r.rollback_key, outstanding: r.debt_outstanding }));
}

// ---- sources and spends ---------------------------------------------------------------------

export function sourceConfirmedAtMs(
  sql: SqlStorage,
  sourceType: string,
  sourceId: string,
): number | null {
  return (
    sql
      .exec<{ confirmed_at_ms: number }>(
        `SELECT confirmed_at_ms FROM points_sources WHERE source_type = ? AND source_id = ?`,
        sourceType,
        sourceId,
      )
      .toArray()[0]?.confirmed_at_ms ?? null
  );
}

export function recordSourceConfirmed(
  sql: SqlStorage,
  sourceType: string,
  sourceId: string,
  atMs: number,
): void {
  sql.exec(
    `INSERT INTO points_sources (source_type, source_id, confirmed_at_ms) VALUES (?, ?, ?)
     ON CONFLICT (source_type, source_id) DO NOTHING`,
    sourceType,
    sourceId,
    atMs,
  );
}

export interface SpendRow {
  spendId: string;
  kind: "cashback" | "voucher";
  points: number;
  currency: string | null;
  amountMinor: number;
  voucherPool: string | null;
  voucherCode: string | null;
  atMs: number;
}

export function findSpend(sql: SqlStorage, spendId: string): SpendRow | null {
  const r = sql
    .exec<{
      spend_id: string;
      kind: SpendRow["kind"];
      points: number;
      currency: string | null;
      amount_minor: number;
      voucher_pool: string | null;
      voucher_code: string | null;
      at_ms: number;
    }>(`SELECT * FROM points_spends WHERE spend_id = ?`, spendId)
    .toArray()[0];
  return r
    ? {
        spendId: r.spend_id,
        kind: r.kind,
        points: r.points,
        currency: r.currency,
        amountMinor: r.amount_minor,
        voucherPool: r.voucher_pool,
        voucherCode: r.voucher_code,
        atMs: r.at_ms,
      }
    : null;
}

export function voucherCodeIssued(sql: SqlStorage, pool: string, code: string): boolean {
  return (
    sql
      .exec(`SELECT 1 FROM points_spends WHERE voucher_pool = ? AND voucher_code = ?`, pool, code)
      .toArray().length > 0
  );
}

export function insertSpend(sql: SqlStorage, s: SpendRow): void {
  sql.exec(
    `INSERT INTO points_spends (spend_id, kind, points, currency, amount_minor, voucher_pool,
       voucher_code, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    s.spendId,
    s.kind,
    s.points,
    s.currency,
    s.amountMinor,
    s.voucherPool,
    s.voucherCode,
    s.atMs,
  );
}

/** Cashback credited from points, per currency: the money audit counts it beside transactions. */
export function pointsCashbackMinor(sql: SqlStorage, currency: string): number {
  return (
    sql
      .exec<{ n: number | null }>(
        `SELECT SUM(amount_minor) AS n FROM points_spends WHERE kind = 'cashback' AND currency = ?`,
        currency,
      )
      .one().n ?? 0
  );
}

// ---- what is due next -------------------------------------------------------------------------

export function nextPointsDue(sql: SqlStorage) {
  const one = (q: string) => sql.exec<{ at: number | null }>(q).one().at;
  return {
    activateAtMs: one(
      `SELECT MIN(pending_until_ms) AS at FROM points_lots WHERE activated_at_ms IS NULL`,
    ),
    expireAtMs: one(`SELECT MIN(expires_at_ms) AS at FROM points_lots WHERE remaining > 0`),
    noticeAtMs: one(
      `SELECT MIN(next_notice_at_ms) AS at FROM points_lots WHERE next_notice_at_ms IS NOT NULL`,
    ),
  };
}
