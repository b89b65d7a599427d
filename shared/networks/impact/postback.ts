import { checkTokenAndIp } from "../core/auth";
import { FieldCollector } from "../core/fields";
import { finalizeConversion } from "../core/normalize";
import { readOptions } from "../core/options";
import { readParams } from "../core/params";
import { parseIsoTime, parseUnixSeconds } from "../core/time";
import type { NetworkSettings, PostbackParse, PostbackRequest } from "../types";
import { effectiveImpactStatus } from "./amounts";
import { ImpactOptionsSchema } from "./options";
import { impactStatus } from "./status";

/**
 * An impact.com partner postback ("Action Tracker" / action lifecycle postback). impact.com
 * fills `{Macro}` placeholders, case-sensitively, in a URL the partner writes; parameter names
 * here are read case-insensitively so either spelling the operator picks works:
 *
 *   …/postback/<networkId>?SubId1={SubId1}&ActionId={ActionId}&Oid={OID}
 *     &ActionStatus={ActionStatus}&Amount={Amount}&Payout={Payout}&Currency={Currency}
 *     &EventDate={EventDate}&token=<secret>
 *
 * Assumptions: impact.com does not sign postbacks; authenticity is the shared token in the
 * URL plus impact.com's published IP ranges (options.ipAllowlist). Lifecycle postbacks fire on
 * every change, carrying the current Amount and Payout; DeltaAmount/DeltaPayout, when the
 * operator adds them, mark a modification (see amounts.ts). `EventDate` is ISO 8601 with an
 * offset (unix seconds are accepted too). The order id is `Oid`, or the `ActionId` when the
 * brand sent no order id, matching the report.
 */
export async function parseImpactPostback(
  request: PostbackRequest,
  settings: NetworkSettings,
): Promise<PostbackParse> {
  const options = readOptions(ImpactOptionsSchema, settings.options);
  if (!options.ok) return { ok: false, kind: "auth", reason: options.reason };
  const read = readParams(request, { caseInsensitive: true, includeForm: true });
  if (!read.ok) return { ok: false, kind: "auth", reason: `unreadable request: ${read.reason}` };
  const params = read.params;
  const auth = await checkTokenAndIp(settings.postbackSecret, {
    token: params.get(options.value.tokenParam),
    requireToken: options.value.requireToken,
    ipAllowlist: options.value.ipAllowlist,
    sourceIp: request.sourceIp,
  });
  if (!auth.ok) return { ok: false, kind: "auth", reason: auth.reason };

  const f = new FieldCollector();
  const orderId = f.text(params.first("Oid", "OrderId", "ActionId"), "Oid");
  const rawStatus = params.first("ActionStatus", "Status", "State");
  const state = f.status(impactStatus(rawStatus), rawStatus, "ActionStatus");
  const currency = f.currency(params.first("Currency"), "Currency");
  const saleAmountMinor = f.amount(params.first("Amount", "SaleAmount"), currency, "Amount");
  const commissionMinor = f.amount(params.first("Payout"), currency, "Payout");
  const status = effectiveImpactStatus(
    state,
    saleAmountMinor,
    commissionMinor,
    [params.first("DeltaAmount"), params.first("DeltaPayout")],
    currency,
    f,
    ["DeltaAmount", "DeltaPayout"],
  );
  const rawEvent = params.first("EventDate", "ActionDate");
  const occurredAtMs = f.time(impactTime(rawEvent), rawEvent, "EventDate");
  const rawUpdate = params.first("UpdateDate");
  const updatedAtMs =
    rawUpdate === null ? null : f.time(impactTime(rawUpdate), rawUpdate, "UpdateDate");
  if (f.errors.length > 0)
    return { ok: false, kind: "malformed", reason: "invalid postback", fields: f.errors };

  const done = finalizeConversion(
    {
      orderId,
      subId: params.first("SubId1"),
      status,
      currency,
      saleAmountMinor,
      commissionMinor,
      lineItems: null,
      category: params.first("Category"),
      occurredAtMs,
      updatedAtMs,
    },
    request.receivedAtMs,
  );
  if (!done.ok)
    return { ok: false, kind: "malformed", reason: "invalid postback", fields: done.fields };
  return { ok: true, conversions: [done.conversion] };
}

/** impact.com dates: ISO 8601 with an offset ("2024-09-10T10:42:38-07:00"), or unix seconds. */
export function impactTime(value: string | null): number | null {
  if (value === null) return null;
  return parseIsoTime(value) ?? parseUnixSeconds(value);
}
