import { quoted } from "../core/normalize";
import { readOptions } from "../core/read-options";
import { ReportError } from "../core/report-error";
import { assertRange } from "../core/report-http";
import { isRecord, MAX_REPORT_ROWS, own, type ReportParse } from "../core/report-page";
import { isoSeconds } from "../core/time";
import { CjOptionsMiniSchema } from "../options-mini";
import type { NetworkSettings, NormalizedConversion, ReportRange, ReportRejection } from "../types";
import { foldCjOrder } from "./aggregate";
import type { CjOptions } from "./options";
import { type CjRecord, readCjRecord } from "./record";

/**
 * CJ's Commission Detail API (GraphQL), publisher view:
 *
 *   POST https://commissions.api.cj.com/query
 *   authorization: Bearer <personal access token>   content-type: application/json
 *   { "query": "query … { publisherCommissions(forPublishers: [$cid], sinceEventDate: …,
 *                beforeEventDate: …, sinceCommissionId: $cursor) { count payloadComplete
 *                maxCommissionId records { … } } }", "variables": { … } }
 *
 * Paging: while `payloadComplete` is false, the next call passes `maxCommissionId` as
 * `sinceCommissionId`; that id is the cursor. Records are folded per order (aggregate.ts) so a
 * return that CJ posts as a negative correction record lowers, or cancels, its order.
 * Publisher records carry amounts in the publisher's currency without naming it, so the
 * currency is options.currency.
 */
const DATE_ARGS: Record<CjOptions["reportDateType"], [string, string]> = {
  event: ["sinceEventDate", "beforeEventDate"],
  posting: ["sincePostingDate", "beforePostingDate"],
};

const RECORD_FIELDS = `commissionId orderId originalActionId original actionStatus actionType
  correctionReason eventDate postingDate saleAmountPubCurrency pubCommissionAmountPubCurrency
  shopperId advertiserId items { sku quantity perItemSaleAmountPubCurrency totalCommissionPubCurrency }`;

/**
 * @example
 * buildCjReportRequest(settings, { fromMs, toMs }, null) // POST with a GraphQL body
 */
export function buildCjReportRequest(
  settings: NetworkSettings,
  range: ReportRange,
  cursor: string | null,
): Request {
  const options = readOptions(CjOptionsMiniSchema, settings.options);
  if (!options.ok) throw new ReportError("misconfigured", options.reason);
  const { publisherId } = options.value;
  if (publisherId === undefined)
    throw new ReportError("misconfigured", "cj needs options.publisherId (the CID)");
  const token = settings.reportApiToken ?? "";
  if (token.length === 0)
    throw new ReportError("misconfigured", "cj needs reportApiToken (a personal access token)");
  assertRange(range, null, "cj");
  if (cursor !== null && !/^\d{1,20}$/.test(cursor))
    throw new ReportError("bad_cursor", "cj cursor is a commission id");
  const [since, before] = DATE_ARGS[options.value.reportDateType];
  const query = `query($publishers: [String!]!, $since: String, $before: String, $after: String) {
  publisherCommissions(forPublishers: $publishers, ${since}: $since, ${before}: $before, sinceCommissionId: $after) {
    count payloadComplete maxCommissionId records { ${RECORD_FIELDS} }
  }
}`;
  const variables = {
    publishers: [publisherId],
    since: isoSeconds(range.fromMs),
    before: isoSeconds(range.toMs),
    after: cursor,
  };
  return new Request(options.value.apiUrl, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json",
    },
    body: JSON.stringify({ query, variables }),
  });
}

/**
 * Parses one Commission Detail response. Pure and total.
 *
 * @example
 * parseCjReport({ data: { publisherCommissions: { payloadComplete: true, records: [] } } }, settings, null)
 */
export function parseCjReport(
  json: unknown,
  settings: NetworkSettings,
  cursor: string | null,
): ReportParse {
  const options = readOptions(CjOptionsMiniSchema, settings.options);
  if (!options.ok) return { ok: false, reason: options.reason };
  if (!isRecord(json)) return { ok: false, reason: "body is not a JSON object" };
  const errors = own(json, "errors");
  if (Array.isArray(errors) && errors.length > 0) {
    const first = errors[0];
    const message = isRecord(first) ? own(first, "message") : undefined;
    return { ok: false, reason: `graphql error ${quoted(message ?? "unknown")}` };
  }
  const data = own(json, "data");
  const result = isRecord(data) ? own(data, "publisherCommissions") : undefined;
  if (!isRecord(result)) return { ok: false, reason: "data.publisherCommissions is missing" };
  const rows = own(result, "records");
  if (!Array.isArray(rows)) return { ok: false, reason: "records is not an array" };
  if (rows.length > MAX_REPORT_ROWS)
    return { ok: false, reason: `more than ${MAX_REPORT_ROWS} records in one page` };
  const complete = own(result, "payloadComplete");
  if (typeof complete !== "boolean")
    return { ok: false, reason: "payloadComplete must be a boolean" };
  let nextCursor: string | null = null;
  if (!complete) {
    const maxId = own(result, "maxCommissionId");
    if (typeof maxId !== "string" || !/^\d{1,20}$/.test(maxId)) {
      return {
        ok: false,
        reason: "maxCommissionId must be a commission id while payloadComplete is false",
      };
    }
    if (maxId === cursor) return { ok: false, reason: "maxCommissionId did not advance" };
    nextCursor = maxId;
  }
  return { ok: true, page: foldPage(rows, options.value.currency, nextCursor) };
}

function foldPage(rows: readonly unknown[], currency: string, nextCursor: string | null) {
  const conversions: NormalizedConversion[] = [];
  const rejected: ReportRejection[] = [];
  // Map keeps first-appearance order; keys are data, never object properties.
  const groups = new Map<string, { firstIndex: number; records: CjRecord[] }>();
  rows.forEach((row, index) => {
    const read = readCjRecord(row, currency);
    if (!read.ok) {
      rejected.push({
        index,
        orderId: read.orderKey,
        reason: "invalid record",
        fields: read.fields,
      });
      return;
    }
    const group = groups.get(read.record.orderKey) ?? { firstIndex: index, records: [] };
    group.records.push(read.record);
    groups.set(read.record.orderKey, group);
  });
  for (const group of groups.values()) {
    const folded = foldCjOrder(group.records, currency);
    if (folded.ok) {
      conversions.push(folded.conversion);
    } else {
      const rejection: ReportRejection = {
        index: group.firstIndex,
        orderId: folded.orderId,
        reason: folded.reason,
      };
      if (folded.fields) rejection.fields = folded.fields;
      rejected.push(rejection);
    }
  }
  return rejected.length > 0 ? { conversions, nextCursor, rejected } : { conversions, nextCursor };
}
