import type { SandboxStatus } from "../types";
import { badRequest, json, sameCredential, unauthorized } from "./http";
import { current, type RenderedOrder, type ReportContext, type WireParams } from "./types";
import { decimal, naiveTime, parseDottedTime, unixSeconds, wholeParam } from "./values";

/**
 * Admitad as the sandbox speaks it, read off shared/networks/admitad: a GET postback with the
 * macros docs/networks.md tells the operator to put in Admitad's Postback URL, and the
 * "Reports by actions" API (`GET /statistics/actions/`, Bearer token, limit/offset paging,
 * filtered on `status_updated`, naive UTC date-times).
 */

const STATUS: Record<SandboxStatus, string> = {
  pending: "pending",
  approved: "approved",
  cancelled: "declined",
};

/** Admitad's own action id for an order (leads have no order id; sales have both). */
export function admitadActionId(index: number): string {
  return String(700_000_000 + index + 1);
}

/**
 * The postback's parameters for the order's latest version (the token is added when sent).
 *
 * @example
 * admitadPostbackParams(rendered) // [["subid", "…"], ["order_id", "ORD-1"], …]
 */
export function admitadPostbackParams(rendered: RenderedOrder): WireParams {
  const { order } = rendered;
  const version = current(rendered);
  const params: WireParams = [
    ["subid", order.subId],
    ["order_id", order.orderId],
    ["action_id", admitadActionId(rendered.index)],
  ];
  if (order.campaignRef) params.push(["advcampaign_id", order.campaignRef]);
  params.push(
    ["order_sum", decimal(version.saleAmountMinor, order.currency)],
    ["payment_sum", decimal(version.commissionMinor, order.currency)],
    ["currency", order.currency],
    ["payment_status", STATUS[version.status]],
    ["time", unixSeconds(order.occurredAtMs)],
    ["status_updated", naiveTime(version.updatedAtMs)],
    ["type", "sale"],
  );
  if (version.category !== null) params.push(["category", version.category]);
  return params;
}

/**
 * `GET /statistics/actions/?status_updated_start=DD.MM.YYYY HH:MM:SS&status_updated_end=…
 * &limit=&offset=` with `authorization: Bearer <reportApiToken>`.
 */
export function admitadReport(context: ReportContext, request: Request, url: URL): Response {
  if (
    !sameCredential(
      request.headers.get("authorization"),
      `Bearer ${context.settings.reportApiToken}`,
    )
  )
    return unauthorized("Bearer");
  const startMs = parseDottedTime(url.searchParams.get("status_updated_start"));
  const endMs = parseDottedTime(url.searchParams.get("status_updated_end"));
  if (startMs === null || endMs === null || startMs >= endMs)
    return badRequest(
      "status_updated_start and status_updated_end are DD.MM.YYYY HH:MM:SS, start first",
    );
  const limit = wholeParam(url.searchParams.get("limit"), 20, 1, 500);
  const offset = wholeParam(url.searchParams.get("offset"), 0, 0, 1_000_000_000);
  if (limit === null || offset === null)
    return badRequest("limit is 1-500 and offset a whole number");
  const rows = context.orders
    .filter((o) => {
      const at = current(o).updatedAtMs;
      return at >= startMs && at < endMs;
    })
    .sort(
      (a, b) =>
        current(a).updatedAtMs - current(b).updatedAtMs ||
        (a.order.orderId < b.order.orderId ? -1 : 1),
    );
  const size = Math.min(limit, context.pageSize);
  return json(200, {
    results: rows.slice(offset, offset + size).map(admitadRow),
    _meta: { count: rows.length, limit: size, offset },
  });
}

function admitadRow(rendered: RenderedOrder) {
  const { order } = rendered;
  const version = current(rendered);
  const ref = order.campaignRef ?? null;
  return {
    action_id: Number(admitadActionId(rendered.index)),
    order_id: order.orderId,
    action_type: "sale",
    status: STATUS[version.status],
    cart: decimal(version.saleAmountMinor, order.currency),
    payment: decimal(version.commissionMinor, order.currency),
    currency: order.currency,
    action_date: naiveTime(order.occurredAtMs),
    status_updated: naiveTime(version.updatedAtMs),
    subid: order.subId,
    // Admitad numbers its campaigns; a sandbox order may carry any reference.
    advcampaign_id: ref !== null && /^\d{1,15}$/.test(ref) ? Number(ref) : ref,
    positions: [],
  };
}
