import { AmountMinorMiniSchema } from "../../money/currency-mini";
import type { ConversionStatus, LineItem, NormalizedConversion } from "../types";

/**
 * The last step of every adapter: one function that decides whether a conversion may leave
 * the adapter. Each adapter reads its network's wire format its own way, but the invariants
 * downstream code relies on (bounded ids, 3-letter currency, safe non-negative amounts,
 * finite plausible times) are checked here once, for all of them.
 */

export const ORDER_ID_MAX_CHARS = 128;
export const SUB_ID_MAX_CHARS = 400;
export const CATEGORY_MAX_CHARS = 64;
export const SKU_MAX_CHARS = 128;
/** The catalog's bound on an offer's `networkOfferRef`, so any ref an offer can hold fits. */
export const NETWORK_OFFER_REF_MAX_CHARS = 200;
export const MAX_LINE_ITEMS = 100;
export const MAX_QUANTITY = 1_000_000;
/** Conversions before 2000 or from 2100 on are not real orders; refusing them catches unit mix-ups (ms vs s). */
export const MIN_TIME_MS = Date.UTC(2000, 0, 1);
export const MAX_TIME_MS = Date.UTC(2100, 0, 1);

const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
const CURRENCY = /^[A-Z]{3}$/;

export type FieldError = { path: string; message: string };

export type Finalized =
  | { ok: true; conversion: NormalizedConversion }
  | { ok: false; fields: FieldError[] };

export const CONVERSION_STATUSES: readonly ConversionStatus[] = [
  "pending",
  "approved",
  "cancelled",
];

/**
 * Checks a conversion an adapter assembled and returns it, or every field that is wrong.
 * `receivedAtMs`, for postbacks, caps `occurredAtMs` at the receipt time and bounds
 * `updatedAtMs` (`boundUpdateTime`): a time after receipt is the network's clock running ahead
 * (docs/postbacks.md).
 *
 * @example
 * const done = finalizeConversion(draft, request.receivedAtMs);
 * if (!done.ok) return { ok: false, kind: "malformed", reason: "invalid conversion", fields: done.fields };
 */
export function finalizeConversion(
  draft: NormalizedConversion,
  receivedAtMs: number | null = null,
): Finalized {
  const fields: FieldError[] = [];
  const orderId = draft.orderId.trim();
  if (
    orderId.length === 0 ||
    orderId.length > ORDER_ID_MAX_CHARS ||
    !PRINTABLE_ASCII.test(orderId)
  ) {
    fields.push({
      path: "orderId",
      message: `order id must be 1-${ORDER_ID_MAX_CHARS} printable ASCII characters without spaces`,
    });
  }
  const subId = draft.subId === null ? null : draft.subId.trim() || null;
  if (subId !== null && (subId.length > SUB_ID_MAX_CHARS || !PRINTABLE_ASCII.test(subId))) {
    fields.push({
      path: "subId",
      message: `sub-ID must be at most ${SUB_ID_MAX_CHARS} printable ASCII characters`,
    });
  }
  if (!CONVERSION_STATUSES.includes(draft.status)) {
    fields.push({ path: "status", message: "status must be pending, approved or cancelled" });
  }
  if (!CURRENCY.test(draft.currency)) {
    fields.push({ path: "currency", message: "currency must be a 3-letter ISO 4217 code" });
  }
  checkAmount(draft.saleAmountMinor, "saleAmountMinor", fields);
  checkAmount(draft.commissionMinor, "commissionMinor", fields);
  const category = checkCategory(draft.category, "category", fields);
  const lineItems = draft.lineItems === null ? null : checkLineItems(draft.lineItems, fields);
  let occurredAtMs = draft.occurredAtMs;
  let updatedAtMs = draft.updatedAtMs;
  if (receivedAtMs !== null && Number.isFinite(receivedAtMs)) {
    if (occurredAtMs > receivedAtMs) occurredAtMs = receivedAtMs;
    updatedAtMs = boundUpdateTime(updatedAtMs, receivedAtMs);
  }
  checkTime(occurredAtMs, "occurredAtMs", fields);
  if (updatedAtMs !== null) checkTime(updatedAtMs, "updatedAtMs", fields);
  const networkOfferRef = checkNetworkOfferRef(draft.networkOfferRef ?? null, fields);
  if (fields.length > 0) return { ok: false, fields };
  const conversion: NormalizedConversion = {
    orderId,
    subId,
    status: draft.status,
    currency: draft.currency,
    saleAmountMinor: draft.saleAmountMinor,
    commissionMinor: draft.commissionMinor,
    lineItems,
    category,
    occurredAtMs,
    updatedAtMs,
  };
  // Only when reported: a conversion without one reads exactly as before the field existed.
  if (networkOfferRef !== null) conversion.networkOfferRef = networkOfferRef;
  return { ok: true, conversion };
}

/** Trimmed; empty is "not reported"; bounded and free of control characters. */
function checkNetworkOfferRef(value: string | null, fields: FieldError[]): string | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (trimmed.length === 0) return null;
  if (trimmed.length > NETWORK_OFFER_REF_MAX_CHARS || hasControlChars(trimmed)) {
    fields.push({
      path: "networkOfferRef",
      message: `the network's offer reference must be at most ${NETWORK_OFFER_REF_MAX_CHARS} characters`,
    });
    return null;
  }
  return trimmed;
}

function checkAmount(value: number, path: string, fields: FieldError[]): void {
  if (!AmountMinorMiniSchema.safeParse(value).success) {
    fields.push({ path, message: "amount must be a whole number of minor units, 0 to 10^12" });
  }
}

function checkCategory(value: string | null, path: string, fields: FieldError[]): string | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (trimmed.length === 0) return null;
  if (trimmed.length > CATEGORY_MAX_CHARS || hasControlChars(trimmed)) {
    fields.push({ path, message: `category must be at most ${CATEGORY_MAX_CHARS} characters` });
    return null;
  }
  return trimmed;
}

function checkLineItems(items: LineItem[], fields: FieldError[]): LineItem[] {
  if (items.length > MAX_LINE_ITEMS) {
    fields.push({ path: "lineItems", message: `at most ${MAX_LINE_ITEMS} line items` });
    return [];
  }
  return items.map((item, i) => {
    const sku = item.sku === null ? null : item.sku.trim() || null;
    if (sku !== null && (sku.length > SKU_MAX_CHARS || hasControlChars(sku))) {
      fields.push({
        path: `lineItems.${i}.sku`,
        message: `sku must be at most ${SKU_MAX_CHARS} characters`,
      });
    }
    checkAmount(item.amountMinor, `lineItems.${i}.amountMinor`, fields);
    if (item.commissionMinor !== null) {
      checkAmount(item.commissionMinor, `lineItems.${i}.commissionMinor`, fields);
    }
    if (!Number.isSafeInteger(item.quantity) || item.quantity < 1 || item.quantity > MAX_QUANTITY) {
      fields.push({
        path: `lineItems.${i}.quantity`,
        message: `quantity must be 1 to ${MAX_QUANTITY}`,
      });
    }
    return {
      sku,
      category: checkCategory(item.category, `lineItems.${i}.category`, fields),
      amountMinor: item.amountMinor,
      commissionMinor: item.commissionMinor,
      quantity: item.quantity,
    };
  });
}

function hasControlChars(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function checkTime(value: number, path: string, fields: FieldError[]): void {
  if (!Number.isSafeInteger(value) || value < MIN_TIME_MS || value >= MAX_TIME_MS) {
    fields.push({ path, message: "time must be between 2000-01-01 and 2100-01-01" });
  }
}

/**
 * Quotes untrusted text for an error message: bounded, and without control characters, so a
 * hostile value cannot forge log lines or blow up a D1 row.
 *
 * @example
 * quoted("REVERSED\n") // "\"REVERSED\\n\""
 */
export function quoted(value: unknown, maxChars = 40): string {
  // Never String(object): an object without a prototype (or with a hostile toString) throws.
  const text =
    typeof value === "string"
      ? value
      : typeof value === "number" || typeof value === "boolean"
        ? String(value)
        : `<${value === null ? "null" : typeof value}>`;
  const cut = text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
  return JSON.stringify(cut);
}

/**
 * How far ahead of our clock a network's `updatedAtMs` may run and still order its updates.
 * Within it the network's own time is kept: capping it to the receipt time would turn
 * newest-wins into receipt order, and a replayed older state (received last) would overwrite
 * a newer one (the simulation's BUG-SIM-1, docs/testing.md).
 */
export const UPDATE_TIME_AHEAD_ALLOWANCE_MS = 15 * 60_000;

/**
 * A network update time as the ordering will use it: kept when at most
 * UPDATE_TIME_AHEAD_ALLOWANCE_MS after receipt; further ahead it is dropped (null), so the
 * update orders like one sent without a time (by status, then the lower amount), and a
 * far-future time can never freeze an order against every later update.
 */
export function boundUpdateTime(updatedAtMs: number | null, receivedAtMs: number): number | null {
  if (updatedAtMs === null) return null;
  return updatedAtMs > receivedAtMs + UPDATE_TIME_AHEAD_ALLOWANCE_MS ? null : updatedAtMs;
}
