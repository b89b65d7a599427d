/**
 * Development only. `wrangler dev` with several configs serves just the first worker over
 * HTTP; this gateway is that first worker and hands each request to the worker that owns
 * its path, so the whole system answers on one local port. In production each worker has
 * its own hostname (see docs/operations.md) and this file is not deployed.
 */
interface GatewayEnv {
  API: Fetcher;
  REDIRECT: Fetcher;
  POSTBACK: Fetcher;
}

export default {
  fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname.startsWith("/c/")) return env.REDIRECT.fetch(request);
    if (pathname.startsWith("/postback/")) return env.POSTBACK.fetch(request);
    return env.API.fetch(request);
  },
} satisfies ExportedHandler<GatewayEnv>;
