import { parseIsoTime } from "#shared/networks/core/time";
import type { OrderVersion, SandboxStatus } from "../types";
import { badRequest, json, sameCredential, unauthorized } from "./http";
import { current, type RenderedOrder, type ReportContext, type WireParams } from "./types";
import { basicCredentials, decimal, isoSecondsZ, wholeParam } from "./values";

/**
 * impact.com (partner side) as the sandbox speaks it, read off shared/networks/impact: a GET
 * lifecycle postback with `{Macro}` values, and the Actions list
 * (`GET /Mediapartners/<AccountSID>/Actions`, Basic AccountSID:AuthToken, 1-based pages,
 * filtered on the action's last update). A partial refund is a modification: lower Amount and
 * Payout with negative DeltaAmount/DeltaPayout, the state unchanged; a cancellation is REVERSED.
 */

const STATE: Record<SandboxStatus, string> = {
  pending: "PENDING",
  approved: "APPROVED",
  cancelled: "REVERSED",
};

/** impact.com's action id for an order. */
export function impactActionId(index: number): string {
  return `19816.4810.${100_000 + index + 1}`;
}

/**
 * The postback's parameters for the order's latest version (the token is added when sent).
 *
 * @example
 * impactPostbackParams(rendered) // [["SubId1", "…"], ["ActionId", "19816.4810.100001"], …]
 */
export function impactPostbackParams(rendered: RenderedOrder): WireParams {
  const { order } = rendered;
  const version = current(rendered);
  const params: WireParams = [
    ["SubId1", order.subId],
    ["ActionId", impactActionId(rendered.index)],
    ["Oid", order.orderId],
  ];
  if (order.campaignRef) params.push(["CampaignId", order.campaignRef]);
  params.push(
    ["ActionStatus", STATE[version.status]],
    ["Amount", decimal(version.saleAmountMinor, order.currency)],
    ["Payout", decimal(version.commissionMinor, order.currency)],
    ["Currency", order.currency],
    ["EventDate", isoSecondsZ(order.occurredAtMs)],
    ["UpdateDate", isoSecondsZ(version.updatedAtMs)],
  );
  const previous = rendered.versions[rendered.versions.length - 2];
  if (previous !== undefined && amountsChanged(previous, version)) {
    params.push(
      ["DeltaAmount", decimal(version.saleAmountMinor - previous.saleAmountMinor, order.currency)],
      ["DeltaPayout", decimal(version.commissionMinor - previous.commissionMinor, order.currency)],
    );
  }
  if (version.category !== null) params.push(["Category", version.category]);
  return params;
}

/**
 * `GET /Mediapartners/<AccountSID>/Actions?StartDate=<ISO>&EndDate=<ISO>&PageSize=&Page=`
 * with `authorization: Basic base64(<AccountSID>:<AuthToken>)`.
 */
export function impactReport(
  context: ReportContext,
  request: Request,
  url: URL,
  accountSid: string,
): Response {
  const { settings } = context;
  const expected = `Basic ${basicCredentials(settings.accountSid, settings.reportApiToken)}`;
  if (
    accountSid !== settings.accountSid ||
    !sameCredential(request.headers.get("authorization"), expected)
  )
    return unauthorized("Basic");
  const startMs = parseIsoTime(url.searchParams.get("StartDate"));
  const endMs = parseIsoTime(url.searchParams.get("EndDate"));
  if (startMs === null || endMs === null || startMs >= endMs)
    return badRequest("StartDate and EndDate are ISO 8601 date-times, StartDate first");
  const pageSize = wholeParam(url.searchParams.get("PageSize"), 100, 1, 20_000);
  const page = wholeParam(url.searchParams.get("Page"), 1, 1, 10_000_000);
  if (pageSize === null || page === null)
    return badRequest("PageSize and Page are whole numbers from 1");
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
  const size = Math.min(pageSize, context.pageSize);
  const pages = Math.max(1, Math.ceil(rows.length / size));
  return json(200, {
    "@page": String(page),
    "@numpages": String(pages),
    "@pagesize": String(size),
    "@total": String(rows.length),
    Actions: rows.slice((page - 1) * size, page * size).map(impactAction),
  });
}

function impactAction(rendered: RenderedOrder) {
  const { order } = rendered;
  const first = rendered.versions[0] as OrderVersion;
  const version = current(rendered);
  const action: Record<string, string> = {
    Id: impactActionId(rendered.index),
    CampaignId: order.campaignRef ?? "",
    Oid: order.orderId,
    State: STATE[version.status],
    Amount: decimal(version.saleAmountMinor, order.currency),
    Payout: decimal(version.commissionMinor, order.currency),
    Currency: order.currency,
    EventDate: isoSecondsZ(order.occurredAtMs),
    CreationDate: isoSecondsZ(order.occurredAtMs),
    SubId1: order.subId,
  };
  // An action modified since it was created says by how much, as impact.com's Actions do.
  if (amountsChanged(first, version)) {
    action.DeltaAmount = decimal(version.saleAmountMinor - first.saleAmountMinor, order.currency);
    action.DeltaPayout = decimal(version.commissionMinor - first.commissionMinor, order.currency);
  }
  return action;
}

function amountsChanged(a: OrderVersion, b: OrderVersion): boolean {
  return a.saleAmountMinor !== b.saleAmountMinor || a.commissionMinor !== b.commissionMinor;
}
