import type { Context } from "hono";
import type { AcceptResult, IncomingEvent } from "#durable-objects/wallet/index";
import type { EventsEnv } from "#shared/env";
import { isCustomEventType } from "#shared/events/custom-data";
import { customDataSchemas } from "#shared/events/custom-event-types-config";
import { type CustomDataSchemas, checkEvent } from "#shared/events/event-check";
import { EventKeysConfigError, eventKeys, keysNamed } from "#shared/events/event-keys";
import {
  EventsBatchSchema,
  type FirstPartyEvent,
  MAX_EVENTS_BODY_BYTES,
  MAX_EVENTS_PER_REQUEST,
} from "#shared/events/event-schema";
import { EVENT_KEY_HEADER, verifyEventsSignature } from "#shared/events/event-signature";
import { readBoundedText } from "#shared/http/bounded-body";
import { AppError, fieldsFromZod, type ProblemField, toProblem } from "#shared/http/errors";
import { checkLimit, tooManyRequests } from "#shared/limits/rate-limit";
import { createLogger, errorFields } from "#shared/observability/logger";
import { SIGNATURE_HEADER } from "#shared/postback/signature";

export type EventsVariables = { requestId: string };
type EventsContext = Context<{ Bindings: EventsEnv; Variables: EventsVariables }>;

/** For requests without a `custom.*` event: the registered types are not read at all. */
const NO_CUSTOM_TYPES: CustomDataSchemas = new Map();

type ItemStatus = AcceptResult["outcome"] | "unavailable";
interface ItemResult {
  eventId: string;
  status: ItemStatus;
  problem?: ReturnType<typeof toProblem>;
}

/**
 * POST /v1/events — one event, or `{ "events": [...] }` (at most 100). Authenticated by the
 * key named in `Boomerang-Key` and the HMAC in `Boomerang-Signature`; every event is checked
 * before any is recorded, so a request with one bad event records none. Each user's events
 * are handed to that user's wallet object, which records them in one storage transaction
 * (the durable record) before the answer, and processes them after.
 */
export async function handleEvents(c: EventsContext): Promise<Response> {
  const log = createLogger({ worker: "events", requestId: c.get("requestId") });
  const contentType = c.req.header("content-type") ?? "";
  if (!/^application\/json\b/i.test(contentType)) {
    throw new AppError("unsupported_media_type", "events are sent as application/json");
  }
  const rawBody = await readBody(c.req.raw);
  const keyName = await authenticate(c, rawBody);
  const { events, batch } = await parseEvents(c, rawBody, keyName.allowed);

  const results = await record(c.env, events, keyName.name, log);
  log.info("events.recorded", {
    keyName: keyName.name,
    events: events.length,
    accepted: results.filter((r) => r.status === "accepted").length,
    duplicates: results.filter((r) => r.status === "duplicate").length,
    conflicts: results.filter((r) => r.status === "conflict").length,
    unavailable: results.filter((r) => r.status === "unavailable").length,
  });

  if (!batch) {
    const result = results[0] as ItemResult;
    if (result.status === "conflict" || result.status === "unavailable") {
      throw errorFor(result.status, result.eventId);
    }
    return c.json(
      { status: result.status, event_id: result.eventId },
      result.status === "accepted" ? 202 : 200,
    );
  }
  const failed = results.some((r) => r.status === "conflict" || r.status === "unavailable");
  return c.json({ results }, failed ? 207 : 202);
}

/** The key named in Boomerang-Key whose secret signed the body; 401 (or 429) otherwise. */
async function authenticate(
  c: EventsContext,
  rawBody: string,
): Promise<{ name: string; allowed: ReadonlySet<string> | null }> {
  let keys: ReturnType<typeof eventKeys>;
  try {
    keys = eventKeys(c.env.EVENT_API_KEYS);
  } catch (error) {
    if (!(error instanceof EventKeysConfigError)) throw error;
    createLogger({ worker: "events" }).error("events.keys_invalid", errorFields(error));
    throw new AppError("internal", "the event keys of this deployment are misconfigured");
  }
  const name = c.req.header(EVENT_KEY_HEADER) ?? "";
  const candidates = keysNamed(keys, name);
  const signature = c.req.header(SIGNATURE_HEADER) ?? null;
  let failure: AppError | null = null;
  if (candidates.length === 0) {
    failure = new AppError("unauthorized", `an event key name is required (${EVENT_KEY_HEADER})`);
  } else {
    const nowMs = Date.now();
    for (const key of candidates) {
      const check = await verifyEventsSignature(key.secret, name, rawBody, signature, nowMs);
      if (check.ok) return { name, allowed: key.eventTypes };
      failure = new AppError(
        "invalid_signature",
        SIGNATURE_DETAIL[check.reason] ?? "signature does not match",
      );
    }
  }
  const sourceIp = c.req.header("cf-connecting-ip");
  if (sourceIp) {
    const verdict = await checkLimit(c.env.EVENTS_AUTH_FAILURE_LIMITER, `ip:${sourceIp}`);
    if (!verdict.ok) {
      throw tooManyRequests(
        "too many requests from this address failed authentication; check the event key",
        verdict.retryAfterSec,
      );
    }
  }
  throw failure as AppError;
}

const SIGNATURE_DETAIL: Record<string, string> = {
  missing_signature: `missing ${SIGNATURE_HEADER} header`,
  malformed_signature: `${SIGNATURE_HEADER} must look like t=<unix seconds>,v1=<hex>`,
  stale_timestamp: "signature timestamp is outside the accepted ±5 minute window",
  bad_signature: "signature does not match",
};

/** Every event checked, or a 400 naming every problem (nothing is recorded then). */
async function parseEvents(
  c: EventsContext,
  rawBody: string,
  allowed: ReadonlySet<string> | null,
): Promise<{ events: FirstPartyEvent[]; batch: boolean }> {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw new AppError("bad_request", "the body is not valid JSON");
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new AppError("validation_failed", "send one event object, or { events: [...] }");
  }
  const batch = "events" in json;
  let raws: unknown[] = [json];
  if (batch) {
    const shape = EventsBatchSchema.safeParse(json);
    if (!shape.success) {
      throw new AppError(
        "validation_failed",
        `a batch is { events: [...] } with 1..${MAX_EVENTS_PER_REQUEST} events and nothing else`,
        fieldsFromZod(shape.error.issues),
      );
    }
    raws = shape.data.events;
  }
  const custom = await customTypesFor(c, raws);
  const events: FirstPartyEvent[] = [];
  const fields: ProblemField[] = [];
  const refused: string[] = [];
  raws.forEach((raw, index) => {
    const checked = checkEvent(raw, custom, batch ? `events.${index}` : "");
    if (!checked.ok) fields.push(...checked.fields);
    else if (allowed && !allowed.has(checked.event.type)) refused.push(checked.event.type);
    else events.push(checked.event);
  });
  if (fields.length > 0) {
    throw new AppError("validation_failed", "the event is not valid; nothing was recorded", fields);
  }
  if (refused.length > 0) {
    throw new AppError(
      "forbidden",
      `this key may not send ${[...new Set(refused)].join(", ")}; nothing was recorded`,
    );
  }
  return { events, batch };
}

/**
 * The registered custom types, read (memory → KV → D1) only when an event of the request
 * names a `custom.*` type: the hot path of built-in events never touches KV. One read per
 * request, so every event of a batch is checked against the same version of the set.
 */
async function customTypesFor(c: EventsContext, raws: unknown[]): Promise<CustomDataSchemas> {
  const anyCustom = raws.some(
    (raw) =>
      raw !== null &&
      typeof raw === "object" &&
      isCustomEventType((raw as { type?: unknown }).type),
  );
  if (!anyCustom) return NO_CUSTOM_TYPES;
  try {
    return await customDataSchemas(c.env, (p) => c.executionCtx.waitUntil(p));
  } catch (error) {
    createLogger({ worker: "events", requestId: c.get("requestId") }).error(
      "events.custom_types_unavailable",
      errorFields(error),
    );
    throw new AppError("unavailable", "custom event types could not be read; retry");
  }
}

/** Hands each user's events to their wallet, all users at once; a failed wallet → unavailable. */
async function record(
  env: EventsEnv,
  events: FirstPartyEvent[],
  keyName: string,
  log: ReturnType<typeof createLogger>,
): Promise<ItemResult[]> {
  // Per user, the events in the order sent, with where each goes back in the answer.
  const byUser = new Map<string, { incoming: IncomingEvent[]; positions: number[] }>();
  events.forEach((event, position) => {
    const group = byUser.get(event.userId) ?? { incoming: [], positions: [] };
    group.incoming.push({ event, keyName });
    group.positions.push(position);
    byUser.set(event.userId, group);
  });
  const results: ItemResult[] = new Array(events.length);
  await Promise.all(
    [...byUser].map(async ([userId, { incoming, positions }]) => {
      const items = await recordForUser(env, userId, incoming, log);
      items.forEach((item, i) => {
        results[positions[i] as number] = item;
      });
    }),
  );
  return results;
}

async function recordForUser(
  env: EventsEnv,
  userId: string,
  incoming: IncomingEvent[],
  log: ReturnType<typeof createLogger>,
): Promise<ItemResult[]> {
  try {
    const wallet = env.WALLET.get(env.WALLET.idFromName(userId));
    const accepted = await wallet.acceptEvents(userId, incoming);
    return accepted.map((r) => ({
      eventId: r.eventId,
      status: r.outcome,
      ...(r.outcome === "conflict" ? { problem: toProblem(errorFor("conflict", r.eventId)) } : {}),
    }));
  } catch (error) {
    // Not recorded means not accepted: the sender retries these (and only these).
    log.error("events.record_failed", errorFields(error));
    return incoming.map(({ event }) => ({
      eventId: event.id,
      status: "unavailable" as const,
      problem: toProblem(errorFor("unavailable", event.id)),
    }));
  }
}

function errorFor(status: "conflict" | "unavailable", eventId: string): AppError {
  return status === "conflict"
    ? new AppError(
        "idempotency_conflict",
        `event id ${eventId} was already used for a different event; nothing was recorded`,
      )
    : new AppError("unavailable", `event ${eventId} could not be recorded; retry it`);
}

async function readBody(request: Request): Promise<string> {
  const read = await readBoundedText(request.headers, request.body, MAX_EVENTS_BODY_BYTES);
  if (read.ok) return read.text;
  throw read.reason === "too_large"
    ? new AppError(
        "payload_too_large",
        `event requests are limited to ${MAX_EVENTS_BODY_BYTES} bytes`,
      )
    : new AppError("bad_request", "the body is not valid UTF-8");
}
