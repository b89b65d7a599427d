import { type DbRouterEnv, globalDb } from "#shared/db/router";
import type { MoveProgress } from "./progress";

/** A move of the user databases as stored in `user_db_moves` (global). */
export interface StoredMove {
  id: string;
  fromShards: number;
  toShards: number;
  progress: MoveProgress;
  rev: number;
  createdAtMs: number;
  updatedAtMs: number;
  finishedAtMs: number | null;
  /** Set with `finishedAtMs` when the move was cancelled before its flip. */
  cancelledAtMs: number | null;
}

interface MoveRow {
  id: string;
  from_shards: number;
  to_shards: number;
  progress: string;
  rev: number;
  created_at_ms: number;
  updated_at_ms: number;
  finished_at_ms: number | null;
  cancelled_at_ms: number | null;
}

const fromRow = (r: MoveRow): StoredMove => ({
  id: r.id,
  fromShards: r.from_shards,
  toShards: r.to_shards,
  progress: JSON.parse(r.progress) as MoveProgress,
  rev: r.rev,
  createdAtMs: r.created_at_ms,
  updatedAtMs: r.updated_at_ms,
  finishedAtMs: r.finished_at_ms,
  cancelledAtMs: r.cancelled_at_ms,
});

/**
 * Inserts a move unless one is open; answers whether it did (one statement, so two operators
 * starting a move at once get one).
 */
export async function insertMove(env: DbRouterEnv, move: StoredMove): Promise<boolean> {
  const result = await globalDb(env)
    .prepare(
      `INSERT INTO user_db_moves (id, from_shards, to_shards, progress, rev, created_at_ms, updated_at_ms)
       SELECT ?, ?, ?, ?, 0, ?, ? WHERE NOT EXISTS (SELECT 1 FROM user_db_moves WHERE finished_at_ms IS NULL)`,
    )
    .bind(
      move.id,
      move.fromShards,
      move.toShards,
      JSON.stringify(move.progress),
      move.createdAtMs,
      move.createdAtMs,
    )
    .run();
  return result.meta.changes === 1;
}

export async function readMove(env: DbRouterEnv, id: string): Promise<StoredMove | null> {
  const row = await globalDb(env)
    .prepare(`SELECT * FROM user_db_moves WHERE id = ?`)
    .bind(id)
    .first<MoveRow>();
  return row ? fromRow(row) : null;
}

/** The open move, else the newest finished one; null when there has been none. */
export async function latestMove(env: DbRouterEnv): Promise<StoredMove | null> {
  const row = await globalDb(env)
    .prepare(
      `SELECT * FROM user_db_moves ORDER BY finished_at_ms IS NOT NULL, created_at_ms DESC LIMIT 1`,
    )
    .first<MoveRow>();
  return row ? fromRow(row) : null;
}

/** The newest `limit` moves, open or closed, newest first. */
export async function listMoves(env: DbRouterEnv, limit: number): Promise<StoredMove[]> {
  const { results } = await globalDb(env)
    .prepare(`SELECT * FROM user_db_moves ORDER BY created_at_ms DESC, id DESC LIMIT ?`)
    .bind(limit)
    .run<MoveRow>();
  return results.map(fromRow);
}

/**
 * Closes an open move as cancelled if nobody saved since `rev` was read; answers whether it
 * did. A slice running meanwhile then fails its next save (the revision moved) and stops.
 */
export async function saveCancelled(
  env: DbRouterEnv,
  move: StoredMove,
  nowMs: number,
): Promise<boolean> {
  const result = await globalDb(env)
    .prepare(
      `UPDATE user_db_moves SET rev = rev + 1, updated_at_ms = ?, finished_at_ms = ?, cancelled_at_ms = ?
       WHERE id = ? AND rev = ? AND finished_at_ms IS NULL`,
    )
    .bind(nowMs, nowMs, nowMs, move.id, move.rev)
    .run();
  if (result.meta.changes !== 1) return false;
  move.rev += 1;
  move.updatedAtMs = nowMs;
  move.finishedAtMs = nowMs;
  move.cancelledAtMs = nowMs;
  return true;
}

/**
 * Saves progress if nobody saved since `rev` was read; answers whether it did. A run that
 * loses keeps nothing of its own (its pages were idempotent writes, so the winner's cursor is
 * safe to continue from).
 */
export async function saveProgress(
  env: DbRouterEnv,
  move: StoredMove,
  nowMs: number,
  finished: boolean,
): Promise<boolean> {
  const result = await globalDb(env)
    .prepare(
      `UPDATE user_db_moves SET progress = ?, rev = rev + 1, updated_at_ms = ?,
         finished_at_ms = CASE WHEN ? THEN ? ELSE finished_at_ms END
       WHERE id = ? AND rev = ?`,
    )
    .bind(JSON.stringify(move.progress), nowMs, finished ? 1 : 0, nowMs, move.id, move.rev)
    .run();
  if (result.meta.changes !== 1) return false;
  move.rev += 1;
  move.updatedAtMs = nowMs;
  if (finished) move.finishedAtMs = nowMs;
  return true;
}
