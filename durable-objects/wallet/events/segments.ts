/**
 * The member's segments (`vip`, `students`, `beta`): names the operator gives a user so rules
 * can single them out (`user.segments` contains …). Kept in the wallet's meta table, read
 * with the event's other facts; replaced whole, so a repeated write sets the same list.
 */

/** At most this many segments per member; each a lower-case slug. */
export const MAX_SEGMENTS = 50;
export const SEGMENT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,47}$/;

export function readSegments(sql: SqlStorage): string[] {
  const row = sql
    .exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'segments'`)
    .toArray()[0];
  return row ? (JSON.parse(row.value) as string[]) : [];
}

/** Stores the list sorted and without repeats; returns it as stored. */
export function saveSegments(sql: SqlStorage, segments: readonly string[]): string[] {
  const stored = [...new Set(segments)].sort();
  sql.exec(
    `INSERT INTO meta (key, value) VALUES ('segments', ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    JSON.stringify(stored),
  );
  return stored;
}
