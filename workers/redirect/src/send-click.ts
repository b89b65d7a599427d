import type { RedirectEnv } from "#shared/env";
import type { ClicksQueueMessage } from "#shared/messages";
import { createLogger, errorFields } from "#shared/observability/logger";
import { clickShardKey, queueFor } from "#shared/queues/shards";

/**
 * Sends an offer or referral click to the CLICKS queue, in `waitUntil`, with one retry. A send
 * that fails twice is logged without personal data (`fields` name the click, never the user);
 * the signed sub-ID or attribution token still carries the click to whoever gets it back.
 *
 * @example
 * c.executionCtx.waitUntil(sendClick(c.env, click, "click.enqueue_failed", { clickId, offerId }));
 */
export async function sendClick(
  env: RedirectEnv,
  message: ClicksQueueMessage,
  failureEvent: string,
  fields: Record<string, string>,
): Promise<void> {
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      await queueFor<ClicksQueueMessage>(env, "CLICKS", clickShardKey(message)).send(message);
      return;
    } catch (error) {
      if (attempt === 2) {
        createLogger({ worker: "redirect", requestId: message.requestId }).error(failureEvent, {
          ...fields,
          ...errorFields(error),
        });
      }
    }
  }
}
