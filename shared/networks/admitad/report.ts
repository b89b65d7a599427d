import { FieldCollector } from "../core/fields";
import { readOptions } from "../core/read-options";
import { ReportError } from "../core/report-error";
import { assertRange } from "../core/report-http";
import {
  collectPage,
  finishReportRow,
  isRecord,
  MAX_REPORT_ROWS,
  own,
  ownText,
  type ReportParse,
  type RowResult,
} from "../core/report-page";
import { AdmitadOptionsMiniSchema } from "../options-mini";
import type { NetworkSettings, ReportRange } from "../types";
import type { AdmitadOptions } from "./options";
import { admitadTime } from "./postback";
import { admitadStatus } from "./status";

/**
 * Admitad's publisher "Reports by actions":
 *
 *   GET https://api.admitad.com/statistics/actions/
 *       ?status_updated_start=DD.MM.YYYY HH:MM:SS&status_updated_end=…&limit=500&offset=0
 *   authorization: Bearer <access token with the `statistics` scope>
 *   → { "results": [ { action_id, order_id, status, cart, payment, currency, action_date,
 *                      status_updated, subid, advcampaign_id, … } ], "_meta": { count, limit, offset } }
 *
 * The range filters on `status_updated`, so a sync sees every order whose status or amount
 * changed in the window, not only new ones. Paging is limit/offset; the cursor is the next
 * offset. Assumptions: `cart` is the order amount and `payment` the publisher's commission,
 * both in `currency`; times are naive at options.reportUtcOffsetMinutes. Admitad access
 * tokens expire (OAuth2 client credentials): keeping `reportApiToken` fresh is the caller's
 * job. Line items (`positions`) are not read: their shape is not documented.
 */

/**
 * @example
 * buildAdmitadReportRequest(settings, { fromMs, toMs }, null).url
 */
export function buildAdmitadReportRequest(
  settings: NetworkSettings,
  range: ReportRange,
  cursor: string | null,
): Request {
  const options = readOptions(AdmitadOptionsMiniSchema, settings.options);
  if (!options.ok) throw new ReportError("misconfigured", options.reason);
  const token = settings.reportApiToken ?? "";
  if (token.length === 0)
    throw new ReportError("misconfigured", "admitad needs reportApiToken (an API access token)");
  assertRange(range, null, "admitad");
  const offset = cursor === null ? 0 : parseOffset(cursor);
  const url = new URL("/statistics/actions/", options.value.apiBaseUrl);
  url.searchParams.set("status_updated_start", admitadDateTime(range.fromMs, options.value));
  url.searchParams.set("status_updated_end", admitadDateTime(range.toMs, options.value));
  url.searchParams.set("limit", String(options.value.reportPageSize));
  url.searchParams.set("offset", String(offset));
  if (options.value.websiteId !== undefined)
    url.searchParams.set("website", String(options.value.websiteId));
  return new Request(url, {
    method: "GET",
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
  });
}

/**
 * Parses one "Reports by actions" page. Pure and total.
 *
 * @example
 * parseAdmitadReport(json, settings, null)
 */
export function parseAdmitadReport(
  json: unknown,
  settings: NetworkSettings,
  cursor: string | null,
): ReportParse {
  const options = readOptions(AdmitadOptionsMiniSchema, settings.options);
  if (!options.ok) return { ok: false, reason: options.reason };
  if (!isRecord(json)) return { ok: false, reason: "body is not a JSON object" };
  const rows = own(json, "results");
  const meta = own(json, "_meta");
  if (!Array.isArray(rows)) return { ok: false, reason: "results is not an array" };
  if (rows.length > MAX_REPORT_ROWS)
    return { ok: false, reason: `more than ${MAX_REPORT_ROWS} results in one page` };
  if (!isRecord(meta)) return { ok: false, reason: "_meta is missing" };
  const count = own(meta, "count");
  const offset = own(meta, "offset");
  if (!isWhole(count) || !isWhole(offset))
    return { ok: false, reason: "_meta.count and _meta.offset must be whole numbers" };
  const requested = cursor === null ? 0 : Number(cursor);
  if (offset !== requested)
    return { ok: false, reason: "_meta.offset is not the offset requested" };
  const nextOffset = offset + rows.length;
  const nextCursor = rows.length > 0 && nextOffset < count ? String(nextOffset) : null;
  return { ok: true, page: collectPage(rows, (row) => admitadRow(row, options.value), nextCursor) };
}

function admitadRow(row: unknown, options: AdmitadOptions): RowResult {
  if (!isRecord(row)) return { ok: false, orderId: null, reason: "record is not an object" };
  const rawOrder = ownText(row, "order_id") ?? ownText(row, "action_id");
  const f = new FieldCollector();
  const orderId = f.text(rawOrder, "order_id");
  const rawStatus = ownText(row, "status");
  const status = f.status(admitadStatus(rawStatus), rawStatus, "status");
  const currency = f.currency(ownText(row, "currency"), "currency");
  const isLead = (ownText(row, "action_type") ?? "").toLowerCase() === "lead";
  const cart = own(row, "cart");
  const saleAmountMinor =
    (cart === null || cart === undefined) && isLead ? 0 : f.amount(cart ?? null, currency, "cart");
  const commissionMinor = f.amount(own(row, "payment") ?? null, currency, "payment");
  const rawDate = ownText(row, "action_date");
  const occurredAtMs = f.time(
    admitadTime(rawDate, options.reportUtcOffsetMinutes),
    rawDate,
    "action_date",
  );
  const rawUpdated = ownText(row, "status_updated");
  const updatedAtMs =
    rawUpdated === null
      ? null
      : f.time(
          admitadTime(rawUpdated, options.reportUtcOffsetMinutes),
          rawUpdated,
          "status_updated",
        );
  return finishReportRow(f, rawOrder, {
    orderId,
    subId: ownText(row, "subid"),
    status,
    currency,
    saleAmountMinor,
    commissionMinor,
    lineItems: null,
    category: null,
    occurredAtMs,
    updatedAtMs,
    networkOfferRef: ownText(row, "advcampaign_id"),
  });
}

function parseOffset(cursor: string): number {
  if (!/^\d{1,9}$/.test(cursor)) throw new ReportError("bad_cursor", "admitad cursor is an offset");
  return Number(cursor);
}

function isWhole(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** "DD.MM.YYYY HH:MM:SS" at the configured offset, the format Admitad's status_updated filters take. */
function admitadDateTime(ms: number, options: AdmitadOptions): string {
  const d = new Date(ms + options.reportUtcOffsetMinutes * 60_000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}.${p(d.getUTCMonth() + 1)}.${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}
