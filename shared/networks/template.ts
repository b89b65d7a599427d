import { FieldCollector } from "./core/fields";
import { guardPostback } from "./core/guard";
import { getPath } from "./core/json-path";
import { finalizeConversion } from "./core/normalize";
import { type Params, readFormParams, readParams } from "./core/params";
import { readOptions } from "./core/read-options";
import { ReportError } from "./core/report-error";
import { assertRange, reportPageFetcher } from "./core/report-http";
import {
  asText,
  collectPage,
  finishRow,
  MAX_REPORT_ROWS,
  type ReportParse,
  type RowResult,
} from "./core/report-page";
import { isoSeconds, parseIsoTime, parseUnixSeconds } from "./core/time";
import { authenticate, checkTimestamp, templateCredentialParams } from "./template-auth";
import {
  type FieldSource,
  type TemplateFields,
  type TemplateMapping,
  TemplateMappingMiniSchema,
} from "./template-mapping-mini";
import { trackingUrlFor } from "./tracking-urls";
import type {
  ConversionStatus,
  NetworkAdapter,
  NetworkSettings,
  NormalizedConversion,
  PostbackParse,
  PostbackRequest,
  ReportRange,
} from "./types";

/**
 * The "template" network: any network an operator can describe with a TemplateMapping (field
 * sources, status map, amount and time formats, auth) in `settings.options`, without code.
 * The tracking template is filled as is (the operator writes `{subid}` where the network wants
 * it).
 */
export const TEMPLATE_FORMAT = "template";

const MAX_BODY_CHARS = 16 * 1024;

export const templateAdapter: NetworkAdapter = {
  format: TEMPLATE_FORMAT,
  buildTrackingUrl: (template, values, settings) =>
    trackingUrlFor(TEMPLATE_FORMAT, template, values, settings.options),
  parsePostback: (request, settings) =>
    guardPostback(() => parseTemplatePostback(request, settings)),
  credentialParams: templateCredentialParams,
  fetchReportPage: reportPageFetcher({
    name: "template",
    label: (settings) => `network ${settings.networkId}`,
    build: buildTemplateReportRequest,
    parse: parseTemplateReport,
  }),
};

/** Where field values are read from for one postback. */
interface Sources {
  query: Params;
  form: Params;
  json: unknown;
}

async function parseTemplatePostback(
  request: PostbackRequest,
  settings: NetworkSettings,
): Promise<PostbackParse> {
  const mapping = readOptions(TemplateMappingMiniSchema, settings.options);
  if (!mapping.ok) return { ok: false, kind: "auth", reason: mapping.reason };
  const query = readParams(request, { caseInsensitive: false, includeForm: false });
  const form = readFormParams(request, false);
  if (!query.ok || !form.ok) {
    return {
      ok: false,
      kind: "auth",
      reason: `unreadable request: ${query.ok ? (form.ok ? "" : form.reason) : query.reason}`,
    };
  }
  const auth = await authenticate(request, settings, mapping.value, query.params, form.params);
  if (!auth.ok) return { ok: false, kind: "auth", reason: auth.reason };
  if (request.rawBody.length > MAX_BODY_CHARS)
    return { ok: false, kind: "malformed", reason: "body_too_large" };

  let json: unknown;
  if (usesJson(mapping.value.fields)) {
    try {
      json = JSON.parse(request.rawBody);
    } catch {
      return {
        ok: false,
        kind: "malformed",
        reason: "malformed_body",
        fields: [{ path: "(body)", message: "is not JSON" }],
      };
    }
  }
  const sources: Sources = { query: query.params, form: form.params, json };
  const stamp = mapping.value.timestamp;
  const fresh =
    stamp === undefined
      ? ({ ok: true } as const)
      : checkTimestamp(stamp, readSource(stamp.source, sources), request.receivedAtMs);
  if (!fresh.ok) return { ok: false, kind: "auth", reason: fresh.reason };
  const read = readConversion(mapping.value, mapping.value.fields, sources, request.receivedAtMs);
  if (!read.ok)
    return { ok: false, kind: "malformed", reason: "invalid postback", fields: read.fields };
  const done = finalizeConversion(read.conversion, request.receivedAtMs);
  if (!done.ok)
    return { ok: false, kind: "malformed", reason: "invalid postback", fields: done.fields };
  return { ok: true, conversions: [done.conversion] };
}

type ConversionRead =
  | { ok: true; conversion: NormalizedConversion }
  | { ok: false; fields: FieldCollector["errors"] };

/**
 * Reads one conversion through a field mapping. `receivedAtMs` stands in for a missing
 * occurredAt on postbacks; reports pass null (their mapping must name occurredAt).
 */
function readConversion(
  mapping: TemplateMapping,
  fields: TemplateFields,
  sources: Sources,
  receivedAtMs: number | null,
): ConversionRead {
  const f = new FieldCollector();
  const text = (source: FieldSource | undefined) =>
    source === undefined ? null : asText(readSource(source, sources));
  const orderId = f.text(text(fields.orderId), "orderId");
  const rawStatus = text(fields.status);
  const status = f.status(mapStatus(mapping, rawStatus), rawStatus, "status");
  const currency = f.currency(text(fields.currency) ?? mapping.currency ?? null, "currency");
  const amount = (source: FieldSource, path: string) => {
    const value = readSource(source, sources);
    const present = value === undefined || value === "" ? null : value;
    return mapping.amountFormat === "minor"
      ? f.minorAmount(present, path)
      : f.amount(present, currency, path);
  };
  const saleAmountMinor = amount(fields.saleAmount, "saleAmount");
  const commissionMinor = amount(fields.commission, "commission");
  const time = (source: FieldSource, path: string) => {
    const value = readSource(source, sources);
    const ms = mapping.timeFormat === "iso" ? parseIsoTime(value) : parseUnixSeconds(value);
    return f.time(ms, value, path);
  };
  let occurredAtMs: number;
  if (fields.occurredAt !== undefined) occurredAtMs = time(fields.occurredAt, "occurredAt");
  else if (receivedAtMs !== null) occurredAtMs = receivedAtMs;
  else occurredAtMs = f.time(null, null, "occurredAt");
  const updatedRaw =
    fields.updatedAt === undefined ? undefined : readSource(fields.updatedAt, sources);
  const updatedAtMs =
    fields.updatedAt === undefined || updatedRaw === undefined || updatedRaw === ""
      ? null
      : time(fields.updatedAt, "updatedAt");
  if (f.errors.length > 0) return { ok: false, fields: f.errors };
  return {
    ok: true,
    conversion: {
      orderId,
      subId: text(fields.subId),
      status,
      currency,
      saleAmountMinor,
      commissionMinor,
      lineItems: null,
      category: text(fields.category),
      occurredAtMs,
      updatedAtMs,
      networkOfferRef: text(fields.networkOfferRef),
    },
  };
}

function readSource(source: FieldSource, sources: Sources): unknown {
  switch (source.from) {
    case "query":
      return sources.query.get(source.name) ?? undefined;
    case "form":
      return sources.form.get(source.name) ?? undefined;
    case "json":
      return getPath(sources.json, source.path);
    case "const":
      return source.value;
  }
}

function mapStatus(mapping: TemplateMapping, raw: string | null): ConversionStatus | null {
  if (raw === null) return null;
  // Entries come from the validated mapping (own keys only); looked up through a Map so a
  // network sending status=__proto__ or =constructor finds nothing.
  const entries = Object.entries(mapping.statusMap);
  const table = new Map(
    mapping.statusCaseSensitive ? entries : entries.map(([k, v]) => [k.toLowerCase(), v]),
  );
  return table.get(mapping.statusCaseSensitive ? raw : raw.toLowerCase()) ?? null;
}

function usesJson(fields: TemplateFields): boolean {
  return Object.values(fields).some((source) => source?.from === "json");
}

/**
 * The report request for one page of a template network.
 *
 * @example
 * buildTemplateReportRequest(settings, { fromMs, toMs }, null).url
 */
export function buildTemplateReportRequest(
  settings: NetworkSettings,
  range: ReportRange,
  cursor: string | null,
): Request {
  const mapping = readOptions(TemplateMappingMiniSchema, settings.options);
  if (!mapping.ok) throw new ReportError("misconfigured", mapping.reason);
  const report = mapping.value.report;
  if (report === undefined)
    throw new ReportError("not_supported", "the mapping has no report section");
  assertRange(range, null, `network ${settings.networkId}`);
  if (cursor !== null && (cursor.length === 0 || cursor.length > 512))
    throw new ReportError("bad_cursor", "cursor must be 1-512 characters");
  const secret = settings.reportApiToken ?? settings.postbackSecret;
  const url = new URL(report.url);
  const time = (ms: number) =>
    report.timeFormat === "iso" ? isoSeconds(ms) : String(Math.floor(ms / 1000));
  url.searchParams.set(report.fromParam, time(range.fromMs));
  url.searchParams.set(report.toParam, time(range.toMs));
  if (cursor !== null) url.searchParams.set(report.cursorParam, cursor);
  const headers: Record<string, string> = { accept: "application/json" };
  if (report.auth.type === "bearer") headers.authorization = `Bearer ${secret}`;
  else if (report.auth.type === "header") headers[report.auth.name] = secret;
  else url.searchParams.set(report.auth.name, secret);
  return new Request(url, { method: "GET", headers });
}

/**
 * Parses a template network's report page through its mapping. Pure and total.
 *
 * @example
 * parseTemplateReport({ data: [...], next: null }, settings, null)
 */
export function parseTemplateReport(
  json: unknown,
  settings: NetworkSettings,
  cursor: string | null,
): ReportParse {
  const mapping = readOptions(TemplateMappingMiniSchema, settings.options);
  if (!mapping.ok) return { ok: false, reason: mapping.reason };
  const report = mapping.value.report;
  if (report === undefined) return { ok: false, reason: "the mapping has no report section" };
  const rows = getPath(json, report.itemsPath);
  if (!Array.isArray(rows)) return { ok: false, reason: `${report.itemsPath} is not an array` };
  if (rows.length > MAX_REPORT_ROWS)
    return { ok: false, reason: `more than ${MAX_REPORT_ROWS} records in one page` };
  let nextCursor: string | null = null;
  if (report.nextCursorPath !== undefined) {
    const next = getPath(json, report.nextCursorPath);
    if (typeof next === "number" && Number.isSafeInteger(next)) nextCursor = String(next);
    else if (typeof next === "string" && next.length > 0 && next.length <= 512) nextCursor = next;
    else if (next !== null && next !== undefined && next !== "")
      return { ok: false, reason: "next cursor is not a string" };
  }
  if (nextCursor !== null && nextCursor === cursor)
    return { ok: false, reason: "next cursor did not advance" };
  const emptyParams: Params = { get: () => null, first: () => null, size: 0 };
  const page = collectPage(
    rows,
    (row): RowResult => {
      const sources = { query: emptyParams, form: emptyParams, json: row };
      const orderId = asText(readSource(report.fields.orderId, sources));
      return finishRow(orderId, readConversion(mapping.value, report.fields, sources, null));
    },
    nextCursor,
  );
  return { ok: true, page };
}
