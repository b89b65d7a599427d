import type { HoldInput, HoldKind, RiskReason } from "#shared/fraud/risk-contract";
import type { WalletTx } from "../core/wallet-tx";
import { riskHoldProjection } from "../outbox/projections";

/**
 * SQL for the user's risk holds (`risk_holds`, wallet schema step 23; docs/fraud.md "Holds"):
 * one row per hold, placed by a fraud rule's effect, by the fail-safe (`risk_unavailable`) or by
 * a conversion of a marked click (`bot_click`). The redeem and settle paths consult the active
 * ones inside their own transaction (holds.ts). A hold is never deleted: it ends `released`
 * (an operator, or by itself when its condition cleared) or `upheld` (an operator kept it), with
 * who, how and why. Every write (placed, ended) raises the hold's `version` and queues its
 * `risk_hold` projection in the same transaction (D1 `risk_holds`, the review queue's index).
 */

export type HoldStatus = "active" | "released" | "upheld";
/**
 * How a hold ended: an operator's decision, its own auto-release time, scoring coming back, or
 * (a `step_up` hold) the user passing a fresh step-up.
 */
export type HoldEnd = "operator" | "auto" | "scoring_returned" | "step_up";
/** The operator's label for model training (docs/fraud.md "Review"). */
export type HoldLabel = "fraud" | "not_fraud" | "unsure";
/** The user's score and reasons from their risk object when an operator decided. */
export interface DecisionSignals {
  score: number;
  reasons: RiskReason[];
}

export interface StoredHold extends HoldInput {
  holdId: string;
  status: HoldStatus;
  placedAtMs: number;
  endedAtMs: number | null;
  endedHow: HoldEnd | null;
  decidedBy: string | null;
  decisionNote: string | null;
  label: HoldLabel | null;
  /** The user's score and reasons at the decision; null before one or if scoring was down. */
  decisionSignals: DecisionSignals | null;
  /** Rises with each write (placed: 1); the projection keeps the newest. */
  version: number;
}

interface Row extends Record<string, SqlStorageValue> {
  hold_id: string;
  kind: string;
  subject_ref: string | null;
  reasons_json: string;
  source: string;
  rule_id: string | null;
  rule_version: number | null;
  auto_release_at_ms: number | null;
  status: string;
  placed_at_ms: number;
  ended_at_ms: number | null;
  ended_how: string | null;
  decided_by: string | null;
  decision_note: string | null;
  label: string | null;
  decision_signals_json: string | null;
  version: number;
}

function toHold(r: Row): StoredHold {
  return {
    holdId: r.hold_id,
    kind: r.kind as HoldKind,
    subjectRef: r.subject_ref,
    reasons: JSON.parse(r.reasons_json) as RiskReason[],
    source: r.source as HoldInput["source"],
    ruleId: r.rule_id,
    ruleVersion: r.rule_version,
    autoReleaseAtMs: r.auto_release_at_ms,
    status: r.status as HoldStatus,
    placedAtMs: r.placed_at_ms,
    endedAtMs: r.ended_at_ms,
    endedHow: r.ended_how as HoldEnd | null,
    decidedBy: r.decided_by,
    decisionNote: r.decision_note,
    label: r.label as HoldLabel | null,
    decisionSignals: r.decision_signals_json
      ? (JSON.parse(r.decision_signals_json) as DecisionSignals)
      : null,
    version: r.version,
  };
}

/** Queues the hold's projection as stored now (inside the caller's transaction). */
function publishHold(tx: WalletTx, holdId: string): void {
  const stored = findHold(tx.sql, holdId);
  if (!stored) throw new Error(`hold ${holdId} was not stored`);
  tx.enqueue(riskHoldProjection(tx.userId(), stored));
}

/**
 * Inserts the hold unless `holdId` exists (a placement is keyed: the same effect on the same
 * observation places it once) and queues its projection; true when inserted.
 */
export function insertHold(tx: WalletTx, holdId: string, hold: HoldInput, atMs: number): boolean {
  const cursor = tx.sql.exec(
    `INSERT OR IGNORE INTO risk_holds (hold_id, kind, subject_ref, reasons_json, source, rule_id,
       rule_version, auto_release_at_ms, status, placed_at_ms, version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, 1)`,
    holdId,
    hold.kind,
    hold.subjectRef,
    JSON.stringify(hold.reasons),
    hold.source,
    hold.ruleId,
    hold.ruleVersion,
    hold.autoReleaseAtMs,
    atMs,
  );
  const inserted = cursor.rowsWritten > 0;
  if (inserted) publishHold(tx, holdId);
  return inserted;
}

export function findHold(sql: SqlStorage, holdId: string): StoredHold | null {
  const row = sql.exec<Row>(`SELECT * FROM risk_holds WHERE hold_id = ?`, holdId).toArray()[0];
  return row ? toHold(row) : null;
}

/**
 * The active holds of a kind that cover `subjectRef`: those placed on it and the user-wide ones
 * (`subject_ref` null), oldest first.
 */
export function activeHoldsCovering(
  sql: SqlStorage,
  kind: HoldKind,
  subjectRef: string | null,
): StoredHold[] {
  return sql
    .exec<Row>(
      `SELECT * FROM risk_holds WHERE status = 'active' AND kind = ?
         AND (subject_ref IS NULL OR subject_ref = ?) ORDER BY placed_at_ms, hold_id`,
      kind,
      subjectRef,
    )
    .toArray()
    .map(toHold);
}

/**
 * The holds that keep `subjectRef` waiting: the active ones covering it (its own and the
 * user-wide ones) and those upheld on it (an operator kept it for the subject's own review),
 * oldest first.
 */
export function holdsKeeping(sql: SqlStorage, kind: HoldKind, subjectRef: string): StoredHold[] {
  return sql
    .exec<Row>(
      `SELECT * FROM risk_holds WHERE kind = ?
         AND ((status = 'active' AND (subject_ref IS NULL OR subject_ref = ?))
              OR (status = 'upheld' AND subject_ref = ?))
       ORDER BY placed_at_ms, hold_id`,
      kind,
      subjectRef,
      subjectRef,
    )
    .toArray()
    .map(toHold);
}

/** Every hold of the user, newest first, at most `rows`. */
export function listHolds(sql: SqlStorage, rows: number): StoredHold[] {
  return sql
    .exec<Row>(`SELECT * FROM risk_holds ORDER BY placed_at_ms DESC, hold_id DESC LIMIT ?`, rows)
    .toArray()
    .map(toHold);
}

/** Active holds whose auto-release time has come by `asOfMs`, oldest first, at most `rows`. */
export function holdsDueForRelease(sql: SqlStorage, asOfMs: number, rows: number): StoredHold[] {
  return sql
    .exec<Row>(
      `SELECT * FROM risk_holds WHERE status = 'active' AND auto_release_at_ms IS NOT NULL
         AND auto_release_at_ms <= ? ORDER BY auto_release_at_ms, hold_id LIMIT ?`,
      asOfMs,
      rows,
    )
    .toArray()
    .map(toHold);
}

/**
 * Ends an active hold and queues its projection; false when it was not active (already
 * ended: nothing changes, nothing is published).
 */
export function endHold(
  tx: WalletTx,
  holdId: string,
  end: {
    status: Exclude<HoldStatus, "active">;
    how: HoldEnd;
    decidedBy: string | null;
    note: string | null;
    label: HoldLabel | null;
    /** The user's score and reasons at an operator's decision; null otherwise. */
    signals?: DecisionSignals | null;
  },
  atMs: number,
): boolean {
  const cursor = tx.sql.exec(
    `UPDATE risk_holds SET status = ?, ended_how = ?, decided_by = ?, decision_note = ?, label = ?,
       decision_signals_json = ?, ended_at_ms = ?, version = version + 1
     WHERE hold_id = ? AND status = 'active'`,
    end.status,
    end.how,
    end.decidedBy,
    end.note,
    end.label,
    end.signals ? JSON.stringify(end.signals) : null,
    atMs,
    holdId,
  );
  const ended = cursor.rowsWritten > 0;
  if (ended) publishHold(tx, holdId);
  return ended;
}
