import { parseIsoTime, parseUnixSeconds } from "../core/time";
import { parseTokenPostback } from "../core/token-postback";
import { ImpactOptionsMiniSchema } from "../options-mini";
import type { NetworkSettings, PostbackParse, PostbackRequest } from "../types";
import { effectiveImpactStatus } from "./amounts";
import { impactStatus } from "./status";

/**
 * An impact.com partner postback ("Action Tracker" / action lifecycle postback). impact.com
 * fills `{Macro}` placeholders, case-sensitively, in a URL the partner writes; parameter names
 * here are read case-insensitively so either spelling the operator picks works:
 *
 *   …/postback/<networkId>?SubId1={SubId1}&ActionId={ActionId}&Oid={OID}
 *     &ActionStatus={ActionStatus}&Amount={Amount}&Payout={Payout}&Currency={Currency}
 *     &EventDate={EventDate}&CampaignId={CampaignId}&token=<secret>
 *
 * Assumptions: impact.com does not sign postbacks; authenticity is the shared token in the
 * URL plus impact.com's published IP ranges (options.ipAllowlist). Lifecycle postbacks fire on
 * every change, carrying the current Amount and Payout; DeltaAmount/DeltaPayout, when the
 * operator adds them, mark a modification (see amounts.ts). `EventDate` is ISO 8601 with an
 * offset (unix seconds are accepted too). The order id is `Oid`, or the `ActionId` when the
 * brand sent no order id, matching the report. `CampaignId` is the brand's program (the
 * report's `CampaignId`): the conversion's `networkOfferRef`.
 */
export function parseImpactPostback(
  request: PostbackRequest,
  settings: NetworkSettings,
): Promise<PostbackParse> {
  return parseTokenPostback(request, settings, ImpactOptionsMiniSchema, (params, f) => {
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
    return {
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
      networkOfferRef: params.first("CampaignId"),
    };
  });
}

/** impact.com dates: ISO 8601 with an offset ("2024-09-10T10:42:38-07:00"), or unix seconds. */
export function impactTime(value: string | null): number | null {
  if (value === null) return null;
  return parseIsoTime(value) ?? parseUnixSeconds(value);
}
