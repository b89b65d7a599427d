import { desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { receivedPostbacks } from "#shared/db/schema";
import type { PostbackMessage } from "#shared/messages";
import { runInBatches } from "../../db/batch";

/** Received postbacks in D1: the audit trail of every postback, accepted or not. */

const RAW_BODY_KEEP_CHARS = 16 * 1024;

/** Records each postback once (idempotent on its id), in one batch. */
export async function recordReceived(db: D1Database, bodies: PostbackMessage[]): Promise<void> {
  const orm = drizzle(db);
  const statements = bodies.map((b) =>
    orm
      .insert(receivedPostbacks)
      .values({
        id: b.postbackId,
        networkId: b.networkId.slice(0, 64),
        receivedAtMs: b.receivedAtMs,
        verdict: b.verdict,
        rejectReason: b.rejectReason,
        orderId: b.conversions?.[0]?.orderId.slice(0, 128) ?? orderIdOf(b.rawBody),
        rawBody: b.rawBody.slice(0, RAW_BODY_KEEP_CHARS),
        signatureHeader: b.signatureHeader?.slice(0, 512) ?? null,
        sourceIp: b.sourceIp,
      })
      .onConflictDoNothing({ target: receivedPostbacks.id }),
  );
  await runInBatches(db, statements);
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

/** The audit log for the operator, newest first, optionally by verdict. */
export async function listReceivedPostbacks(
  db: D1Database,
  filter: { verdict?: "accepted" | "rejected" | undefined; limit: number },
) {
  return drizzle(db)
    .select({
      id: receivedPostbacks.id,
      networkId: receivedPostbacks.networkId,
      receivedAtMs: receivedPostbacks.receivedAtMs,
      verdict: receivedPostbacks.verdict,
      rejectReason: receivedPostbacks.rejectReason,
      orderId: receivedPostbacks.orderId,
    })
    .from(receivedPostbacks)
    .where(filter.verdict === undefined ? undefined : eq(receivedPostbacks.verdict, filter.verdict))
    .orderBy(desc(receivedPostbacks.receivedAtMs))
    .limit(filter.limit);
}
