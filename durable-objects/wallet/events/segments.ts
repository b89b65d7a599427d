import { boundUserId } from "../core/meta-store";
import { insertOutbox } from "../outbox/outbox-store";

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

/**
 * Stores the list sorted and without repeats; returns it as stored. A change is published to
 * D1 (`member_segments`, which promotional sends enumerate) with a rising version kept in the
 * meta table, inside the caller's transaction; an unchanged list publishes nothing.
 */
export function saveSegments(sql: SqlStorage, segments: readonly string[]): string[] {
  const stored = [...new Set(segments)].sort();
  const before = readSegments(sql);
  if (before.length === stored.length && before.every((s, i) => s === stored[i])) return stored;
  const versionRow = sql
    .exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'segments_version'`)
    .toArray()[0];
  const version = (versionRow ? Number(versionRow.value) : 0) + 1;
  sql.exec(
    `INSERT INTO meta (key, value) VALUES ('segments_version', ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    String(version),
  );
  insertOutbox(sql, { kind: "segments", userId: boundUserId(sql), segments: stored, version });
  sql.exec(
    `INSERT INTO meta (key, value) VALUES ('segments', ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    JSON.stringify(stored),
  );
  return stored;
}
