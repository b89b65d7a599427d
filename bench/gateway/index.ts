/**
 * Benchmark only. Like dev/gateway, the first worker of the bench's `wrangler dev` process:
 * it hands /c/* to the redirect worker and /bare/* to the bare baseline through one service
 * binding each, so both targets take the same hops and differ only in their own work.
 * Everything else (health, admin API for the demo data) goes to the api worker.
 */
interface BenchGatewayEnv {
  API: Fetcher;
  REDIRECT: Fetcher;
  BARE: Fetcher;
}

export default {
  fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname.startsWith("/c/")) return env.REDIRECT.fetch(request);
    if (pathname.startsWith("/bare/")) return env.BARE.fetch(request);
    return env.API.fetch(request);
  },
} satisfies ExportedHandler<BenchGatewayEnv>;
