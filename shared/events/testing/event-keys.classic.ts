/**
 * The classic zod schemas the events path used before it moved to zod/mini (copied verbatim
 * from event-schema.ts, event-keys.ts and custom-event-types.ts at ab4631d, this
 * branch's base), kept only as the reference the fast-check equivalence tests hold the
 * zod/mini schemas to (events-mini.property.test.ts): same verdict, value and issues. Not
 * imported by product code.
 */
import { z } from "zod";
import { BUILT_IN_EVENT_TYPES, CUSTOM_EVENT_TYPE_PATTERN } from "./event-schema.classic";

/**
 * The keys an operator's backends sign events with (`EVENT_API_KEYS`, a secret): each has a
 * name, sent in the `Boomerang-Key` header, a signing secret that never travels (the request
 * carries only an HMAC under it, `Boomerang-Signature`), and optionally the event types it may
 * send, so a key given to the shop backend cannot send deposits. Several keys may share a name
 * while a secret rotates: the signature may match either.
 *
 * @example
 * EVENT_API_KEYS='[{"name":"shop","secret":"…32+ chars…","eventTypes":["purchase.completed"]}]'
 */
export interface EventKey {
  name: string;
  secret: string;
  /** null: every type. */
  eventTypes: ReadonlySet<string> | null;
}

const MAX_EVENT_KEYS = 32;
const MIN_SECRET_CHARS = 32;

const EventTypeSchema = z
  .string()
  .refine(
    (type) =>
      (BUILT_IN_EVENT_TYPES as string[]).includes(type) || CUSTOM_EVENT_TYPE_PATTERN.test(type),
    "a built-in event type or custom.<name>",
  );

const KeyListSchema = z
  .array(
    z.strictObject({
      name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "a lowercase slug of up to 32 chars"),
      secret: z.string().min(MIN_SECRET_CHARS).max(512),
      eventTypes: z.array(EventTypeSchema).min(1).max(64).optional(),
    }),
  )
  .max(MAX_EVENT_KEYS);

/** EVENT_API_KEYS does not describe a key list; the message never quotes a secret. */
export class EventKeysConfigError extends Error {
  constructor(detail: string) {
    super(`EVENT_API_KEYS is not valid: ${detail}`);
    this.name = "EventKeysConfigError";
  }
}

const parsedCache = new Map<string, EventKey[]>();

/** The configured keys (parsed once per isolate per value); none when unset. */
export function eventKeys(config: string | undefined): EventKey[] {
  if (!config) return [];
  const cached = parsedCache.get(config);
  if (cached) return cached;
  let json: unknown;
  try {
    json = JSON.parse(config);
  } catch {
    throw new EventKeysConfigError("not JSON");
  }
  const parsed = KeyListSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EventKeysConfigError(`${issue?.path.join(".")}: ${issue?.message}`);
  }
  const keys = parsed.data.map((entry) => ({
    name: entry.name,
    secret: entry.secret,
    eventTypes: entry.eventTypes ? new Set(entry.eventTypes) : null,
  }));
  parsedCache.clear();
  parsedCache.set(config, keys);
  return keys;
}

/** Every key configured under `name` (one, or two while its secret rotates). */
export function keysNamed(keys: EventKey[], name: string): EventKey[] {
  return keys.filter((key) => key.name === name);
}
