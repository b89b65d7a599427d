import type { RollupChunk } from "#durable-objects/wallet/index";
import type { ApiEnv } from "#shared/env";
import type { ClickMessage } from "#shared/messages";
import { walletOf } from "../wallet-client";

/**
 * Clicks consumer. Each click is stored in its user's wallet object, where attribution
 * looks for it; click storage therefore grows with users across many objects instead of
 * piling into one D1 database. D1 only gets per-offer, per-day counts, added in one batch
 * per message batch and guarded by chunk keys so redelivery never double-counts.
 */
const MAX_ACK_ROUNDS = 3;

export async function consumeClicks(batch: MessageBatch<ClickMessage>, env: ApiEnv): Promise<void> {
  const byUser = new Map<string, Message<ClickMessage>[]>();
  for (const message of batch.messages) {
    const list = byUser.get(message.body.userId) ?? [];
    list.push(message);
    byUser.set(message.body.userId, list);
  }

  const chunks: Array<{ userId: string; chunk: RollupChunk; messages: Message<ClickMessage>[] }> =
    [];
  await Promise.all(
    [...byUser].map(async ([userId, messages]) => {
      try {
        const chunk = await walletOf(env, userId).recordClicks(
          userId,
          messages.map(({ body }) => ({
            clickId: body.clickId,
            offerId: body.offerId,
            merchantId: body.merchantId,
            networkId: body.networkId,
            clickedAtMs: body.clickedAtMs,
            currency: body.currency,
            terms: body.terms,
            returnWindowDays: body.returnWindowDays,
            boosts: body.boosts ?? [],
          })),
        );
        if (chunk) chunks.push({ userId, chunk, messages });
        else for (const m of messages) m.ack();
      } catch (error) {
        console.error("click store failed", { error: String(error) });
        for (const m of messages) m.retry({ delaySeconds: 5 });
      }
    }),
  );
  if (chunks.length === 0) return;

  try {
    await applyRollups(
      env,
      chunks.map(({ userId, chunk }) => ({ userId, chunk })),
    );
  } catch (error) {
    // Clicks are stored; the open chunks will be offered again on redelivery.
    console.error("click rollup write failed", { error: String(error) });
    for (const { messages } of chunks) for (const m of messages) m.retry({ delaySeconds: 10 });
    return;
  }

  await Promise.all(
    chunks.map(async ({ userId, chunk, messages }) => {
      try {
        let next: RollupChunk | null = await walletOf(env, userId).ackRollupChunk(chunk.chunkId);
        for (let round = 1; next && round < MAX_ACK_ROUNDS; round++) {
          await applyRollups(env, [{ userId, chunk: next }]);
          next = await walletOf(env, userId).ackRollupChunk(next.chunkId);
        }
        for (const m of messages) m.ack();
      } catch (error) {
        console.error("click rollup ack failed", { error: String(error) });
        for (const m of messages) m.retry({ delaySeconds: 10 });
      }
    }),
  );
}

/** D1 allows 100 bound parameters per statement; each statement here binds 4 or 2. */
async function applyRollups(env: ApiEnv, chunks: Array<{ userId: string; chunk: RollupChunk }>) {
  const nowMs = Date.now();
  const statements: D1PreparedStatement[] = [];
  for (const { userId, chunk } of chunks) {
    const chunkKey = `${userId}:${chunk.chunkId}`;
    for (const count of chunk.counts) {
      statements.push(
        env.DB.prepare(
          `INSERT INTO click_rollups (offer_id, day, clicks)
           SELECT ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM rollup_applied WHERE chunk_key = ?4)
           ON CONFLICT (offer_id, day) DO UPDATE SET clicks = clicks + excluded.clicks`,
        ).bind(count.offerId, count.day, count.clicks, chunkKey),
      );
    }
    statements.push(
      env.DB.prepare(
        `INSERT INTO rollup_applied (chunk_key, applied_at_ms) VALUES (?1, ?2) ON CONFLICT DO NOTHING`,
      ).bind(chunkKey, nowMs),
    );
  }
  // One batch is one D1 transaction: counts and their guard commit together.
  await env.DB.batch(statements);
}
