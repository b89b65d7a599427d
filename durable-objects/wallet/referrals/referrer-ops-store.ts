import type { Fraction } from "./decide-reversal";
import type { PartyOperation } from "./party-operations";

/**
 * SQL for the referrer's operations a referral owes after the credit (`referrer_ops`, wallet
 * schema step 19), in the referee's wallet: confirm, reverse and restore, each keyed like its
 * ledger posting in the referrer's wallet, delivered in `seq` order after the credit
 * (referral-reward-sync.ts), `owed` until the referrer's wallet answered, then `delivered`.
 */

export interface ReferrerOp {
  seq: number;
  opKey: string;
  referralId: string;
  referrerId: string;
  operation: PartyOperation;
  /** A reverse: the share the referee's wallet expects it to take (for `earned`). */
  amount: number | null;
  status: "owed" | "delivered";
  attempts: number;
}

interface Row extends Record<string, SqlStorageValue> {
  seq: number;
  op_key: string;
  referral_id: string;
  referrer_id: string;
  kind: string;
  cause_event_id: string | null;
  take_of_event_id: string | null;
  fraction_num: number | null;
  fraction_den: number | null;
  amount: number | null;
  status: string;
  attempts: number;
}

/**
 * Pure: the key of one referrer operation (the same as its ledger posting's).
 *
 * @example
 * referrerOpKey({ kind: "confirm", referralId: "ref_u2", party: "referrer" })
 * // "referral:ref_u2:referrer:confirm"
 */
export function referrerOpKey(op: PartyOperation): string {
  const base = `referral:${op.referralId}:referrer`;
  switch (op.kind) {
    case "confirm":
      return `${base}:confirm`;
    case "reverse":
      return referrerReverseKey(op.referralId, op.causeEventId);
    case "restore":
      return `${base}:restore:${op.causeEventId}`;
  }
}

/** Pure: the key of the referrer's reversal caused by `causeEventId`. */
export function referrerReverseKey(referralId: string, causeEventId: string): string {
  return `referral:${referralId}:referrer:reverse:${causeEventId}`;
}

/** Queues one operation (a repeat of its key is ignored). */
export function oweReferrerOp(
  sql: SqlStorage,
  referrerId: string,
  op: PartyOperation,
  atMs: number,
  amount: number | null = null,
): void {
  const fraction: Fraction | null = op.kind === "reverse" ? op.fraction : null;
  sql.exec(
    `INSERT OR IGNORE INTO referrer_ops (op_key, referral_id, referrer_id, kind, cause_event_id,
       take_of_event_id, fraction_num, fraction_den, amount, status, updated_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'owed', ?)`,
    referrerOpKey(op),
    op.referralId,
    referrerId,
    op.kind,
    op.kind === "confirm" ? null : op.causeEventId,
    op.kind === "confirm" ? null : (op.takeOfEventId ?? null),
    fraction?.num ?? null,
    fraction?.den ?? null,
    amount,
    atMs,
  );
}

function toOp(r: Row): ReferrerOp {
  const base = { referralId: r.referral_id, party: "referrer" as const };
  const operation: PartyOperation =
    r.kind === "confirm"
      ? { kind: "confirm", ...base }
      : r.kind === "reverse"
        ? {
            kind: "reverse",
            ...base,
            causeEventId: r.cause_event_id ?? "",
            fraction: { num: r.fraction_num ?? 1, den: r.fraction_den ?? 1 },
            // A refund during an open chargeback names it (its share moves out of that take).
            ...(r.take_of_event_id ? { takeOfEventId: r.take_of_event_id } : {}),
          }
        : {
            kind: "restore",
            ...base,
            causeEventId: r.cause_event_id ?? "",
            takeOfEventId: r.take_of_event_id ?? "",
          };
  return {
    seq: r.seq,
    opKey: r.op_key,
    referralId: r.referral_id,
    referrerId: r.referrer_id,
    operation,
    amount: r.amount,
    status: r.status === "delivered" ? "delivered" : "owed",
    attempts: r.attempts,
  };
}

/** The referral's operations still owed, oldest first, at most `rows`. */
export function owedReferrerOps(sql: SqlStorage, referralId: string, rows: number): ReferrerOp[] {
  return sql
    .exec<Row>(
      `SELECT * FROM referrer_ops WHERE referral_id = ? AND status = 'owed' ORDER BY seq LIMIT ?`,
      referralId,
      rows,
    )
    .toArray()
    .map(toOp);
}

/** Every operation of the referral, oldest first (getReferral shows them). */
export function referrerOpsOf(sql: SqlStorage, referralId: string, rows: number): ReferrerOp[] {
  return sql
    .exec<Row>(
      `SELECT * FROM referrer_ops WHERE referral_id = ? ORDER BY seq LIMIT ?`,
      referralId,
      rows,
    )
    .toArray()
    .map(toOp);
}

export function markReferrerOpDelivered(sql: SqlStorage, opKey: string, atMs: number): void {
  sql.exec(
    `UPDATE referrer_ops SET status = 'delivered', updated_at_ms = ? WHERE op_key = ?`,
    atMs,
    opKey,
  );
}

export function countReferrerOpAttempt(sql: SqlStorage, opKey: string): void {
  sql.exec(`UPDATE referrer_ops SET attempts = attempts + 1 WHERE op_key = ?`, opKey);
}

/**
 * A refund during the chargeback `opKey` reversed moved `share` out of what it took: its
 * expected take, which a won dispute gives back (restoreReferralFor), is that much lower.
 */
export function lowerReferrerOpAmount(sql: SqlStorage, opKey: string, share: number): void {
  sql.exec(
    `UPDATE referrer_ops SET amount = MAX(amount - ?, 0) WHERE op_key = ? AND amount IS NOT NULL`,
    share,
    opKey,
  );
}

export function findReferrerOp(sql: SqlStorage, opKey: string): ReferrerOp | null {
  const row = sql.exec<Row>(`SELECT * FROM referrer_ops WHERE op_key = ?`, opKey).toArray()[0];
  return row ? toOp(row) : null;
}
