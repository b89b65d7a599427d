import { fieldsFromZod } from "../http/errors";
import type { GenericPostback } from "../postback/generic-format";
import { checkGenericPostback, parseGenericPostback } from "../postback/generic-format-mini";
import { SIGNATURE_HEADER, verifyPostbackSignature } from "../postback/signature";
import { guardPostback } from "./core/guard";
import { ipAllowed } from "./core/ip-match";
import { finalizeConversion } from "./core/normalize";
import { headerOf } from "./core/params";
import { readOptions } from "./core/read-options";
import { ReportError } from "./core/report-error";
import { assertRange, reportPageFetcher } from "./core/report-http";
import {
  collectPage,
  finishRow,
  isRecord,
  MAX_REPORT_ROWS,
  own,
  type ReportParse,
} from "./core/report-page";
import { isoSeconds, parseIsoTime } from "./core/time";
import { GenericOptionsMiniSchema } from "./options-mini";
import { trackingUrlFor } from "./tracking-urls";
import type {
  NetworkAdapter,
  NetworkSettings,
  NormalizedConversion,
  PostbackParse,
  PostbackRequest,
  ReportRange,
} from "./types";

/**
 * Boomerang's own signed JSON format (docs/postbacks.md) as an adapter: a POST whose body is
 * `GenericPostbackSchema` and whose `Boomerang-Signature` header signs timestamp, network id
 * and raw body. Its report API is the same body objects, paged:
 *
 *   GET <reportUrl>?from=<ISO>&to=<ISO>[&cursor=<opaque>]
 *   authorization: Bearer <postbackSecret>
 *   → { "conversions": [ <postback body>, … ], "next_cursor": "<opaque>" | null }
 */
export const GENERIC_FORMAT = "generic";

/** The same 16 KiB the postback worker enforces; checked again so the adapter stands alone. */
export const GENERIC_MAX_BODY_CHARS = 16 * 1024;
const MAX_CURSOR_CHARS = 512;

export const genericAdapter: NetworkAdapter = {
  format: GENERIC_FORMAT,
  buildTrackingUrl: (template, values, settings) =>
    trackingUrlFor(GENERIC_FORMAT, template, values, settings.options),
  parsePostback: (request, settings) => guardPostback(() => parseGeneric(request, settings)),
  fetchReportPage: reportPageFetcher({
    name: "generic",
    label: () => "generic network",
    build: buildGenericReportRequest,
    parse: (json, _settings, cursor) => parseGenericReport(json, cursor),
  }),
};

async function parseGeneric(
  request: PostbackRequest,
  settings: NetworkSettings,
): Promise<PostbackParse> {
  const options = readOptions(GenericOptionsMiniSchema, settings.options);
  if (!options.ok) return { ok: false, kind: "auth", reason: options.reason };
  if (settings.postbackSecret.length === 0) {
    return { ok: false, kind: "auth", reason: "misconfigured: the network has no postback secret" };
  }
  if (
    options.value.ipAllowlist.length > 0 &&
    !ipAllowed(request.sourceIp, options.value.ipAllowlist)
  ) {
    return {
      ok: false,
      kind: "auth",
      reason: request.sourceIp === null ? "ip_unknown" : "ip_not_allowed",
    };
  }
  if (request.rawBody.length > GENERIC_MAX_BODY_CHARS) {
    return { ok: false, kind: "malformed", reason: "body_too_large" };
  }
  // Signature before method and body: an unsigned request learns nothing about what we accept.
  const signature = await verifyPostbackSignature(
    settings.postbackSecret,
    settings.networkId,
    request.rawBody,
    headerOf(request, SIGNATURE_HEADER),
    request.receivedAtMs,
  );
  if (!signature.ok) return { ok: false, kind: "auth", reason: signature.reason };
  if (request.method !== "POST") {
    return { ok: false, kind: "malformed", reason: "generic postbacks are POST requests" };
  }
  const parsed = parseGenericPostback(request.rawBody);
  if (!parsed.ok)
    return { ok: false, kind: "malformed", reason: "malformed_body", fields: parsed.fields };
  const done = finalizeConversion(fromGenericBody(parsed.value), request.receivedAtMs);
  if (!done.ok)
    return { ok: false, kind: "malformed", reason: "malformed_body", fields: done.fields };
  return { ok: true, conversions: [done.conversion] };
}

/**
 * A validated generic body as a normalised conversion (before `finalizeConversion`).
 *
 * @example
 * fromGenericBody({ order_id: "ORD-1", sub_id, status: "pending", currency: "INR", … })
 */
export function fromGenericBody(body: GenericPostback): NormalizedConversion {
  return {
    orderId: body.order_id,
    subId: body.sub_id,
    status: body.status,
    currency: body.currency,
    saleAmountMinor: body.sale_amount_minor,
    commissionMinor: body.commission_minor,
    lineItems:
      body.line_items?.map((line) => ({
        sku: line.sku ?? null,
        category: line.category ?? null,
        amountMinor: line.amount_minor,
        commissionMinor: line.commission_minor ?? null,
        quantity: line.quantity ?? 1,
      })) ?? null,
    category: body.category ?? null,
    occurredAtMs: isoToMs(body.occurred_at),
    updatedAtMs: body.updated_at === undefined ? null : isoToMs(body.updated_at),
    networkOfferRef: body.network_offer_ref ?? null,
  };
}

/**
 * The report request for one page.
 *
 * @example
 * buildGenericReportRequest(settings, { fromMs, toMs }, null).url
 * // "https://net.example/report?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z"
 */
export function buildGenericReportRequest(
  settings: NetworkSettings,
  range: ReportRange,
  cursor: string | null,
): Request {
  const options = readOptions(GenericOptionsMiniSchema, settings.options);
  if (!options.ok) throw new ReportError("misconfigured", options.reason);
  if (options.value.reportUrl === undefined) {
    throw new ReportError("not_supported", "the network has no options.reportUrl");
  }
  assertRange(range, null, "generic network");
  if (cursor !== null && (cursor.length === 0 || cursor.length > MAX_CURSOR_CHARS)) {
    throw new ReportError("bad_cursor", "cursor must be 1-512 characters");
  }
  const url = new URL(options.value.reportUrl);
  url.searchParams.set("from", isoSeconds(range.fromMs));
  url.searchParams.set("to", isoSeconds(range.toMs));
  if (cursor !== null) url.searchParams.set("cursor", cursor);
  return new Request(url, {
    method: "GET",
    headers: { authorization: `Bearer ${settings.postbackSecret}`, accept: "application/json" },
  });
}

/**
 * Parses a generic report page. Pure and total: any JSON in, a page or a reason out.
 *
 * @example
 * parseGenericReport({ conversions: [body], next_cursor: null }, null)
 */
export function parseGenericReport(json: unknown, requestCursor: string | null): ReportParse {
  if (!isRecord(json)) return { ok: false, reason: "body is not a JSON object" };
  const rows = own(json, "conversions");
  if (!Array.isArray(rows)) return { ok: false, reason: "conversions is not an array" };
  if (rows.length > MAX_REPORT_ROWS)
    return { ok: false, reason: `more than ${MAX_REPORT_ROWS} conversions in one page` };
  const next = own(json, "next_cursor");
  if (
    next !== null &&
    (typeof next !== "string" || next.length === 0 || next.length > MAX_CURSOR_CHARS)
  ) {
    return { ok: false, reason: "next_cursor must be null or a 1-512 character string" };
  }
  if (next !== null && next === requestCursor) {
    return { ok: false, reason: "next_cursor did not advance" };
  }
  const page = collectPage(
    rows,
    (row) => {
      const rawOrderId = isRecord(row) ? own(row, "order_id") : undefined;
      const parsed = checkGenericPostback(row);
      return finishRow(
        typeof rawOrderId === "string" ? rawOrderId : null,
        parsed.ok
          ? { ok: true, conversion: fromGenericBody(parsed.value) }
          : { ok: false, fields: fieldsFromZod(parsed.issues.slice(0, 20)) },
        "invalid conversion",
      );
    },
    next,
  );
  return { ok: true, page };
}

function isoToMs(text: string): number {
  // The schema already checked the shape; parseIsoTime also checks the calendar (no Feb 30).
  return parseIsoTime(text) ?? Number.NaN;
}
