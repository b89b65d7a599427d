import { faultPoint } from "#durable-objects/shared/faults";
import type { ApiEnv } from "#shared/env";
import { CLEAN_CLICK, parseClickQuality } from "#shared/fraud/click-quality";
import type { ClickMessage, ClicksQueueMessage } from "#shared/messages";
import { createLogger, errorFields } from "#shared/observability/logger";
import { type RollupChunk, walletOf } from "../../wallet-client";
import { analyticsAfterClicks } from "../analytics/index";
import { clickObservation, reportOrKeepObservations } from "../fraud/index";
import { storeReferralClicks } from "../referrals/index";
import { applyRollups } from "./store";

const log = createLogger({ worker: "api", feature: "clicks" });
/** The request id the redirect minted for a click, when its message carries one. */
const requestIdOf = (message: Message<ClickMessage>) =>
  (message.body as { requestId?: string }).requestId;

/**
 * Clicks consumer. Each click is stored in its user's wallet object, where attribution
 * looks for it; click storage therefore grows with users across many objects instead of
 * piling into one D1 database. D1 only gets per-offer, per-day counts, added in one batch
 * per message batch and guarded by chunk keys so redelivery never double-counts.
 *
 * Referral link clicks (`kind: "referral_click"`) share the queue; they go to D1
 * `referral_clicks` in one batch of their own (features/referrals).
 */
const MAX_ACK_ROUNDS = 3;

export async function consumeClicks(
  batch: MessageBatch<ClicksQueueMessage>,
  env: ApiEnv,
): Promise<void> {
  const offerClicks: Message<ClickMessage>[] = [];
  const referralClicks: Message<unknown>[] = [];
  for (const message of batch.messages) {
    const kind = (message.body as { kind?: unknown } | null)?.kind;
    if (kind === "referral_click") referralClicks.push(message);
    else offerClicks.push(message as Message<ClickMessage>);
  }
  await Promise.all([
    referralClicks.length > 0 ? storeReferralClicks(env, referralClicks) : undefined,
    consumeOfferClicks(offerClicks, env),
  ]);
}

async function consumeOfferClicks(
  messages: readonly Message<ClickMessage>[],
  env: ApiEnv,
): Promise<void> {
  const byUser = new Map<string, Message<ClickMessage>[]>();
  for (const message of messages) {
    const list = byUser.get(message.body.userId) ?? [];
    list.push(message);
    byUser.set(message.body.userId, list);
  }

  const stored: Array<{
    userId: string;
    chunk: RollupChunk | null;
    messages: Message<ClickMessage>[];
  }> = [];
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
            confirmationPolicy: body.confirmationPolicy ?? "return_window",
            boosts: body.boosts ?? [],
            // Tells a repeat of a deduplicated click from a redelivery (wallet clicks/click-repeats.ts).
            hitId: body.requestId,
            networkOfferRef: body.networkOfferRef ?? "",
            // The edge's verdict; an older message or a malformed one is a clean click.
            quality: parseClickQuality(body.quality) ?? CLEAN_CLICK,
          })),
        );
        faultPoint("clicks.after_wallet"); // test/sim: the wallet stored them, the ack is lost
        stored.push({ userId, chunk, messages });
      } catch (error) {
        log.error("clicks.store_failed", {
          clicks: messages.length,
          requestId: messages[0] ? requestIdOf(messages[0]) : undefined,
          ...errorFields(error),
        });
        for (const m of messages) m.retry({ delaySeconds: 5 });
      }
    }),
  );
  if (stored.length === 0) return;

  // Stored, then reported for scoring in one send for the batch (docs/fraud.md "Fail-safe"):
  // a failed send keeps the observations in D1 for the cron and the clicks go on; only when
  // that write fails too are these clicks retried, which the wallet and the risk object both
  // take once.
  try {
    await reportOrKeepObservations(
      env,
      stored.flatMap(({ messages }) => messages.map(({ body }) => clickObservation(body))),
      Date.now(),
    );
  } catch {
    for (const { messages } of stored) for (const m of messages) m.retry({ delaySeconds: 5 });
    return;
  }

  const chunks: Array<{ userId: string; chunk: RollupChunk; messages: Message<ClickMessage>[] }> =
    [];
  for (const { userId, chunk, messages } of stored) {
    if (chunk) chunks.push({ userId, chunk, messages });
    else for (const m of messages) m.ack();
  }
  if (chunks.length === 0) return;

  try {
    await applyRollups(
      env.DB,
      chunks.map(({ userId, chunk }) => ({ userId, chunk })),
      Date.now(),
    );
  } catch (error) {
    // Clicks are stored; the open chunks will be offered again on redelivery.
    log.error("clicks.rollup_write_failed", { chunks: chunks.length, ...errorFields(error) });
    for (const { messages } of chunks) for (const m of messages) m.retry({ delaySeconds: 10 });
    return;
  }

  // The clicks' Analytics Engine data points (never throws); applyRollups marked their days
  // dirty for the ten-minute cron's rollup refresh (docs/analytics.md).
  analyticsAfterClicks(
    env,
    chunks.flatMap(({ messages }) => messages.map(({ body }) => body)),
  );

  await Promise.all(
    chunks.map(async ({ userId, chunk, messages }) => {
      try {
        let next: RollupChunk | null = await walletOf(env, userId).ackRollupChunk(chunk.chunkId);
        for (let round = 1; next && round < MAX_ACK_ROUNDS; round++) {
          await applyRollups(env.DB, [{ userId, chunk: next }], Date.now());
          next = await walletOf(env, userId).ackRollupChunk(next.chunkId);
        }
        for (const m of messages) m.ack();
      } catch (error) {
        log.error("clicks.rollup_ack_failed", { chunkId: chunk.chunkId, ...errorFields(error) });
        for (const m of messages) m.retry({ delaySeconds: 10 });
      }
    }),
  );
}
