import type { DestinationType } from "#shared/payouts/types";

/** SQL for the user's payout destinations (schema step 7); details are sealed at rest. */

export interface StoredDestination {
  destinationId: string;
  type: Exclude<DestinationType, "gift_card">;
  label: string | null;
  /**
   * Sealed JSON of the details (shared/crypto/sealed.ts); never stored in the clear. Empty
   * once erased (a removed destination whose payouts are all final).
   */
  sealedDetails: string;
  /** Keyed digest of the request that saved these details (request-digest.ts); null once erased. */
  requestDigest: string | null;
  masked: string;
  status: "active" | "needs_attention" | "removed";
  usableFromMs: number;
  createdAtMs: number;
  updatedAtMs: number;
  /** When the details were erased; null while they are kept. */
  erasedAtMs: number | null;
}

type DestinationRow = {
  destination_id: string;
  type: string;
  label: string | null;
  sealed_details: string;
  request_digest: string | null;
  masked: string;
  status: string;
  usable_from_ms: number;
  created_at_ms: number;
  updated_at_ms: number;
  erased_at_ms: number | null;
};

function toDestination(row: DestinationRow): StoredDestination {
  return {
    destinationId: row.destination_id,
    type: row.type as StoredDestination["type"],
    label: row.label,
    sealedDetails: row.sealed_details,
    requestDigest: row.request_digest,
    masked: row.masked,
    status: row.status as StoredDestination["status"],
    usableFromMs: row.usable_from_ms,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
    erasedAtMs: row.erased_at_ms,
  };
}

export function findDestination(sql: SqlStorage, destinationId: string): StoredDestination | null {
  const row = sql
    .exec<DestinationRow>(`SELECT * FROM destinations WHERE destination_id = ?`, destinationId)
    .toArray()[0];
  return row ? toDestination(row) : null;
}

export function listDestinations(sql: SqlStorage): StoredDestination[] {
  return sql
    .exec<DestinationRow>(
      `SELECT * FROM destinations WHERE status != 'removed' ORDER BY created_at_ms, destination_id`,
    )
    .toArray()
    .map(toDestination);
}

export function countLiveDestinations(sql: SqlStorage): number {
  return sql
    .exec<{ n: number }>(`SELECT COUNT(*) AS n FROM destinations WHERE status != 'removed'`)
    .one().n;
}

export function saveDestination(sql: SqlStorage, d: StoredDestination): void {
  sql.exec(
    `INSERT INTO destinations (destination_id, type, label, sealed_details, request_digest,
       masked, status, usable_from_ms, created_at_ms, updated_at_ms, erased_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (destination_id) DO UPDATE SET type = excluded.type, label = excluded.label,
       sealed_details = excluded.sealed_details, request_digest = excluded.request_digest,
       masked = excluded.masked, status = excluded.status,
       usable_from_ms = excluded.usable_from_ms, updated_at_ms = excluded.updated_at_ms,
       erased_at_ms = excluded.erased_at_ms`,
    d.destinationId,
    d.type,
    d.label,
    d.sealedDetails,
    d.requestDigest,
    d.masked,
    d.status,
    d.usableFromMs,
    d.createdAtMs,
    d.updatedAtMs,
    d.erasedAtMs,
  );
}

/**
 * Erases a removed destination's details: the sealed value and the request digest go; the
 * tombstone (type, label, masked last four, dates) stays for the payout history. True when
 * written (false if it was not removed or already erased).
 */
export function eraseDestinationDetails(
  sql: SqlStorage,
  destinationId: string,
  nowMs: number,
): boolean {
  return (
    sql.exec(
      `UPDATE destinations SET sealed_details = '', request_digest = NULL, erased_at_ms = ?
       WHERE destination_id = ? AND status = 'removed' AND erased_at_ms IS NULL`,
      nowMs,
      destinationId,
    ).rowsWritten > 0
  );
}

export function setDestinationStatus(
  sql: SqlStorage,
  destinationId: string,
  status: StoredDestination["status"],
  nowMs: number,
): void {
  sql.exec(
    `UPDATE destinations SET status = ?, updated_at_ms = ? WHERE destination_id = ?`,
    status,
    nowMs,
    destinationId,
  );
}

/** Sealed details of every destination not removed, for key rotation. */
export function liveSealedDestinations(
  sql: SqlStorage,
): Array<{ id: string; sealed: string; ref: string }> {
  return sql
    .exec<{ id: string; sealed: string; ref: string }>(
      `SELECT destination_id AS id, sealed_details AS sealed, destination_id AS ref
       FROM destinations WHERE status != 'removed'`,
    )
    .toArray();
}

/** Replaces sealed details unless they changed meanwhile; true when written. */
export function resealDestination(
  sql: SqlStorage,
  destinationId: string,
  sealedBefore: string,
  sealedAfter: string,
  nowMs: number,
): boolean {
  return (
    sql.exec(
      `UPDATE destinations SET sealed_details = ?, updated_at_ms = ?
       WHERE destination_id = ? AND sealed_details = ?`,
      sealedAfter,
      nowMs,
      destinationId,
      sealedBefore,
    ).rowsWritten > 0
  );
}
