/** SQL for step-up challenges (only salted code hashes) and the devices seen (hashed ids). */

export interface StoredChallenge {
  challengeId: string;
  purpose: string;
  salt: string;
  codeHash: string;
  expiresAtMs: number;
  attempts: number;
  consumedBy: string | null;
}

export function findChallenge(sql: SqlStorage, challengeId: string): StoredChallenge | null {
  const row = sql
    .exec<{
      challenge_id: string;
      purpose: string;
      salt: string;
      code_hash: string;
      expires_at_ms: number;
      attempts: number;
      consumed_by: string | null;
    }>(`SELECT * FROM step_up_challenges WHERE challenge_id = ?`, challengeId)
    .toArray()[0];
  return row
    ? {
        challengeId: row.challenge_id,
        purpose: row.purpose,
        salt: row.salt,
        codeHash: row.code_hash,
        expiresAtMs: row.expires_at_ms,
        attempts: row.attempts,
        consumedBy: row.consumed_by,
      }
    : null;
}

export function insertChallenge(sql: SqlStorage, c: StoredChallenge, nowMs: number): void {
  // Expired challenges are of no use to anyone; they go when a new one is made.
  sql.exec(`DELETE FROM step_up_challenges WHERE expires_at_ms < ?`, nowMs - 86_400_000);
  sql.exec(
    `INSERT INTO step_up_challenges (challenge_id, purpose, salt, code_hash, expires_at_ms,
       attempts, consumed_by, created_at_ms) VALUES (?, ?, ?, ?, ?, 0, NULL, ?)`,
    c.challengeId,
    c.purpose,
    c.salt,
    c.codeHash,
    c.expiresAtMs,
    nowMs,
  );
}

/**
 * Codes issued in the last hour that were not used, whatever became of them: an expired or
 * locked code still counts, so guesses are limited per hour, not per code lifetime.
 */
export function countOpenChallenges(sql: SqlStorage, nowMs: number): number {
  return sql
    .exec<{ n: number }>(
      `SELECT COUNT(*) AS n FROM step_up_challenges
       WHERE consumed_by IS NULL AND created_at_ms > ?`,
      nowMs - 3_600_000,
    )
    .one().n;
}

/**
 * Records a device's use; says whether the wallet had seen it (`known`), it is the wallet's
 * first device (`first`: never new), or it is a device the wallet had not seen (`new`).
 */
export function recordDevice(
  sql: SqlStorage,
  deviceHash: string,
  atMs: number,
): "known" | "first" | "new" {
  const seen = sql
    .exec<{ known: number; any: number }>(
      `SELECT EXISTS (SELECT 1 FROM devices WHERE device_hash = ?) AS known,
              EXISTS (SELECT 1 FROM devices) AS any`,
      deviceHash,
    )
    .one();
  sql.exec(
    `INSERT INTO devices (device_hash, first_seen_at_ms, last_seen_at_ms) VALUES (?, ?, ?)
     ON CONFLICT (device_hash) DO UPDATE SET
       first_seen_at_ms = MIN(first_seen_at_ms, excluded.first_seen_at_ms),
       last_seen_at_ms = MAX(last_seen_at_ms, excluded.last_seen_at_ms)`,
    deviceHash,
    atMs,
    atMs,
  );
  return seen.known ? "known" : seen.any ? "new" : "first";
}

export function deviceFirstSeen(sql: SqlStorage): number[] {
  return sql
    .exec<{ first_seen_at_ms: number }>(`SELECT first_seen_at_ms FROM devices`)
    .toArray()
    .map((r) => r.first_seen_at_ms);
}

/** Counts a wrong code; the attempts are limited per challenge. */
export function countWrongCode(sql: SqlStorage, challengeId: string): void {
  sql.exec(
    `UPDATE step_up_challenges SET attempts = attempts + 1 WHERE challenge_id = ?`,
    challengeId,
  );
}

/** Marks a challenge used by a payout id; only an unused one. */
export function consumeChallenge(sql: SqlStorage, challengeId: string, consumedBy: string): void {
  sql.exec(
    `UPDATE step_up_challenges SET consumed_by = ? WHERE challenge_id = ? AND consumed_by IS NULL`,
    consumedBy,
    challengeId,
  );
}
