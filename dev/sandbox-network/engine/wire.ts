import { fromBase64Url, toBase64Url, utf8, utf8Decoder } from "#shared/crypto/encoding";
import type { GenericWireBody, OrderVersion, SandboxLineItem, SandboxOrder } from "./types";

/**
 * The sandbox's wire formats: generic postback bodies (docs/postbacks.md) and report cursors.
 */

/**
 * ISO 8601 in UTC: whole seconds when the time has no milliseconds (the form most networks
 * send), otherwise with milliseconds, so two changes a few ms apart still order correctly.
 *
 * @example
 * isoTime(Date.UTC(2026, 10, 21, 8))       // "2026-11-21T08:00:00Z"
 * isoTime(Date.UTC(2026, 10, 21, 8) + 250) // "2026-11-21T08:00:00.250Z"
 */
export function isoTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return ms % 1000 === 0 ? `${iso.slice(0, 19)}Z` : iso;
}

/**
 * The generic body for one state of an order. Key order is fixed, so the same state always
 * serialises to the same bytes (and the same signature).
 *
 * @example
 * JSON.stringify(wireBody(order, order.versions.at(-1), true))
 */
export function wireBody(
  order: SandboxOrder,
  version: OrderVersion,
  extendedFields: boolean,
): GenericWireBody {
  const body: GenericWireBody = {
    order_id: order.orderId,
    sub_id: order.subId,
    status: version.status,
    currency: order.currency,
    sale_amount_minor: version.saleAmountMinor,
    commission_minor: version.commissionMinor,
    category: version.category,
    occurred_at: isoTime(order.occurredAtMs),
  };
  if (!extendedFields) return body;
  body.updated_at = isoTime(version.updatedAtMs);
  if (version.lineItems !== null) body.line_items = version.lineItems.map(wireLine);
  return body;
}

function wireLine(line: SandboxLineItem): NonNullable<GenericWireBody["line_items"]>[number] {
  return {
    ...(line.sku !== undefined ? { sku: line.sku } : {}),
    ...(line.category !== undefined ? { category: line.category } : {}),
    amount_minor: line.amountMinor,
    ...(line.commissionMinor !== undefined ? { commission_minor: line.commissionMinor } : {}),
    ...(line.quantity !== undefined ? { quantity: line.quantity } : {}),
  };
}

/** Where a report page ended: the sort key of its last row. */
export interface CursorKey {
  updatedAtMs: number;
  orderId: string;
}

/**
 * Report cursors are opaque to clients; inside they are the last row's sort key, so paging
 * is stable while orders keep changing (keyset pagination, not offsets).
 *
 * @example
 * decodeCursor(encodeCursor({ updatedAtMs: 1, orderId: "A" })) // { updatedAtMs: 1, orderId: "A" }
 */
export function encodeCursor(key: CursorKey): string {
  return toBase64Url(utf8.encode(`c1:${key.updatedAtMs}:${key.orderId}`));
}

/** Null when the text is not a cursor this sandbox issued. */
export function decodeCursor(text: string): CursorKey | null {
  if (text.length === 0 || text.length > 512) return null;
  const bytes = fromBase64Url(text);
  if (bytes === null) return null;
  let decoded: string;
  try {
    decoded = utf8Decoder.decode(bytes);
  } catch {
    return null;
  }
  const match = /^c1:(\d{1,16}):([\x21-\x7e]{1,128})$/.exec(decoded);
  if (!match) return null;
  const updatedAtMs = Number(match[1]);
  if (!Number.isSafeInteger(updatedAtMs)) return null;
  return { updatedAtMs, orderId: match[2] as string };
}

/** Report order: by update time, then order id (a total order, so pages never overlap). */
export function compareKeys(a: CursorKey, b: CursorKey): number {
  if (a.updatedAtMs !== b.updatedAtMs) return a.updatedAtMs - b.updatedAtMs;
  return a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0;
}
