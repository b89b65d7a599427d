import { createLogger, errorFields } from "#shared/observability/logger";
import {
  type ArchivedBody,
  archiveKeyFor,
  archiveLines,
  gzip,
  takeWithinBytes,
} from "./archive-format";
import type { PostbackRetention } from "./policy";
import {
  archiveKeysBefore,
  archiveStillNeeded,
  deleteArchivedRows,
  deleteOldestBefore,
  markArchived,
  unarchivedBefore,
} from "./store";

const log = createLogger({ worker: "api", feature: "retention" });
const DAY_MS = 86_400_000;

/**
 * Bounds on one run: work per cron tick is capped whatever the backlog, and what is left is
 * picked up by the next tick (`more` in the report says so).
 */
export const RETENTION_RUN_LIMITS = {
  /** Rows per DELETE statement. */
  deleteBatchRows: 500,
  /** DELETE statements per kind per run. */
  maxDeleteBatches: 20,
  /** Rows per archive object. */
  archiveBatchRows: 200,
  /** Raw-body bytes per archive object (before compression). */
  archiveBatchMaxBytes: 4 * 1024 * 1024,
  /** Archive objects written per run. */
  maxArchiveBatches: 10,
  /** Expired archive objects considered per run. */
  maxExpiredObjects: 20,
};

export type RetentionRunLimits = typeof RETENTION_RUN_LIMITS;

export interface RetentionReport {
  rejectedDeleted: number;
  archivedRows: number;
  archiveObjectsWritten: number;
  acceptedDeleted: number;
  archiveObjectsDeleted: number;
  /** True when a bound stopped the run with work left for the next one. */
  more: boolean;
}

/** What the job needs: the D1 database and the archive bucket. */
export interface RetentionBindings {
  DB: D1Database;
  POSTBACK_ARCHIVE: R2Bucket;
}

/**
 * The postback retention job, run by cron (`CRONS.postbackRetention`) with the trigger's
 * scheduled time as `nowMs`: deletes expired rejected postbacks, moves old accepted bodies to
 * R2, and deletes accepted postbacks (and their archive objects) past the audit period. Each
 * step is idempotent: a re-run, or a run after a crash mid-batch, repeats nothing harmful.
 *
 * @example
 * const report = await runPostbackRetention(env, postbackRetentionOf(env), Date.now());
 */
export async function runPostbackRetention(
  env: RetentionBindings,
  policy: PostbackRetention,
  nowMs: number,
  limits: RetentionRunLimits = RETENTION_RUN_LIMITS,
): Promise<RetentionReport> {
  const rejected = await deleteInBatches(limits, (limit) =>
    deleteOldestBefore(env.DB, "rejected", nowMs - policy.rejectedKeepDays * DAY_MS, limit),
  );
  const archived = await archiveOldBodies(env, nowMs - policy.archiveAfterDays * DAY_MS, limits);
  const expired = await expireAccepted(env, nowMs - policy.acceptedKeepDays * DAY_MS, limits);
  return {
    rejectedDeleted: rejected.deleted,
    archivedRows: archived.rows,
    archiveObjectsWritten: archived.objects,
    acceptedDeleted: expired.rows,
    archiveObjectsDeleted: expired.objects,
    more: rejected.more || archived.more || expired.more,
  };
}

async function deleteInBatches(
  limits: RetentionRunLimits,
  deleteBatch: (limit: number) => Promise<number>,
): Promise<{ deleted: number; more: boolean }> {
  let deleted = 0;
  for (let batch = 0; batch < limits.maxDeleteBatches; batch++) {
    const n = await deleteBatch(limits.deleteBatchRows);
    deleted += n;
    if (n < limits.deleteBatchRows) return { deleted, more: false };
  }
  return { deleted, more: true };
}

/**
 * Moves raw bodies of accepted rows received before `beforeMs` to R2, one object per batch:
 * the object is written first under a key derived from its content, then the rows point to
 * it and drop their body in one D1 batch. A crash between the two leaves the rows as they
 * were; the next run writes the same object again and then updates them.
 */
async function archiveOldBodies(
  env: RetentionBindings,
  beforeMs: number,
  limits: RetentionRunLimits,
): Promise<{ rows: number; objects: number; more: boolean }> {
  let rows = 0;
  let objects = 0;
  for (let batch = 0; batch < limits.maxArchiveBatches; batch++) {
    const candidates = await unarchivedBefore(env.DB, beforeMs, limits.archiveBatchRows);
    const bodies: ArchivedBody[] = takeWithinBytes(candidates, limits.archiveBatchMaxBytes);
    if (bodies.length === 0) return { rows, objects, more: false };
    const ndjson = archiveLines(bodies);
    const key = await archiveKeyFor(bodies, ndjson);
    await env.POSTBACK_ARCHIVE.put(key, await gzip(ndjson), {
      httpMetadata: { contentType: "application/gzip" },
      customMetadata: { format: "ndjson", rows: String(bodies.length) },
    });
    rows += await markArchived(
      env.DB,
      key,
      bodies.map((b) => b.id),
    );
    objects++;
    if (candidates.length < limits.archiveBatchRows && bodies.length === candidates.length) {
      return { rows, objects, more: false };
    }
  }
  return { rows, objects, more: true };
}

/**
 * Deletes accepted rows past the audit period. An archive object goes only when none of its
 * rows is still kept, and before its rows (a crash in between leaves rows that point to a
 * deleted object, already past the period, which the next run deletes).
 */
async function expireAccepted(
  env: RetentionBindings,
  beforeMs: number,
  limits: RetentionRunLimits,
): Promise<{ rows: number; objects: number; more: boolean }> {
  let rows = 0;
  let objects = 0;
  const keys = await archiveKeysBefore(env.DB, beforeMs, limits.maxExpiredObjects);
  for (const key of keys) {
    if (await archiveStillNeeded(env.DB, key, beforeMs)) continue;
    try {
      await env.POSTBACK_ARCHIVE.delete(key);
    } catch (error) {
      log.error("retention.archive_delete_failed", { key, ...errorFields(error) });
      continue;
    }
    rows += await deleteArchivedRows(env.DB, key);
    objects++;
  }
  const unarchived = await deleteInBatches(limits, (limit) =>
    deleteOldestBefore(env.DB, "accepted", beforeMs, limit, "unarchived"),
  );
  rows += unarchived.deleted;
  return { rows, objects, more: unarchived.more || keys.length === limits.maxExpiredObjects };
}
