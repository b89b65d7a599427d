import { parseDecimalToMinor, parseSignedDecimalToMinor } from "../../money/decimal";
import type { FieldError } from "../core/normalize";
import { isRecord, own, ownText } from "../core/report-page";
import { parseIsoTime } from "../core/time";
import type { ConversionStatus, LineItem } from "../types";
import { cjStatus } from "./status";

/** One CJ `PublisherCommission` record, read and checked, amounts signed (corrections are negative). */
export interface CjRecord {
  commissionId: string | null;
  /** Groups an original with its corrections: the order id, or CJ's originalActionId for leads. */
  orderKey: string;
  original: boolean;
  corrected: boolean;
  status: ConversionStatus;
  saleMinor: number;
  commissionMinor: number;
  eventMs: number;
  postingMs: number;
  shopperId: string | null;
  /** The advertiser's CID: the conversion's `networkOfferRef`. */
  advertiserId: string | null;
  items: LineItem[];
}

export type CjRecordRead =
  | { ok: true; record: CjRecord }
  | { ok: false; orderKey: string | null; fields: FieldError[] };

/**
 * Reads one record of a Commission Detail page.
 *
 * @example
 * readCjRecord({ commissionId: "2292067663", orderId: "A-1", original: true, actionStatus: "new", … }, "USD")
 */
export function readCjRecord(row: unknown, currency: string): CjRecordRead {
  if (!isRecord(row))
    return {
      ok: false,
      orderKey: null,
      fields: [{ path: "(record)", message: "is not an object" }],
    };
  const fields: FieldError[] = [];
  const orderKey = ownText(row, "orderId") ?? ownText(row, "originalActionId");
  if (orderKey === null)
    fields.push({ path: "orderId", message: "orderId or originalActionId is required" });
  const original = own(row, "original");
  if (typeof original !== "boolean")
    fields.push({ path: "original", message: "must be a boolean" });
  const rawStatus = ownText(row, "actionStatus");
  const status = cjStatus(rawStatus);
  if (status === null)
    fields.push({
      path: "actionStatus",
      message: rawStatus === null ? "is required" : "unknown status",
    });
  const sale = signed(
    own(row, "saleAmountPubCurrency") ?? "0",
    currency,
    "saleAmountPubCurrency",
    fields,
  );
  const commission = signed(
    own(row, "pubCommissionAmountPubCurrency"),
    currency,
    "pubCommissionAmountPubCurrency",
    fields,
  );
  const eventMs = parseIsoTime(own(row, "eventDate"));
  if (eventMs === null) fields.push({ path: "eventDate", message: "must be an ISO 8601 instant" });
  const postingMs = parseIsoTime(own(row, "postingDate"));
  if (postingMs === null)
    fields.push({ path: "postingDate", message: "must be an ISO 8601 instant" });
  const items = readItems(own(row, "items"), currency, fields);
  if (
    fields.length > 0 ||
    orderKey === null ||
    status === null ||
    eventMs === null ||
    postingMs === null
  ) {
    return { ok: false, orderKey: orderKey?.slice(0, 128) ?? null, fields };
  }
  return {
    ok: true,
    record: {
      commissionId: ownText(row, "commissionId"),
      orderKey,
      original: original === true,
      corrected: original !== true || ownText(row, "correctionReason") !== null,
      status,
      saleMinor: sale,
      commissionMinor: commission,
      eventMs,
      postingMs,
      shopperId: ownText(row, "shopperId") ?? ownText(row, "sid"),
      advertiserId: ownText(row, "advertiserId"),
      items,
    },
  };
}

function signed(value: unknown, currency: string, path: string, fields: FieldError[]): number {
  if (value === null || value === undefined) {
    fields.push({ path, message: "is required" });
    return 0;
  }
  const parsed = parseSignedDecimalToMinor(value, currency);
  if (!parsed.ok) {
    fields.push({ path, message: parsed.message });
    return 0;
  }
  return parsed.negative ? -parsed.amountMinor : parsed.amountMinor;
}

function readItems(value: unknown, currency: string, fields: FieldError[]): LineItem[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > 100) {
    fields.push({ path: "items", message: "must be a list of at most 100 items" });
    return [];
  }
  const items: LineItem[] = [];
  value.forEach((item, i) => {
    if (!isRecord(item)) {
      fields.push({ path: `items.${i}`, message: "is not an object" });
      return;
    }
    const quantity = own(item, "quantity");
    if (
      typeof quantity !== "number" ||
      !Number.isSafeInteger(quantity) ||
      quantity < 1 ||
      quantity > 1_000_000
    ) {
      fields.push({ path: `items.${i}.quantity`, message: "must be a whole number from 1" });
      return;
    }
    const unit = parseDecimalToMinor(own(item, "perItemSaleAmountPubCurrency"), currency);
    const commission = parseDecimalToMinor(own(item, "totalCommissionPubCurrency"), currency);
    if (!unit.ok || !commission.ok) {
      fields.push({ path: `items.${i}`, message: "item amounts must be non-negative decimals" });
      return;
    }
    items.push({
      sku: ownText(item, "sku"),
      category: null,
      amountMinor: unit.amountMinor * quantity,
      commissionMinor: commission.amountMinor,
      quantity,
    });
  });
  return items;
}
