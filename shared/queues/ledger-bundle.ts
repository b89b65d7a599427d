import type { LedgerEventMessage, LedgerQueueMessage } from "#shared/messages";

/**
 * Most UTF-8 bytes of one bundle's JSON. A queue message may carry 128 KB; the margin leaves
 * room for the platform's own framing. An event bigger than this alone is sent alone.
 */
export const MAX_BUNDLE_BYTES = 96 * 1024;

const encoder = new TextEncoder();

/**
 * Pure: one user's ledger events (in order) as the fewest queue messages: bundles of
 * consecutive events up to `maxBytes` each, a lone event sent as itself. The order across the
 * returned messages is the events' order.
 *
 * @example
 * bundleLedgerEvents("u", [a, b, c]) // [{ kind: "ledger_bundle", userId: "u", events: [a, b, c] }]
 * bundleLedgerEvents("u", [a])       // [a]
 */
export function bundleLedgerEvents(
  userId: string,
  events: readonly LedgerEventMessage[],
  maxBytes = MAX_BUNDLE_BYTES,
): LedgerQueueMessage[] {
  const bytes = events.map((event) => utf8Bytes(JSON.stringify(event)));
  return groupWithin(bytes, maxBytes).map((group) =>
    group.length === 1
      ? (events[group[0] as number] as LedgerEventMessage)
      : {
          kind: "ledger_bundle",
          userId,
          events: group.map((i) => events[i] as LedgerEventMessage),
        },
  );
}

/**
 * Pure: `bundleLedgerEvents` on events already serialised (the wallet's outbox keeps each
 * event's JSON from the moment it was published): the JSON of each message, byte for byte what
 * `JSON.stringify` makes of `bundleLedgerEvents`'s, without parsing the events again.
 *
 * @example
 * bundleLedgerEventJson("u", ['{"kind":"balances",…}', '{"kind":"transaction",…}'])
 * // ['{"kind":"ledger_bundle","userId":"u","events":[{"kind":"balances",…},{…}]}']
 */
export function bundleLedgerEventJson(
  userId: string,
  eventJson: readonly string[],
  maxBytes = MAX_BUNDLE_BYTES,
): string[] {
  const bytes = eventJson.map(utf8Bytes);
  const head = `{"kind":"ledger_bundle","userId":${JSON.stringify(userId)},"events":[`;
  return groupWithin(bytes, maxBytes).map((group) =>
    group.length === 1
      ? (eventJson[group[0] as number] as string)
      : `${head}${group.map((i) => eventJson[i]).join(",")}]}`,
  );
}

function utf8Bytes(json: string): number {
  return encoder.encode(json).length;
}

/**
 * Pure: the indexes of consecutive items, grouped so that each group's bytes (each item's plus
 * a separator, and under 100 for the bundle's own frame) stay within `maxBytes`; an item over
 * the budget alone is a group alone.
 */
function groupWithin(bytes: readonly number[], maxBytes: number): number[][] {
  const groups: number[][] = [];
  let group: number[] = [];
  let groupBytes = 0;
  for (const [i, itemBytes] of bytes.entries()) {
    const withSeparator = itemBytes + 1;
    if (group.length > 0 && groupBytes + withSeparator + 100 > maxBytes) {
      groups.push(group);
      group = [];
      groupBytes = 0;
    }
    group.push(i);
    groupBytes += withSeparator;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/**
 * Pure: the ledger events queue messages carry, in order — a bundle's events in place of the
 * bundle (messages sent before bundles existed are single events and pass through).
 */
export function unbundleLedgerEvents(
  messages: readonly LedgerQueueMessage[],
): LedgerEventMessage[] {
  return messages.flatMap((m) => (m.kind === "ledger_bundle" ? m.events : [m]));
}

/** Every ledger event kind this build projects; tsc refuses the map if a kind is missing. */
const LEDGER_EVENT_KINDS: Record<LedgerEventMessage["kind"], true> = {
  transaction: true,
  balances: true,
  claim: true,
  payout: true,
  profile: true,
  loyalty_due: true,
  referral: true,
  risk_identifiers: true,
  risk_hold: true,
  segments: true,
  points_movement: true,
};

function isKnownEvent(body: unknown): boolean {
  const kind = (body as { kind?: unknown } | null)?.kind;
  // "notice": wallet notices left in an outbox from before notices had their own queue.
  return typeof kind === "string" && (Object.hasOwn(LEDGER_EVENT_KINDS, kind) || kind === "notice");
}

/**
 * Pure: whether this build can project a message — a known event, or a bundle of known events.
 * A message a newer build sent (a kind added later, or a bundle reaching a build from before
 * bundles) is not acknowledged unread: the consumer retries it until a build that knows it
 * runs (during a gradual deploy), and the dead-letter queue keeps it after the last retry.
 */
export function isProjectableLedgerMessage(body: unknown): boolean {
  const kind = (body as { kind?: unknown } | null)?.kind;
  if (kind === "ledger_bundle") {
    const events = (body as { events?: unknown }).events;
    return Array.isArray(events) && events.length > 0 && events.every(isKnownEvent);
  }
  return isKnownEvent(body);
}

/**
 * Pure: queue messages cut into `sendBatch` calls the platform takes — at most `maxMessages`
 * messages and `maxBytes` of JSON per call (Queues: 100 messages and 256 KB per batch, 128 KB
 * per message; the margin is the platform's framing). Order is kept across the calls. A
 * message over `maxBytes` alone goes in a call of its own (the send then fails and the outbox
 * keeps it, as before, rather than silently dropping it).
 *
 * @example
 * sendBatchCalls([a, b, c], { maxMessages: 2 }) // [[a, b], [c]]
 */
export function sendBatchCalls<T>(
  bodies: readonly T[],
  { maxMessages = 100, maxBytes = 240 * 1024 }: { maxMessages?: number; maxBytes?: number } = {},
): T[][] {
  const calls: T[][] = [];
  let call: T[] = [];
  let callBytes = 0;
  for (const body of bodies) {
    const bytes = encoder.encode(JSON.stringify(body)).length;
    if (call.length > 0 && (call.length >= maxMessages || callBytes + bytes > maxBytes)) {
      calls.push(call);
      call = [];
      callBytes = 0;
    }
    call.push(body);
    callBytes += bytes;
  }
  if (call.length > 0) calls.push(call);
  return calls;
}
