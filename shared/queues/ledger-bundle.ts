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
  const out: LedgerQueueMessage[] = [];
  let group: LedgerEventMessage[] = [];
  let groupBytes = 0;
  const close = () => {
    if (group.length === 1) out.push(group[0] as LedgerEventMessage);
    else if (group.length > 1) out.push({ kind: "ledger_bundle", userId, events: group });
    group = [];
    groupBytes = 0;
  };
  for (const event of events) {
    // The event's JSON plus its separator; the bundle's own frame is under 100 bytes.
    const bytes = encoder.encode(JSON.stringify(event)).length + 1;
    if (group.length > 0 && groupBytes + bytes + 100 > maxBytes) close();
    group.push(event);
    groupBytes += bytes;
  }
  close();
  return out;
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
