import type { Context } from "hono";
import { getNetworkConfig } from "../../../shared/config/config-store";
import type { PostbackEnv } from "../../../shared/env";
import { AppError } from "../../../shared/http/errors";
import { newId, SLUG_PATTERN } from "../../../shared/ids";
import type { PostbackMessage } from "../../../shared/messages";
import { parseGenericPostback } from "../../../shared/postback/generic-format";
import { SIGNATURE_HEADER, verifyPostbackSignature } from "../../../shared/postback/signature";

export const MAX_BODY_BYTES = 16 * 1024;

type Verdict = { verdict: "accepted" } | { verdict: "rejected"; reason: string; error: AppError };

/**
 * POST /postback/:network — intake only. Whatever arrives is recorded (with its verdict)
 * by a durable Queue send before the response; processing happens in the api worker's
 * consumer. No D1 write here, so intake keeps up with sale-day bursts.
 */
export async function handlePostback(c: Context<{ Bindings: PostbackEnv }>): Promise<Response> {
  const receivedAtMs = Date.now();
  const networkId = c.req.param("network") ?? "";
  const declaredLength = Number(c.req.header("content-length") ?? "0");
  if (declaredLength > MAX_BODY_BYTES) {
    throw new AppError(
      "payload_too_large",
      `postback bodies are limited to ${MAX_BODY_BYTES} bytes`,
    );
  }
  const rawBody = await c.req.text();
  if (rawBody.length > MAX_BODY_BYTES) {
    throw new AppError(
      "payload_too_large",
      `postback bodies are limited to ${MAX_BODY_BYTES} bytes`,
    );
  }
  if (!SLUG_PATTERN.test(networkId)) throw new AppError("not_found", "unknown network");

  const signatureHeader = c.req.header(SIGNATURE_HEADER) ?? null;
  const judged = await judge(c, networkId, rawBody, signatureHeader, receivedAtMs);
  const postbackId = newId("postback", receivedAtMs);
  const message: PostbackMessage = {
    kind: "postback",
    postbackId,
    networkId,
    receivedAtMs,
    verdict: judged.verdict,
    rejectReason: judged.verdict === "rejected" ? judged.reason : null,
    rawBody,
    signatureHeader,
    sourceIp: c.req.header("cf-connecting-ip") ?? null,
  };
  try {
    await c.env.POSTBACKS.send(message);
  } catch {
    // Not recorded means not accepted: the network will retry.
    throw new AppError("unavailable", "the postback could not be recorded; retry later");
  }
  if (judged.verdict === "rejected") throw judged.error;
  return c.json({ status: "accepted", postback_id: postbackId }, 202);
}

async function judge(
  c: Context<{ Bindings: PostbackEnv }>,
  networkId: string,
  rawBody: string,
  signatureHeader: string | null,
  nowMs: number,
): Promise<Verdict> {
  const network = await getNetworkConfig(c.env, networkId, (p) => c.executionCtx.waitUntil(p));
  if (!network?.active) {
    return reject("unknown_network", new AppError("not_found", "unknown or inactive network"));
  }
  const signature = await verifyPostbackSignature(
    network.postbackSecret,
    networkId,
    rawBody,
    signatureHeader,
    nowMs,
  );
  if (!signature.ok) {
    const detail = {
      missing_signature: `missing ${SIGNATURE_HEADER} header`,
      malformed_signature: `${SIGNATURE_HEADER} must look like t=<unix seconds>,v1=<hex>`,
      stale_timestamp: "signature timestamp is outside the accepted ±5 minute window",
      bad_signature: "signature does not match",
    }[signature.reason];
    return reject(signature.reason, new AppError("invalid_signature", detail));
  }
  const parsed = parseGenericPostback(rawBody);
  if (!parsed.ok) {
    return reject(
      "malformed_body",
      new AppError("validation_failed", "the postback body is not valid", parsed.fields),
    );
  }
  return { verdict: "accepted" };
}

function reject(reason: string, error: AppError): Verdict {
  return { verdict: "rejected", reason, error };
}
