import type { Context } from "hono";
import { getNetworkConfig } from "#shared/config/config-read";
import type { NetworkConfig } from "#shared/config/offer-config";
import type { PostbackEnv } from "#shared/env";
import { readBoundedText } from "#shared/http/bounded-body";
import { AppError } from "#shared/http/errors";
import { newId, SLUG_PATTERN } from "#shared/ids";
import type { PostbackMessage } from "#shared/messages";
import { INTERNAL_ERROR } from "#shared/networks/core/guard";
import {
  isCredentialHeader,
  NO_CREDENTIALS,
  REDACTED,
  redactCredentialParams,
} from "#shared/networks/core/redact";
import { adapterFor } from "#shared/networks/registry";
import type {
  NetworkAdapter,
  NetworkSettings,
  NormalizedConversion,
  PostbackParse,
  PostbackRequest,
} from "#shared/networks/types";
import { createLogger, errorFields } from "#shared/observability/logger";
import { SIGNATURE_HEADER } from "#shared/postback/signature";
import { postbackShardKey, queueFor } from "#shared/queues/shards";
import { authFailureLimited } from "./auth-failure-limit";

export const MAX_BODY_BYTES = 16 * 1024;

/** Set per request by the worker (index.ts). */
export type PostbackVariables = { requestId: string };
type PostbackContext = Context<{ Bindings: PostbackEnv; Variables: PostbackVariables }>;
const MAX_HEADERS = 64;

type Verdict =
  | { verdict: "accepted"; conversions: NormalizedConversion[] }
  | { verdict: "rejected"; reason: string; error: AppError };

const AUTH_DETAIL: Record<string, string> = {
  missing_signature: `missing ${SIGNATURE_HEADER} header`,
  malformed_signature: `${SIGNATURE_HEADER} must look like t=<unix seconds>,v1=<hex>`,
  stale_timestamp: "signature timestamp is outside the accepted ±5 minute window",
  missing_timestamp: "the postback carries no timestamp, which this network's mapping requires",
  malformed_timestamp: "the postback's timestamp cannot be read in the mapping's format",
  bad_signature: "signature does not match",
};

/**
 * GET or POST /postback/:network — intake only. The network's adapter authenticates and
 * parses the request (generic signed JSON, Admitad, Impact, CJ or an operator template);
 * whatever arrives is recorded, with its verdict and the normalised conversions, by a
 * durable Queue send before the response. Processing happens in the api worker's consumer.
 * No D1 write here, so intake keeps up with sale-day bursts.
 */
export async function handlePostback(c: PostbackContext): Promise<Response> {
  const receivedAtMs = Date.now();
  const requestId = c.get("requestId");
  const networkId = c.req.param("network") ?? "";
  if (!SLUG_PATTERN.test(networkId)) throw new AppError("not_found", "unknown network");
  const rawBody = await readBody(c.req.raw);
  // A request for a network we do not have is noise anyone can send: answered, not recorded.
  const { network, adapter } = await resolveNetwork(c, networkId);

  const headers: Record<string, string> = {};
  let count = 0;
  // Header names come lower-cased from Headers iteration.
  for (const [name, value] of c.req.raw.headers) {
    if (++count > MAX_HEADERS) break;
    headers[name] = value;
  }
  const request: PostbackRequest = {
    method: c.req.method === "GET" ? "GET" : "POST",
    url: c.req.url,
    headers,
    rawBody,
    sourceIp: headers["cf-connecting-ip"] ?? null,
    receivedAtMs,
  };
  const settings: NetworkSettings = {
    networkId,
    postbackSecret: network.postbackSecret,
    options: network.options,
  };
  const parsed = await adapter.parsePostback(request, settings);
  if (!parsed.ok && parsed.kind === "auth") {
    // Failures only, per source IP; past the limit: 429, and nothing recorded.
    const throttled = await authFailureLimited(c.env, request.sourceIp);
    if (throttled) {
      createLogger({ worker: "postback", requestId, networkId }).warn("postback.auth_throttled", {
        reason: parsed.reason,
      });
      throw throttled;
    }
  }
  const judged = judge(parsed);
  // Token networks carry their secret in the query string or form body: never stored.
  const credentials = adapter.credentialParams?.(settings) ?? NO_CREDENTIALS;
  const postbackId = newId("postback", receivedAtMs);
  const message: PostbackMessage = {
    kind: "postback",
    postbackId,
    networkId,
    receivedAtMs,
    verdict: judged.verdict,
    rejectReason: judged.verdict === "rejected" ? judged.reason : null,
    // GET postbacks carry their data in the query string: that is what is kept for audit.
    // Of the headers, only the generic format's signature is kept (it is no credential).
    rawBody: redactCredentialParams(
      rawBody.length > 0 ? rawBody : new URL(c.req.url).search,
      credentials,
    ),
    signatureHeader: isCredentialHeader(SIGNATURE_HEADER, credentials)
      ? REDACTED
      : (headers[SIGNATURE_HEADER] ?? null),
    sourceIp: request.sourceIp,
    conversions: judged.verdict === "accepted" ? judged.conversions : [],
    requestId,
  };
  const log = createLogger({ worker: "postback", requestId, networkId, postbackId });
  try {
    await queueFor<PostbackMessage>(c.env, "POSTBACKS", postbackShardKey(message)).send(message);
  } catch (error) {
    log.error("postback.record_failed", errorFields(error));
    // Not recorded means not accepted: the network will retry.
    throw new AppError("unavailable", "the postback could not be recorded; retry later");
  }
  log.info("postback.recorded", {
    verdict: judged.verdict,
    rejectReason: message.rejectReason,
    conversions: message.conversions?.length ?? 0,
    sizeChars: rawBody.length,
  });
  if (judged.verdict === "rejected") throw judged.error;
  return c.json({ status: "accepted", postback_id: postbackId }, 202);
}

/** The active network and its adapter; a 404 for anything else. */
async function resolveNetwork(
  c: PostbackContext,
  networkId: string,
): Promise<{ network: NetworkConfig; adapter: NetworkAdapter }> {
  const network = await getNetworkConfig(c.env, networkId, (p) => c.executionCtx.waitUntil(p));
  if (!network?.active) throw new AppError("not_found", "unknown or inactive network");
  const adapter = adapterFor(network.postbackFormat);
  if (!adapter) {
    throw new AppError("not_found", "the network's postback format is not configured");
  }
  return { network, adapter };
}

/** The adapter's parse as a verdict, with the error a rejected one is answered with. */
function judge(parsed: PostbackParse): Verdict {
  if (parsed.ok) return { verdict: "accepted", conversions: parsed.conversions };
  if (parsed.kind === "auth") {
    const detail = AUTH_DETAIL[parsed.reason] ?? "the postback could not be authenticated";
    return reject(parsed.reason, new AppError("invalid_signature", detail));
  }
  // An adapter bug is ours, not the network's: ask for a retry instead of refusing the data.
  if (parsed.reason.startsWith(INTERNAL_ERROR)) {
    return reject(
      parsed.reason,
      new AppError("unavailable", "the postback could not be processed; retry later"),
    );
  }
  return reject(
    parsed.reason,
    new AppError("validation_failed", "the postback body is not valid", parsed.fields),
  );
}

function reject(reason: string, error: AppError): Verdict {
  return { verdict: "rejected", reason, error };
}

/** The body, bounded by MAX_BODY_BYTES (shared/http/bounded-body.ts). */
async function readBody(request: Request): Promise<string> {
  const read = await readBoundedText(request.headers, request.body, MAX_BODY_BYTES);
  if (read.ok) return read.text;
  throw read.reason === "too_large"
    ? new AppError("payload_too_large", `postback bodies are limited to ${MAX_BODY_BYTES} bytes`)
    : new AppError("bad_request", "the postback body is not valid UTF-8");
}
