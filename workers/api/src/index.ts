import type { ApiEnv } from "../../../shared/env";
import type { ClickMessage, LedgerEventMessage, PostbackMessage } from "../../../shared/messages";
import { createApp } from "./app";
import { consumeClicks } from "./consumers/clicks";
import { consumeLedgerEvents } from "./consumers/ledger-events";
import { consumePostbacks } from "./consumers/postbacks";
import { runConfirmationBackstop } from "./jobs/confirmation-backstop";

export { WalletDurableObject } from "../../../durable-objects/wallet/wallet-object";

const app = createApp();

/** Queue names as configured in wrangler.toml; each consumer is idempotent. */
export const QUEUES = {
  clicks: "boomerang-clicks",
  postbacks: "boomerang-postbacks",
  ledgerEvents: "boomerang-ledger-events",
} as const;

export default {
  fetch: app.fetch,

  async queue(batch, env, _ctx) {
    switch (batch.queue) {
      case QUEUES.clicks:
        return consumeClicks(batch as MessageBatch<ClickMessage>, env);
      case QUEUES.postbacks:
        return consumePostbacks(batch as MessageBatch<PostbackMessage>, env);
      case QUEUES.ledgerEvents:
        return consumeLedgerEvents(batch as MessageBatch<LedgerEventMessage>, env);
      default:
        // Unknown queue: leave the messages for their dead-letter queue rather than drop them.
        throw new Error(`no consumer for queue ${batch.queue}`);
    }
  },

  async scheduled(controller, env, ctx) {
    ctx.waitUntil(
      runConfirmationBackstop(env, controller.scheduledTime).then((report) =>
        console.log("confirmation backstop", report),
      ),
    );
  },
} satisfies ExportedHandler<ApiEnv, unknown>;
