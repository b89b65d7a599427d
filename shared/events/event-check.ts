import { toHex, utf8 } from "../crypto/encoding";
import type { ProblemField } from "../http/errors";
import type * as z from "../validate/zod-mini";
import {
  BUILT_IN_EVENT_DATA,
  type BuiltInEventType,
  EventEnvelopeSchema,
  type FirstPartyEvent,
  WALLET_EVENT_DATA,
  type WalletEventType,
} from "./event-schema";

/** The `data` schema of a custom type, as registered by the operator (custom-event-types.ts). */
export type CustomDataSchemas = ReadonlyMap<string, z.ZodMiniType<Record<string, unknown>>>;

export type EventCheck =
  | { ok: true; event: FirstPartyEvent }
  | { ok: false; fields: ProblemField[] };

/**
 * One event as sent → the checked event, or every problem with it (paths prefixed by
 * `prefix`, e.g. `events.3`). Custom types must be registered; their `data` is checked
 * against the registered schema. The wallet's own types (`cashback.confirmed`) pass only with
 * `walletTypes` (the simulator); a sender cannot send them.
 *
 * @example
 * checkEvent({ id: "e1", type: "user.logged_in", userId: "u1", occurredAt: "2026-12-05T10:00:00Z" }, new Map())
 * // { ok: true, event: { id: "e1", type: "user.logged_in", userId: "u1", occurredAtMs: 1796...000, data: {} } }
 */
export function checkEvent(
  raw: unknown,
  custom: CustomDataSchemas,
  prefix = "",
  options: { walletTypes?: boolean } = {},
): EventCheck {
  const at = (path: PropertyKey[]) => [prefix, ...path.map(String)].filter(Boolean).join(".");
  const envelope = EventEnvelopeSchema.safeParse(raw);
  if (!envelope.success) {
    return {
      ok: false,
      fields: envelope.error.issues.map((i) => ({
        path: at(i.path) || "(root)",
        message: i.message,
      })),
    };
  }
  const { id, type, userId, occurredAt, data } = envelope.data;
  const walletSchema = WALLET_EVENT_DATA[type as WalletEventType] as z.ZodMiniType | undefined;
  if (walletSchema && !options.walletTypes) {
    return {
      ok: false,
      fields: [
        {
          path: at(["type"]),
          message: `${type} is recorded by the wallet itself; it cannot be sent`,
        },
      ],
    };
  }
  const schema =
    BUILT_IN_EVENT_DATA[type as BuiltInEventType] ??
    walletSchema ??
    (custom.get(type) as z.ZodMiniType | undefined);
  if (!schema) {
    return {
      ok: false,
      fields: [{ path: at(["type"]), message: `custom event type ${type} is not registered` }],
    };
  }
  const checked = schema.safeParse(data);
  if (!checked.success) {
    return {
      ok: false,
      fields: checked.error.issues.map((i) => ({
        path: at(["data", ...i.path]),
        message: i.message,
      })),
    };
  }
  return {
    ok: true,
    event: {
      id,
      type,
      userId,
      occurredAtMs: Date.parse(occurredAt),
      data: checked.data as Record<string, unknown>,
    },
  };
}

/** JSON with object keys sorted at every level: equal events serialise equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * What "the same event" means for idempotency: the SHA-256 of the checked event's canonical
 * JSON. Key order, spacing and the spelling of the time zone in `occurredAt` do not matter;
 * any difference in what the event says does.
 */
export async function eventDigest(event: FirstPartyEvent): Promise<string> {
  const bytes = await crypto.subtle.digest("SHA-256", utf8.encode(canonicalJson(event)));
  return toHex(new Uint8Array(bytes));
}
