import type { SandboxStatus } from "../types";
import { badRequest, json, sameCredential, unauthorized } from "./http";
import { current, type RenderedOrder, type ReportContext, type WireParams } from "./types";
import { decimal, unixSeconds } from "./values";

/**
 * The template format is whatever an operator describes; the sandbox speaks one fixed
 * description of an imaginary network, `sandboxTemplateMapping`, which the operator saves as
 * the network's options (docs/sandbox.md):
 *
 * - postback: a form-encoded POST whose raw body is signed with HMAC-SHA256 under the postback
 *   secret (`x-sandbox-signature: sha256=<hex>`) and carries its send time (`sent_at`, unix
 *   seconds), so the template adapter's ±300 s window applies; amounts are decimal major
 *   units, times unix seconds, statuses open / paid / void;
 * - report: `GET <base>/template/report?since=&until=[&page_token=]` with
 *   `x-api-key: <reportApiToken>`, answering `{ "data": { "rows": […], "next_page_token" } }`.
 */

const STATE: Record<SandboxStatus, string> = {
  pending: "open",
  approved: "paid",
  cancelled: "void",
};

export const TEMPLATE_SIGNATURE_HEADER = "x-sandbox-signature";
export const TEMPLATE_REPORT_PATH = "/template/report";

/**
 * The template mapping (Boomerang's `TemplateMappingSchema` shape) that reads what this
 * sandbox sends, with the report API at `reportUrl` (`<sandbox origin>/sandbox/template/report`).
 *
 * @example
 * adminPost("/admin/v1/networks", { postbackFormat: "template",
 *   options: sandboxTemplateMapping("http://127.0.0.1:8790/sandbox/template/report"), … })
 */
export function sandboxTemplateMapping(reportUrl: string) {
  return {
    fields: {
      orderId: { from: "form", name: "oid" },
      subId: { from: "form", name: "click_ref" },
      status: { from: "form", name: "state" },
      currency: { from: "form", name: "cur" },
      saleAmount: { from: "form", name: "sale" },
      commission: { from: "form", name: "earn" },
      category: { from: "form", name: "cat" },
      occurredAt: { from: "form", name: "ordered_at" },
      updatedAt: { from: "form", name: "changed_at" },
    },
    statusMap: { open: "pending", paid: "approved", void: "cancelled" },
    amountFormat: "decimal",
    timeFormat: "unix_seconds",
    auth: {
      type: "hmac_sha256",
      header: TEMPLATE_SIGNATURE_HEADER,
      message: "raw_body",
      prefix: "sha256=",
    },
    timestamp: { source: { from: "form", name: "sent_at" }, format: "unix_seconds" },
    report: {
      url: reportUrl,
      fromParam: "since",
      toParam: "until",
      cursorParam: "page_token",
      timeFormat: "unix_seconds",
      auth: { type: "header", name: "x-api-key" },
      itemsPath: "data.rows",
      nextCursorPath: "data.next_page_token",
      fields: {
        orderId: { from: "json", path: "oid" },
        subId: { from: "json", path: "click_ref" },
        status: { from: "json", path: "state" },
        currency: { from: "json", path: "cur" },
        saleAmount: { from: "json", path: "sale" },
        commission: { from: "json", path: "earn" },
        category: { from: "json", path: "cat" },
        occurredAt: { from: "json", path: "ordered_at" },
        updatedAt: { from: "json", path: "changed_at" },
      },
    },
  } as const;
}

/** The postback's form fields for the order's latest version (`sent_at` is added when sent). */
export function templatePostbackParams(rendered: RenderedOrder): WireParams {
  const row = templateRow(rendered);
  const params: WireParams = [
    ["oid", row.oid],
    ["click_ref", row.click_ref],
    ["state", row.state],
    ["cur", row.cur],
    ["sale", row.sale],
    ["earn", row.earn],
  ];
  if (row.cat !== null) params.push(["cat", row.cat]);
  params.push(["ordered_at", row.ordered_at], ["changed_at", row.changed_at]);
  if (row.campaign !== null) params.push(["campaign", row.campaign]);
  return params;
}

/** `GET <base>/template/report?since=<unix s>&until=<unix s>[&page_token=<offset>]`, `x-api-key`. */
export function templateReport(context: ReportContext, request: Request, url: URL): Response {
  if (!sameCredential(request.headers.get("x-api-key"), context.settings.reportApiToken))
    return unauthorized("x-api-key");
  const since = url.searchParams.get("since");
  const until = url.searchParams.get("until");
  if (since === null || until === null || !/^\d{1,11}$/.test(since) || !/^\d{1,11}$/.test(until))
    return badRequest("since and until are unix seconds");
  const sinceMs = Number(since) * 1000;
  const untilMs = Number(until) * 1000;
  if (sinceMs >= untilMs) return badRequest("since must be before until");
  const token = url.searchParams.get("page_token");
  if (token !== null && !/^\d{1,9}$/.test(token))
    return badRequest("page_token was not issued here");
  const offset = token === null ? 0 : Number(token);
  const rows = context.orders
    .filter((o) => {
      const at = current(o).updatedAtMs;
      return at >= sinceMs && at < untilMs;
    })
    .sort(
      (a, b) =>
        current(a).updatedAtMs - current(b).updatedAtMs ||
        (a.order.orderId < b.order.orderId ? -1 : 1),
    );
  const next = offset + context.pageSize;
  return json(200, {
    data: {
      rows: rows.slice(offset, next).map(templateRow),
      next_page_token: next < rows.length ? String(next) : null,
    },
  });
}

function templateRow(rendered: RenderedOrder) {
  const { order } = rendered;
  const version = current(rendered);
  return {
    oid: order.orderId,
    click_ref: order.subId,
    state: STATE[version.status],
    cur: order.currency,
    sale: decimal(version.saleAmountMinor, order.currency),
    earn: decimal(version.commissionMinor, order.currency),
    cat: version.category,
    ordered_at: unixSeconds(order.occurredAtMs),
    changed_at: unixSeconds(version.updatedAtMs),
    campaign: order.campaignRef ?? null,
  };
}
