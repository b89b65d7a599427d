import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { receivedPostbacks } from "#shared/db/schema";
import type { PostbackMessage } from "#shared/messages";
import { createLogger } from "#shared/observability/logger";

/** Received postbacks in D1: the audit trail of every postback, accepted or not. */

const RAW_BODY_KEEP_CHARS = 16 * 1024;
const HOUR_MS = 3_600_000;
const log = createLogger({ worker: "api", feature: "conversions" });
const dialect = new SQLiteSyncDialect();

/**
 * Records each postback once (idempotent on its id), in one batch. A rejected one is stored
 * only while its source IP has fewer than `rejectedPerSourcePerHour` rejected rows in that
 * clock hour (checked by the insert itself, so concurrent batches cannot overshoot); the rest
 * are counted in a log event, never stored. Retention (features/retention/) ages the rows.
 */
export async function recordReceived(
  db: D1Database,
  bodies: PostbackMessage[],
  bound: { rejectedPerSourcePerHour: number },
): Promise<void> {
  const received = receivedStatements(db, bodies, bound);
  if (received.statements.length === 0) return;
  received.report(await db.batch(received.statements));
}

/**
 * `recordReceived` as statements for the caller's own D1 batch (the postbacks consumer sends
 * them with the batch's order claims in one round trip); `report` takes their results, in
 * order, and logs the rejected postbacks that were not stored.
 */
export function receivedStatements(
  db: D1Database,
  bodies: PostbackMessage[],
  bound: { rejectedPerSourcePerHour: number },
): { statements: D1PreparedStatement[]; report(results: readonly D1Result[]): void } {
  const orm = drizzle(db);
  const statements = bodies.map((b) => {
    const row = {
      id: b.postbackId,
      networkId: b.networkId.slice(0, 64),
      receivedAtMs: b.receivedAtMs,
      verdict: b.verdict,
      rejectReason: b.rejectReason,
      orderId: b.conversions?.[0]?.orderId.slice(0, 128) ?? orderIdOf(b.rawBody),
      rawBody: b.rawBody.slice(0, RAW_BODY_KEEP_CHARS),
      signatureHeader: b.signatureHeader?.slice(0, 512) ?? null,
      sourceIp: b.sourceIp,
    };
    const query =
      row.verdict === "accepted"
        ? orm
            .insert(receivedPostbacks)
            .values(row)
            .onConflictDoNothing({ target: receivedPostbacks.id })
            .toSQL()
        : dialect.sqlToQuery(boundedRejectedInsert(row, bound.rejectedPerSourcePerHour));
    // Prepared by hand: drizzle's D1 batch cannot take a raw statement with parameters, and
    // each statement's `changes` says whether a rejected row was stored.
    return db.prepare(query.sql).bind(...query.params);
  });
  const report = (results: readonly D1Result[]) => {
    const notStored = new Map<string, number>();
    results.forEach((result, i) => {
      const body = bodies[i];
      if (body?.verdict !== "rejected" || changesOf(result) > 0) return;
      notStored.set(body.networkId, (notStored.get(body.networkId) ?? 0) + 1);
    });
    for (const [networkId, count] of notStored) {
      // A redelivered message is counted here too (its row exists): the number is an upper bound.
      log.warn("postback.rejected_not_stored", {
        networkId: networkId.slice(0, 64),
        notStored: count,
        boundPerSourcePerHour: bound.rejectedPerSourcePerHour,
      });
    }
  };
  return { statements, report };
}

type ReceivedRow = typeof receivedPostbacks.$inferInsert;

/** INSERT … SELECT … WHERE the source's rejected rows this hour are under the bound. */
function boundedRejectedInsert(row: ReceivedRow, perSourcePerHour: number) {
  const hourStartMs = Math.floor(row.receivedAtMs / HOUR_MS) * HOUR_MS;
  return sql`INSERT INTO ${receivedPostbacks} (id, network_id, received_at_ms, verdict,
      reject_reason, order_id, raw_body, signature_header, source_ip)
    SELECT ${row.id}, ${row.networkId}, ${row.receivedAtMs}, 'rejected', ${row.rejectReason ?? null},
      ${row.orderId ?? null}, ${row.rawBody}, ${row.signatureHeader ?? null}, ${row.sourceIp ?? null}
    WHERE (SELECT COUNT(*) FROM ${receivedPostbacks}
           WHERE verdict = 'rejected' AND source_ip IS ${row.sourceIp ?? null}
             AND received_at_ms >= ${hourStartMs} AND received_at_ms < ${hourStartMs + HOUR_MS}
          ) < ${perSourcePerHour}
    ON CONFLICT (id) DO NOTHING`;
}

function changesOf(result: unknown): number {
  return (result as { meta?: { changes?: number } } | undefined)?.meta?.changes ?? 0;
}

/** Best effort, for searching the audit log; never trusted for money. */
export function orderIdOf(rawBody: string): string | null {
  try {
    const value = (JSON.parse(rawBody) as { order_id?: unknown }).order_id;
    return typeof value === "string" ? value.slice(0, 128) : null;
  } catch {
    return null;
  }
}
