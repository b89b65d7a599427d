import { z } from "zod";
import { toHex, utf8 } from "../../crypto/encoding";
import { constantTimeEqual, hmacSha256 } from "../../crypto/hmac";
import type {
  CreateResult,
  LookupResult,
  PayoutProcessor,
  PayoutRequest,
  ProcessorEvent,
  ProcessorFetcher,
  ProcessorPayout,
  ReportResult,
  WebhookResult,
} from "../processor";
import { PAYOUT_ID_PATTERN } from "../types";
import {
  errorMessageOf,
  exchange,
  parseJson,
  readBoundedBody,
  sanitizeProcessorText,
  unexpectedStatus,
} from "./http-transport";

/**
 * The adapter for the sandbox payout processor (dev/sandbox-processor/engine, docs/sandbox.md):
 * the reference for a real processor's adapter. Its wire, in short:
 *
 *   POST {base}/v1/payouts                     Bearer key, Idempotency-Key: <payoutId>
 *        201 new · 200 replay · 409 other body · 422 {failure_code, message} refused · 400 bad
 *   GET  {base}/v1/payouts/{payoutId}          200 payout · 404
 *   GET  {base}/v1/reports/payouts?from=&to=   200 {payouts: [...]} (epoch ms, [from, to))
 *   webhook: X-Sandbox-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * Nothing here logs, and no result or thrown message carries the key, the secret or a
 * destination's details.
 */

export const SANDBOX_PROCESSOR_ID = "sandbox";
export const SANDBOX_WEBHOOK_SIGNATURE_HEADER = "x-sandbox-signature";
/** Webhook bodies larger than this are refused unread. */
export const SANDBOX_WEBHOOK_MAX_BYTES = 64 * 1024;
/** A create or lookup answer larger than this is not a payout. */
export const SANDBOX_RESPONSE_MAX_BYTES = 64 * 1024;
/** A report larger than this is refused (the sandbox holds at most 10,000 payouts). */
export const SANDBOX_REPORT_MAX_BYTES = 16 * 1024 * 1024;
export const SANDBOX_DEFAULT_TIMEOUT_MS = 10_000;

export interface SandboxProcessorConfig {
  /** The processor's origin (and optional path prefix), e.g. `http://localhost:8791`. */
  baseUrl: string;
  apiKey: string;
  webhookSecret: string;
  fetcher: ProcessorFetcher;
  /** How far a webhook's signed time may be from now; default 300 s. */
  webhookToleranceSec?: number;
  /** Per request, headers and body together; default 10 s. */
  timeoutMs?: number;
}

const IsoTime = z.iso.datetime({ offset: true });
const Currency = z.string().regex(/^[A-Z]{3}$/);
const Amount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const FailureCode = z.string().min(1).max(64).nullable();

const PayoutWire = z.object({
  payout_id: z.string().regex(PAYOUT_ID_PATTERN),
  reference: z.string().min(1).max(128),
  status: z.enum(["accepted", "processing", "completed", "failed"]),
  amount_minor: Amount,
  currency: Currency,
  failure_code: FailureCode,
  created_at: IsoTime,
  updated_at: IsoTime,
});

const RejectionWire = z.object({
  failure_code: z.string().min(1).max(64),
  message: z.string().max(10_000).optional(),
});

const ReportWire = z.object({ payouts: z.array(PayoutWire).max(100_000) });

const WebhookWire = z.object({
  id: z.string().regex(/^evt_[A-Za-z0-9_-]{1,124}$/),
  type: z.enum(["payout.processing", "payout.completed", "payout.failed"]),
  created_at: IsoTime,
  data: z.object({
    payout_id: z.string().regex(PAYOUT_ID_PATTERN),
    reference: z.string().min(1).max(128),
    status: z.enum(["processing", "completed", "failed"]),
    failure_code: FailureCode,
    amount_minor: Amount,
    currency: Currency,
  }),
});

/**
 * @example
 * const processor = createSandboxProcessor({
 *   baseUrl: "http://localhost:8791",
 *   apiKey: env.SANDBOX_PROCESSOR_API_KEY,
 *   webhookSecret: env.SANDBOX_PROCESSOR_WEBHOOK_SECRET,
 *   fetcher: (request) => fetch(request),
 * });
 * const result = await processor.create({ payoutId, userId, amountMinor, currency, destination });
 */
export function createSandboxProcessor(config: SandboxProcessorConfig): PayoutProcessor {
  const base = config.baseUrl.replace(/\/+$/, "");
  if (!/^https?:\/\/[^\s]+$/.test(base)) {
    throw new RangeError("sandbox processor baseUrl must be an http(s) URL");
  }
  if (config.apiKey.length === 0) throw new RangeError("sandbox processor apiKey is empty");
  if (config.webhookSecret.length === 0) {
    throw new RangeError("sandbox processor webhookSecret is empty");
  }
  const toleranceSec = config.webhookToleranceSec ?? 300;
  const timeoutMs = config.timeoutMs ?? SANDBOX_DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(toleranceSec) || toleranceSec <= 0) {
    throw new RangeError("webhookToleranceSec must be positive");
  }
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError("timeoutMs must be a positive integer");
  }
  const auth = `Bearer ${config.apiKey}`;
  const call = (path: string, init: RequestInit, maxBytes: number) =>
    exchange(config.fetcher, `${base}${path}`, init, { maxBytes, timeoutMs });

  return {
    id: SANDBOX_PROCESSOR_ID,

    async create(request: PayoutRequest): Promise<CreateResult> {
      const answer = await call(
        "/v1/payouts",
        {
          method: "POST",
          headers: {
            authorization: auth,
            "content-type": "application/json",
            "idempotency-key": request.payoutId,
          },
          body: JSON.stringify({
            payoutId: request.payoutId,
            amountMinor: request.amountMinor,
            currency: request.currency,
            destination: request.destination,
            metadata: { userId: request.userId },
          }),
        },
        SANDBOX_RESPONSE_MAX_BYTES,
      );
      if (!answer.ok) return { kind: "unavailable", reason: answer.reason };
      const { status, text } = answer;
      if (status === 200 || status === 201) {
        const payout = parsePayout(text);
        if (payout === null) {
          return { kind: "unavailable", reason: `the processor's ${status} was not a payout` };
        }
        if (payout.payoutId !== request.payoutId) {
          return { kind: "unavailable", reason: "the processor answered for a different payout" };
        }
        return { kind: "accepted", payout };
      }
      if (status === 422) {
        const rejection = RejectionWire.safeParse(parseJson(text));
        return rejection.success
          ? {
              kind: "rejected",
              failureCode: rejection.data.failure_code,
              message: sanitizeProcessorText(rejection.data.message ?? "refused by the processor"),
            }
          : {
              kind: "rejected",
              failureCode: "rejected",
              message: "refused by the processor (422)",
            };
      }
      // Nothing was created and sending it again cannot help: refused for good.
      if (status === 400) {
        return {
          kind: "rejected",
          failureCode: "invalid_request",
          message: `the processor refused the request as invalid: ${errorMessageOf(text)}`,
        };
      }
      if (status === 409) {
        return {
          kind: "unavailable",
          reason: "idempotency conflict: the processor holds a different payout under this id",
        };
      }
      return { kind: "unavailable", reason: unexpectedStatus(status) };
    },

    async lookup(payoutId: string): Promise<LookupResult> {
      if (!PAYOUT_ID_PATTERN.test(payoutId)) return { kind: "not_found" };
      const answer = await call(
        `/v1/payouts/${encodeURIComponent(payoutId)}`,
        { method: "GET", headers: { authorization: auth } },
        SANDBOX_RESPONSE_MAX_BYTES,
      );
      if (!answer.ok) return { kind: "unavailable", reason: answer.reason };
      if (answer.status === 404) return { kind: "not_found" };
      if (answer.status !== 200)
        return { kind: "unavailable", reason: unexpectedStatus(answer.status) };
      const payout = parsePayout(answer.text);
      if (payout === null)
        return { kind: "unavailable", reason: "the processor's 200 was not a payout" };
      if (payout.payoutId !== payoutId) {
        return { kind: "unavailable", reason: "the processor answered for a different payout" };
      }
      return { kind: "found", payout };
    },

    async parseWebhook(request: Request, nowMs: number): Promise<WebhookResult> {
      const body = await readBoundedBody(request.headers, request.body, SANDBOX_WEBHOOK_MAX_BYTES);
      if (!body.ok) return { ok: false, reason: "malformed", detail: body.reason };
      const signature = parseSignatureHeader(request.headers.get(SANDBOX_WEBHOOK_SIGNATURE_HEADER));
      if (signature === null) {
        return {
          ok: false,
          reason: "bad_signature",
          detail: "missing or malformed X-Sandbox-Signature",
        };
      }
      const expected = utf8.encode(
        toHex(await hmacSha256(config.webhookSecret, `${signature.timestampSec}.${body.text}`)),
      );
      // Several v1 values may be sent while the processor rotates its secret.
      const matched = signature.candidates
        .map((candidate) => constantTimeEqual(utf8.encode(candidate), expected))
        .some(Boolean);
      if (!matched) {
        return { ok: false, reason: "bad_signature", detail: "the signature does not match" };
      }
      // Checked after the MAC, so "stale" always means a genuine webhook replayed or held back.
      if (Math.abs(nowMs / 1000 - signature.timestampSec) > toleranceSec) {
        return {
          ok: false,
          reason: "stale",
          detail: `signed more than ${toleranceSec} s from now`,
        };
      }
      const parsed = WebhookWire.safeParse(parseJson(body.text));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return {
          ok: false,
          reason: "malformed",
          detail: `invalid webhook at ${issue?.path.map(String).join(".") || "(root)"}: ${issue?.message}`,
        };
      }
      const { id, type, created_at: createdAt, data } = parsed.data;
      if (type !== `payout.${data.status}`) {
        return {
          ok: false,
          reason: "malformed",
          detail: "the event type does not match its status",
        };
      }
      const event: ProcessorEvent = {
        eventId: id,
        payoutId: data.payout_id,
        processorRef: data.reference,
        status: data.status,
        failureCode: data.failure_code,
        amountMinor: data.amount_minor,
        currency: data.currency,
        occurredAtMs: Date.parse(createdAt),
      };
      return { ok: true, event };
    },

    async report(fromMs: number, toMs: number): Promise<ReportResult> {
      if (
        !Number.isSafeInteger(fromMs) ||
        !Number.isSafeInteger(toMs) ||
        fromMs < 0 ||
        toMs <= fromMs
      ) {
        return { kind: "unavailable", reason: "the report range must be epoch ms with from < to" };
      }
      const answer = await call(
        `/v1/reports/payouts?from=${fromMs}&to=${toMs}`,
        { method: "GET", headers: { authorization: auth } },
        SANDBOX_REPORT_MAX_BYTES,
      );
      if (!answer.ok) return { kind: "unavailable", reason: answer.reason };
      if (answer.status !== 200)
        return { kind: "unavailable", reason: unexpectedStatus(answer.status) };
      const parsed = ReportWire.safeParse(parseJson(answer.text));
      if (!parsed.success)
        return { kind: "unavailable", reason: "the processor's report is malformed" };
      return { kind: "ok", payouts: parsed.data.payouts.map(toPayout) };
    },
  };
}

function parseSignatureHeader(
  header: string | null,
): { timestampSec: number; candidates: string[] } | null {
  if (header === null || header.length > 1_024) return null;
  let timestamp: string | null = null;
  const candidates: string[] = [];
  for (const piece of header.split(",")) {
    const eq = piece.indexOf("=");
    if (eq <= 0) return null;
    const key = piece.slice(0, eq).trim();
    const value = piece.slice(eq + 1).trim();
    if (key === "t") {
      if (timestamp !== null) return null;
      timestamp = value;
    } else if (key === "v1") {
      candidates.push(value);
    }
  }
  if (timestamp === null || !/^\d{1,12}$/.test(timestamp) || candidates.length === 0) return null;
  return { timestampSec: Number(timestamp), candidates };
}

function parsePayout(text: string): ProcessorPayout | null {
  const parsed = PayoutWire.safeParse(parseJson(text));
  return parsed.success ? toPayout(parsed.data) : null;
}

function toPayout(wire: z.infer<typeof PayoutWire>): ProcessorPayout {
  return {
    payoutId: wire.payout_id,
    processorRef: wire.reference,
    status: wire.status,
    amountMinor: wire.amount_minor,
    currency: wire.currency,
    failureCode: wire.failure_code,
    updatedAtMs: Date.parse(wire.updated_at),
  };
}
