import { type Context, Hono } from "hono";
import { drainingUnreadBody } from "#shared/http/drain-body";
import { type SandboxEnv, sandboxConfig } from "./config";

export { SandboxNetworkObject } from "./sandbox-object";

/**
 * The sandbox affiliate network worker (dev and test only, never deployed): every
 * `/sandbox/*` request goes to the one Durable Object that holds the network's state,
 * named by the network id. See docs/sandbox.md.
 */
export const app = new Hono<{ Bindings: SandboxEnv }>();

app.get("/healthz", (c) => c.json({ ok: true, worker: "sandbox-network" }));

const toNetwork = (c: Context<{ Bindings: SandboxEnv }>) => {
  const { networkId } = sandboxConfig(c.env);
  const stub = c.env.SANDBOX_NETWORK.get(c.env.SANDBOX_NETWORK.idFromName(networkId));
  return stub.fetch(c.req.raw);
};

app.all("/sandbox/*", toNetwork);
// Admitad's and Impact's report paths are built from an origin (their apiBaseUrl option).
app.get("/statistics/actions/", toNetwork);
app.get("/Mediapartners/:sid/Actions", toNetwork);

app.notFound(
  () =>
    new Response(
      JSON.stringify({
        type: "https://boomerang.dev/problems/not_found",
        title: "not_found",
        status: 404,
        code: "not_found",
        detail: "the sandbox network answers under /sandbox/",
      }),
      { status: 404, headers: { "content-type": "application/problem+json" } },
    ),
);

export default {
  fetch: drainingUnreadBody(app.fetch),
} satisfies ExportedHandler<SandboxEnv>;
