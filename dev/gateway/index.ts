/**
 * Development only. `wrangler dev` with several configs serves just the first worker over
 * HTTP; this gateway is that first worker and hands each request to the worker that owns
 * its path, so the whole system answers on one local port. In production each worker has
 * its own hostname (see docs/operations.md) and this file is not deployed.
 */
import { drainingUnreadBody } from "#shared/http/drain-body";

/** workerd's service bindings can deliver a scheduled event; the type library omits it. */
type SchedulableFetcher = Fetcher & {
  scheduled(options: { scheduledTime?: Date; cron?: string }): Promise<{ outcome: string }>;
};

interface GatewayEnv {
  API: SchedulableFetcher;
  REDIRECT: Fetcher;
  POSTBACK: Fetcher;
  EVENTS: Fetcher;
  SANDBOX: Fetcher;
  SANDBOX_PROCESSOR: Fetcher;
}

const PROCESSOR_PREFIX = "/sandbox-processor";

export default {
  // `wrangler dev` runs crons only on request (/cdn-cgi/handler/scheduled), and only on the
  // first worker: this one. Pass them on to the api worker, which owns the crons.
  async scheduled(controller, env) {
    await env.API.scheduled({
      scheduledTime: new Date(controller.scheduledTime),
      cron: controller.cron,
    });
  },

  // Every body is handed on unread to the worker that owns the path; should one ever be
  // answered here instead, it is read out so the client's connection stays usable.
  fetch: drainingUnreadBody((request: Request, env: GatewayEnv) => {
    const { pathname } = new URL(request.url);
    // Tracked clicks and referral share links.
    if (pathname.startsWith("/c/") || pathname.startsWith("/r/"))
      return env.REDIRECT.fetch(request);
    if (pathname.startsWith("/postback/")) return env.POSTBACK.fetch(request);
    if (pathname.startsWith("/v1/events")) return env.EVENTS.fetch(request);
    // The sandbox affiliate network (docs/sandbox.md), so the lifecycle runs offline.
    if (pathname.startsWith("/sandbox/")) return env.SANDBOX.fetch(request);
    // The sandbox payout processor (docs/sandbox.md), reached by the api worker at
    // PAYOUT_PROCESSOR_URL; it answers at its root, so the prefix is taken off.
    if (pathname.startsWith(`${PROCESSOR_PREFIX}/`)) {
      const url = new URL(request.url);
      url.pathname = pathname.slice(PROCESSOR_PREFIX.length);
      return env.SANDBOX_PROCESSOR.fetch(new Request(url, request));
    }
    return env.API.fetch(request);
  }),
} satisfies ExportedHandler<GatewayEnv>;
