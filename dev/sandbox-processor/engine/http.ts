import { z } from "zod";
import { readBoundedText } from "#shared/http/bounded-body";
import { PAYOUT_ID_PATTERN } from "#shared/payouts/types";
import { jsonBody, SandboxBadRequest, validate } from "../../sandbox-network/engine/problem";
import type { SandboxProcessorEngine } from "./engine";
import { SANDBOX_PROCESSOR_LIMITS as LIMITS } from "./types";
import { requestFingerprint } from "./wire";

/**
 * The sandbox processor's HTTP API (docs/sandbox.md):
 *
 *   POST /v1/payouts                          Bearer key, Idempotency-Key: <payoutId>
 *   GET  /v1/payouts/{payoutId}               Bearer key
 *   GET  /v1/reports/payouts?from=<ms>&to=<ms> Bearer key
 *   GET/POST/DELETE /control/faults · POST /control/deliver · POST /control/reset ·
 *   GET /control/state                         no auth: the sandbox is local only
 *
 * `/v1` speaks snake_case like a processor; `/control` camelCase like the engine. Errors
 * are `{ "code", "message" }` (422 adds `failure_code`; 400 adds `errors[]`).
 */

const Text = (max: number) => z.string().min(1).max(max);

const DestinationBody = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("bank"),
      accountNumber: Text(64),
      ifsc: Text(64),
      holderName: Text(140),
    })
    .strict(),
  z
    .object({
      type: z.literal("upi"),
      vpa: Text(320),
      holderName: Text(140).nullable().optional(),
    })
    .strict(),
  z.object({ type: z.literal("gift_card"), productId: Text(128), brand: Text(128) }).strict(),
]);

const CreateBody = z
  .object({
    payoutId: z.string().regex(PAYOUT_ID_PATTERN, "payoutId must be 1-64 of A-Z a-z 0-9 _ -"),
    amountMinor: z.number().int().min(1).max(LIMITS.maxAmountMinor),
    currency: z.string().regex(/^[A-Z]{3}$/, "currency must be a 3-letter ISO 4217 code"),
    destination: DestinationBody,
    metadata: z
      .object({ userId: Text(128) })
      .strict()
      .optional(),
  })
  .strict();

const TimesFault = z
  .object({ times: z.number().int().min(1).max(1_000_000) })
  .strict()
  .nullable();

const FaultsBody = z
  .object({
    down: TimesFault.optional(),
    reportDown: TimesFault.optional(),
    lostResponses: z.number().int().min(0).max(1_000_000).optional(),
    duplicateWebhooks: z.boolean().optional(),
    shuffleWebhooks: z.boolean().optional(),
  })
  .strict();

const DeliverBody = z.object({ force: z.boolean().optional() }).strict();

const EPOCH_MS = /^\d{1,16}$/;

export async function handleProcessorRequest(
  engine: SandboxProcessorEngine,
  request: Request,
): Promise<Response> {
  const url = new URL(request.url);
  const nowMs = engine.now();
  // Time passes for every caller: a status change that fell due shows in any answer.
  engine.advance(nowMs);
  const path = url.pathname;
  try {
    if (path === "/v1/payouts") {
      if (request.method !== "POST") return methodNotAllowed("POST");
      if (!engine.authorize(request.headers.get("authorization"))) return unauthorized();
      if (engine.takeDown()) return down();
      return await createPayout(engine, request, nowMs);
    }
    if (path.startsWith("/v1/payouts/")) {
      if (request.method !== "GET") return methodNotAllowed("GET");
      if (!engine.authorize(request.headers.get("authorization"))) return unauthorized();
      if (engine.takeDown()) return down();
      const id = safeDecode(path.slice("/v1/payouts/".length));
      const payout = id === null ? null : engine.payout(id);
      return payout === null
        ? error(404, "not_found", "no payout with this id")
        : json(200, payout);
    }
    if (path === "/v1/reports/payouts") {
      if (request.method !== "GET") return methodNotAllowed("GET");
      if (!engine.authorize(request.headers.get("authorization"))) return unauthorized();
      if (engine.takeReportDown()) return down();
      const from = url.searchParams.get("from") ?? "";
      const to = url.searchParams.get("to") ?? "";
      if (!EPOCH_MS.test(from) || !EPOCH_MS.test(to) || Number(from) >= Number(to)) {
        return error(400, "invalid_request", "from and to are epoch milliseconds with from < to");
      }
      return json(200, { payouts: engine.report(Number(from), Number(to)) });
    }
    if (path.startsWith("/control/")) return await control(engine, request, path);
    return error(404, "not_found", "no such route");
  } catch (failure) {
    if (failure instanceof SandboxBadRequest) {
      return json(failure.status, {
        code: failure.code,
        message: failure.message,
        ...(failure.fields.length > 0 ? { errors: failure.fields } : {}),
      });
    }
    throw failure;
  }
}

async function createPayout(
  engine: SandboxProcessorEngine,
  request: Request,
  nowMs: number,
): Promise<Response> {
  const body = validate(CreateBody, await readJson(request));
  const key = request.headers.get("idempotency-key");
  if (key === null) throw new SandboxBadRequest("the Idempotency-Key header is required");
  if (key !== body.payoutId) throw new SandboxBadRequest("Idempotency-Key must equal payoutId");
  const destination =
    body.destination.type === "upi"
      ? { ...body.destination, holderName: body.destination.holderName ?? null }
      : body.destination;
  const fingerprint = await requestFingerprint({
    payoutId: body.payoutId,
    amountMinor: body.amountMinor,
    currency: body.currency,
    destination,
    userId: body.metadata?.userId ?? null,
  });
  // Synchronous from here: two concurrent requests with one key cannot both create.
  const outcome = engine.submit(
    {
      payoutId: body.payoutId,
      amountMinor: body.amountMinor,
      currency: body.currency,
      destination,
      fingerprint,
    },
    nowMs,
  );
  switch (outcome.kind) {
    case "created":
    case "replayed":
      if (engine.takeLostResponse()) {
        return error(500, "internal", "the response was lost (injected fault)");
      }
      return json(outcome.kind === "created" ? 201 : 200, outcome.payout);
    case "conflict":
      return error(
        409,
        "idempotency_conflict",
        "a different payout was already submitted with this Idempotency-Key",
      );
    case "rejected":
      return json(422, {
        code: "payout_rejected",
        failure_code: outcome.failureCode,
        message: outcome.message,
      });
    case "limit_exceeded":
      return error(
        507,
        "limit_exceeded",
        `the sandbox holds at most ${LIMITS.maxPayouts} payouts: POST /control/reset`,
      );
  }
}

async function control(
  engine: SandboxProcessorEngine,
  request: Request,
  path: string,
): Promise<Response> {
  switch (`${request.method} ${path}`) {
    case "GET /control/faults":
      return json(200, engine.faults());
    case "POST /control/faults": {
      const patch = validate(FaultsBody, await readJson(request));
      return json(200, engine.setFaults(patch));
    }
    case "DELETE /control/faults":
      return json(200, engine.clearFaults());
    case "POST /control/deliver": {
      const body = validate(DeliverBody, await readJson(request));
      return json(200, await engine.deliverWebhooks({ force: body.force === true }));
    }
    case "POST /control/reset":
      engine.reset();
      return json(200, { reset: true, epoch: engine.epoch });
    case "GET /control/state":
      return json(200, {
        epoch: engine.epoch,
        faults: engine.faults(),
        payouts: engine.payouts(),
        webhooks: engine.pendingWebhooks().map((entry) => ({
          eventId: entry.eventId,
          type: entry.type,
          payoutId: entry.payoutId,
          attempts: entry.attempts,
          nextAttemptAtMs: entry.nextAttemptAtMs,
        })),
        nextDueAtMs: engine.nextDueAtMs(),
      });
    default:
      return error(404, "not_found", "no such route");
  }
}

/** The JSON body, or `{}` when empty; bounded, so a huge body is refused, not buffered. */
async function readJson(request: Request): Promise<unknown> {
  const body = await readBoundedText(request.headers, request.body, LIMITS.maxRequestBytes);
  if (body.ok) return jsonBody(body.text);
  if (body.reason === "not_utf8") throw new SandboxBadRequest("the body is not valid JSON");
  throw new SandboxBadRequest(
    `bodies are limited to ${LIMITS.maxRequestBytes} bytes`,
    [],
    413,
    "payload_too_large",
  );
}

function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function error(status: number, code: string, message: string): Response {
  return json(status, { code, message });
}

function unauthorized(): Response {
  return new Response(
    JSON.stringify({ code: "unauthorized", message: "a valid Bearer API key is required" }),
    {
      status: 401,
      headers: {
        "content-type": "application/json",
        "www-authenticate": 'Bearer realm="sandbox-processor"',
      },
    },
  );
}

function down(): Response {
  return new Response(
    JSON.stringify({ code: "unavailable", message: "the processor is down (injected fault)" }),
    { status: 503, headers: { "content-type": "application/json", "retry-after": "1" } },
  );
}

function methodNotAllowed(allow: string): Response {
  return new Response(
    JSON.stringify({ code: "method_not_allowed", message: `this route answers ${allow}` }),
    { status: 405, headers: { "content-type": "application/json", allow } },
  );
}
