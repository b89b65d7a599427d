import type { RedirectEnv } from "#shared/env";
import type { ClickMessage } from "#shared/messages";
import { app } from "#workers/redirect/src/index";

/**
 * Benchmark only (BENCH_CLICKS=off): the redirect worker's own app, unchanged, given a
 * queue producer that accepts and drops every click. The difference from the normal run
 * is what `CLICKS.send` and everything behind it cost.
 */
const dropClicks = {
  send: async () => {},
  sendBatch: async () => {},
} as unknown as Queue<ClickMessage>;

export default {
  fetch(request, env, ctx) {
    return app.fetch(request, { ...env, CLICKS: dropClicks }, ctx);
  },
} satisfies ExportedHandler<Omit<RedirectEnv, "CLICKS">>;
