import { type Context, Hono } from "hono";
import { getNetworkConfig } from "#shared/config/config-read";
import type { PostbackEnv } from "#shared/env";
import { readBoundedText } from "#shared/http/bounded-body";
import { drainingUnreadBody } from "#shared/http/drain-body";
import { AppError, problemResponse } from "#shared/http/errors";
import { newId } from "#shared/ids";
import type { PostbackMessage } from "#shared/messages";
import { adapterFor } from "#shared/networks/registry";
import type { PostbackRequest } from "#shared/networks/types";
import { createLogger, requestIdOf } from "#shared/observability/logger";
import { postbackShardKey, queueFor } from "#shared/queues/shards";

/**
 * Benchmark only (`npm run bench:intake`): the postback intake cut into stages, each stage the
 * one before plus the next thing `workers/postback/src/intake.ts` does, with the same shared
 * code, so the cost of each can be read off in one runtime beside the real worker and the
 * bare route. `POST /stage/<n>/postback/:network`:
 *
 * 0. the worker's frame: request-id middleware, the draining wrapper, the bounded body read
 * 1. + the network's config (isolate cache) and the header copy
 * 2. + the adapter's parse: signature check (HMAC) and body validation
 * 3. + the queue message and its send
 * 4. + the log line (everything the real route does)
 */
type StageEnv = { Bindings: PostbackEnv; Variables: { requestId: string } };
const app = new Hono<StageEnv>();
app.use(async (c, next) => {
  c.set("requestId", requestIdOf(c.req.raw));
  await next();
});
const stageRoute = async (c: Context<StageEnv>) => {
  const stage = Number(c.req.param("stage"));
  const networkId = c.req.param("network") ?? "";
  const receivedAtMs = Date.now();
  const read = await readBoundedText(c.req.raw.headers, c.req.raw.body, 16 * 1024);
  if (!read.ok) throw new AppError("bad_request", "body");
  const rawBody = read.text;
  if (stage < 1) return c.json({ status: "accepted" }, 202);
  const network = await getNetworkConfig(c.env, networkId, (p) => c.executionCtx.waitUntil(p));
  const adapter = network ? adapterFor(network.postbackFormat) : null;
  if (!network || !adapter) throw new AppError("not_found", "network");
  const headers: Record<string, string> = {};
  for (const [name, value] of c.req.raw.headers) headers[name] = value;
  if (stage < 2) return c.json({ status: "accepted" }, 202);
  const request: PostbackRequest = {
    method: "POST",
    url: c.req.url,
    headers,
    rawBody,
    sourceIp: headers["cf-connecting-ip"] ?? null,
    receivedAtMs,
  };
  const parsed = await adapter.parsePostback(request, {
    networkId,
    postbackSecret: network.postbackSecret,
    options: network.options,
  });
  if (!parsed.ok) throw new AppError("invalid_signature", parsed.reason);
  if (stage < 3) return c.json({ status: "accepted" }, 202);
  const postbackId = newId("postback", receivedAtMs);
  const message: PostbackMessage = {
    kind: "postback",
    postbackId,
    networkId,
    receivedAtMs,
    verdict: "accepted",
    rejectReason: null,
    rawBody,
    signatureHeader: headers["boomerang-signature"] ?? null,
    sourceIp: request.sourceIp,
    conversions: parsed.conversions,
    requestId: c.get("requestId"),
  };
  await queueFor<PostbackMessage>(c.env, "POSTBACKS", postbackShardKey(message)).send(message);
  if (stage < 4) return c.json({ status: "accepted", postback_id: postbackId }, 202);
  createLogger({ worker: "postback", requestId: c.get("requestId"), networkId, postbackId }).info(
    "postback.recorded",
    { verdict: "accepted", conversions: 1, sizeChars: rawBody.length },
  );
  return c.json({ status: "accepted", postback_id: postbackId }, 202);
};
app.post("/stage/:stage/postback/:network", stageRoute);
// The same stages from the copy bundled without esbuild's keep-names (wrangler-no-keep-names.toml).
app.post("/stage-nk/:stage/postback/:network", stageRoute);
app.onError((error) => problemResponse(error));

export default { fetch: drainingUnreadBody(app.fetch) } satisfies ExportedHandler<PostbackEnv>;
