import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { signEvents } from "#shared/events/event-signature";
import eventsWorker from "#workers/events/src/index";

/** Sends events through the real events worker, signed with the test keys (vitest.config.ts). */

export const EVENT_KEYS = {
  backend: { name: "test-backend", secret: "test-event-secret-0123456789abcdef0123" },
  shop: { name: "test-shop", secret: "test-shop-event-secret-0123456789abcdef" },
  rotatingNew: { name: "test-rotating", secret: "test-rotating-new-secret-0123456789abcdef" },
} as const;

export interface SendOptions {
  key?: { name: string; secret: string };
  /** null: no signature header; a string: this header as is. */
  signature?: string | null;
  timestampSec?: number;
  contentType?: string;
  headers?: Record<string, string>;
  /** The bindings the worker sees (default: the test env), e.g. to watch its KV reads. */
  env?: typeof env;
}

export async function sendEventsRaw(rawBody: string, options: SendOptions = {}): Promise<Response> {
  const key = options.key ?? EVENT_KEYS.backend;
  const timestampSec = options.timestampSec ?? Math.floor(Date.now() / 1000);
  const signature =
    options.signature !== undefined
      ? options.signature
      : await signEvents(key.secret, key.name, rawBody, timestampSec);
  const headers: Record<string, string> = {
    "content-type": options.contentType ?? "application/json",
    "boomerang-key": key.name,
    ...options.headers,
  };
  if (signature !== null) headers["boomerang-signature"] = signature;
  const ctx = createExecutionContext();
  const response = await eventsWorker.fetch(
    new Request("https://events.test/v1/events", {
      method: "POST",
      headers,
      body: rawBody,
    }) as Request<unknown, IncomingRequestCfProperties>,
    options.env ?? env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

export function sendEvents(body: unknown, options: SendOptions = {}): Promise<Response> {
  return sendEventsRaw(JSON.stringify(body), options);
}

let counter = 0;
/** A unique event id per call, so tests never share state. */
export function eventId(prefix = "evt"): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

export function purchase(userId: string, id: string, amountMinor = 120_000, extra = {}) {
  return {
    id,
    type: "purchase.completed",
    userId,
    occurredAt: "2026-11-20T10:00:00Z",
    data: { amountMinor, currency: "INR", orderId: `ord-${id}`, ...extra },
  };
}
