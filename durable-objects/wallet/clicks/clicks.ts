import type { StoredClick } from "../conversions/types";
import type { WalletTx } from "../core/wallet-tx";
import { hasScheduled, isDue, schedule, unscheduleKind } from "../schedule/schedule-store";
import { countRepeat } from "./click-repeats";
import {
  ackChunk,
  deleteRolledUpClicks,
  insertClick,
  oldestClickAtMs,
  openRollupChunk,
  type RollupChunk,
} from "./click-store";
import {
  MAX_CLICKS_PER_CALL,
  MAX_PRUNED_PER_RUN,
  pruneDueAtMs,
  retentionCutoffMs,
} from "./retention";

/**
 * Clicks inside one wallet: stored idempotently on click id, counted into rollup chunks that
 * the clicks consumer adds to D1 and acknowledges (exactly-once under redelivery), and pruned
 * once past retention with their rollup done.
 */

/** A click as the consumer hands it over: `hitId` is the redirect request it came from. */
export type ClickHit = StoredClick & { hitId?: string | undefined };

/**
 * Stores clicks (a repeat of a stored click is only counted: click-repeats.ts) and returns
 * the rollup chunk to add to D1; `pruneNewlyScheduled` tells the caller to arm the alarm.
 */
export function recordClicks(
  tx: WalletTx,
  userId: string,
  clicks: readonly ClickHit[],
): { chunk: RollupChunk | null; pruneNewlyScheduled: boolean } {
  if (clicks.length > MAX_CLICKS_PER_CALL) throw new RangeError("too many clicks in one call");
  tx.bindUser(userId);
  for (const { hitId, ...click } of clicks) {
    if (!insertClick(tx.sql, click, hitId ?? null)) countRepeat(tx.sql, click, hitId ?? null);
  }
  const pruneNewlyScheduled = schedulePrune(tx.sql);
  return { chunk: openRollupChunk(tx.sql), pruneNewlyScheduled };
}

/** Marks a chunk as added to D1; returns the next chunk if more clicks are waiting. */
export function ackRollupChunk(tx: WalletTx, chunkId: number): RollupChunk | null {
  ackChunk(tx.sql, chunkId);
  return openRollupChunk(tx.sql);
}

/** Keeps one prune row due when the oldest click leaves retention; true if it was added. */
export function schedulePrune(sql: SqlStorage): boolean {
  const dueAtMs = pruneDueAtMs(oldestClickAtMs(sql));
  const existed = hasScheduled(sql, "prune_clicks");
  if (dueAtMs === null) {
    unscheduleKind(sql, "prune_clicks");
    return false;
  }
  schedule(sql, "prune_clicks", "clicks", dueAtMs);
  return !existed;
}

/** Deletes clicks past retention whose rollup is done; bounded per run. */
export function pruneClicks(sql: SqlStorage, asOfMs: number): number {
  if (!isDue(sql, "prune_clicks", asOfMs)) return 0;
  const pruned = deleteRolledUpClicks(sql, retentionCutoffMs(asOfMs), MAX_PRUNED_PER_RUN);
  schedulePrune(sql);
  return pruned;
}
