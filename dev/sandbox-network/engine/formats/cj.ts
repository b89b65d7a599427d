import { parseIsoTime } from "#shared/networks/core/time";
import type { OrderVersion, SandboxStatus } from "../types";
import { badRequest, json, sameCredential, unauthorized } from "./http";
import { current, type RenderedOrder, type ReportContext, type WireParams } from "./types";
import { decimal, isoSecondsZ } from "./values";

/**
 * CJ (publisher side) as the sandbox speaks it, read off shared/networks/cj. CJ never edits a
 * commission: an order is an original record plus a correction record (negative deltas) for
 * every change of its amounts, and a cancellation is a correction to zero. The sandbox derives
 * those records from an order's history:
 *
 * - postback: one GET per change with the order's current totals (original=false and a
 *   correctionReason once corrected), the shape shared/networks/cj/postback.ts assumes;
 * - report: the Commission Detail GraphQL API (`POST <base>/cj/query`, Bearer token), paged by
 *   `sinceCommissionId`. An order's records are never split across pages (their ids are
 *   consecutive), so every page folds into whole orders.
 *
 * Statuses: pending is `new`, approved `locked`; a cancelled order keeps the status it had and
 * nets to zero.
 */

const LIFECYCLE: Record<Exclude<SandboxStatus, "cancelled">, string> = {
  pending: "new",
  approved: "locked",
};

/** One Commission Detail record as the sandbox derives it. */
export interface CjWireRecord {
  commissionId: string;
  orderId: string;
  original: boolean;
  actionStatus: string;
  correctionReason: string | null;
  saleMinor: number;
  commissionMinor: number;
  postingMs: number;
}

/** The order's records: the original, then a correction for every change of its amounts. */
export function cjRecords(rendered: RenderedOrder): CjWireRecord[] {
  const { order, versions, index } = rendered;
  const status = cjActionStatus(versions);
  const records: CjWireRecord[] = [];
  let sale = 0;
  let commission = 0;
  versions.forEach((version, i) => {
    const [nextSale, nextCommission] = effectiveAmounts(version);
    if (i > 0 && nextSale === sale && nextCommission === commission) return;
    records.push({
      commissionId: String(3_000_000_000 + index * 100 + records.length),
      orderId: order.orderId,
      original: i === 0,
      actionStatus: status,
      correctionReason: i === 0 ? null : correctionReason(version),
      saleMinor: nextSale - sale,
      commissionMinor: nextCommission - commission,
      postingMs: version.updatedAtMs,
    });
    sale = nextSale;
    commission = nextCommission;
  });
  return records;
}

/**
 * The postback's parameters for the order's latest version: its current totals, as the
 * adapter requires (the token is added when sent).
 *
 * @example
 * cjPostbackParams(rendered) // [["sid", "…"], ["orderId", "ORD-1"], …]
 */
export function cjPostbackParams(rendered: RenderedOrder): WireParams {
  const { order } = rendered;
  const version = current(rendered);
  const records = cjRecords(rendered);
  const latest = records[records.length - 1] as CjWireRecord;
  const [sale, commission] = effectiveAmounts(version);
  const params: WireParams = [
    ["sid", order.subId],
    ["orderId", order.orderId],
    ["commissionId", latest.commissionId],
  ];
  if (order.campaignRef)
    params.push(["advertiserId", order.campaignRef], ["cid", order.campaignRef]);
  params.push(
    ["actionStatus", latest.actionStatus],
    ["original", records.length === 1 ? "true" : "false"],
    ["saleAmount", decimal(sale, order.currency)],
    ["commissionAmount", decimal(commission, order.currency)],
    ["currency", order.currency],
    ["eventDate", isoSecondsZ(order.occurredAtMs)],
    ["postingDate", isoSecondsZ(latest.postingMs)],
  );
  if (latest.correctionReason !== null) params.push(["correctionReason", latest.correctionReason]);
  if (version.category !== null) params.push(["category", version.category]);
  return params;
}

/**
 * `POST <base>/cj/query` with a GraphQL body `{ query, variables: { publishers, since,
 * before, after } }` as shared/networks/cj/report.ts sends it. The range filters on the event
 * date or, when the query names `sincePostingDate`, on each record's posting date.
 */
export async function cjReport(context: ReportContext, request: Request): Promise<Response> {
  const { settings } = context;
  if (!sameCredential(request.headers.get("authorization"), `Bearer ${settings.reportApiToken}`))
    return unauthorized("Bearer");
  let body: unknown;
  try {
    body = JSON.parse(await request.text());
  } catch {
    return badRequest("the body is a GraphQL request in JSON");
  }
  const { query, variables } = (body ?? {}) as { query?: unknown; variables?: unknown };
  const vars = (variables ?? {}) as Record<string, unknown>;
  if (typeof query !== "string" || !query.includes("publisherCommissions"))
    return graphqlError("only publisherCommissions is served");
  const publishers = vars.publishers;
  if (!Array.isArray(publishers) || !publishers.includes(settings.publisherId))
    return graphqlError("not authorized for the requested publishers");
  const sinceMs = parseIsoTime(vars.since);
  const beforeMs = parseIsoTime(vars.before);
  if (sinceMs === null || beforeMs === null || sinceMs >= beforeMs)
    return graphqlError("since and before are ISO 8601 date-times, since first");
  const after = vars.after;
  if (
    after !== null &&
    after !== undefined &&
    (typeof after !== "string" || !/^\d{1,20}$/.test(after))
  )
    return graphqlError("sinceCommissionId is a commission id");
  const byPosting = query.includes("sincePostingDate");
  const groups = context.orders
    .map((rendered) => {
      const inRange = (ms: number) => ms >= sinceMs && ms < beforeMs;
      const records = cjRecords(rendered).filter((r) =>
        byPosting ? inRange(r.postingMs) : inRange(rendered.order.occurredAtMs),
      );
      return records
        .filter(
          (r) => after === null || after === undefined || BigInt(r.commissionId) > BigInt(after),
        )
        .map((r) => cjRow(rendered, r));
    })
    .filter((records) => records.length > 0);
  const page: Array<ReturnType<typeof cjRow>> = [];
  let taken = 0;
  for (const records of groups) {
    if (page.length >= context.pageSize) break;
    page.push(...records);
    taken++;
  }
  const complete = taken === groups.length;
  const total = groups.reduce((n, records) => n + records.length, 0);
  return json(200, {
    data: {
      publisherCommissions: {
        count: total,
        payloadComplete: complete,
        maxCommissionId:
          page.length > 0 ? (page[page.length - 1] as { commissionId: string }).commissionId : null,
        records: page,
      },
    },
  });
}

function cjRow(rendered: RenderedOrder, record: CjWireRecord) {
  const { order } = rendered;
  return {
    commissionId: record.commissionId,
    orderId: record.orderId,
    originalActionId: record.original ? null : (cjRecords(rendered)[0]?.commissionId ?? null),
    original: record.original,
    actionStatus: record.actionStatus,
    actionType: "advanced sale",
    correctionReason: record.correctionReason,
    eventDate: isoSecondsZ(order.occurredAtMs),
    postingDate: isoSecondsZ(record.postingMs),
    saleAmountPubCurrency: decimal(record.saleMinor, order.currency),
    pubCommissionAmountPubCurrency: decimal(record.commissionMinor, order.currency),
    shopperId: order.subId,
    advertiserId: order.campaignRef ?? null,
    items: [],
  };
}

/** A cancelled order nets to zero; otherwise its amounts stand. */
function effectiveAmounts(version: OrderVersion): [number, number] {
  return version.status === "cancelled"
    ? [0, 0]
    : [version.saleAmountMinor, version.commissionMinor];
}

/** Every record carries the order's lifecycle status; a cancelled order keeps the last it had. */
function cjActionStatus(versions: readonly OrderVersion[]): string {
  for (let i = versions.length - 1; i >= 0; i--) {
    const status = (versions[i] as OrderVersion).status;
    if (status !== "cancelled") return LIFECYCLE[status];
  }
  return LIFECYCLE.pending;
}

function correctionReason(version: OrderVersion): string {
  if (version.status === "cancelled") return "CANCELLED";
  return version.op === "refund" ? "RETURNED" : "CORRECTED";
}

function graphqlError(message: string): Response {
  return json(200, { errors: [{ message }], data: null });
}
