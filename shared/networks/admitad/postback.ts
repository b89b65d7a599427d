import { parseIsoTime, parseNaiveTime, parseUnixSeconds } from "../core/time";
import { parseTokenPostback } from "../core/token-postback";
import { AdmitadOptionsMiniSchema } from "../options-mini";
import type { NetworkSettings, PostbackParse, PostbackRequest } from "../types";
import { admitadStatus } from "./status";

/**
 * An Admitad publisher postback ("Tools → Postback URL", event type Action). Admitad fills
 * `[[[macro]]]` placeholders in a URL the publisher writes, by GET or POST, so the parameter
 * names below are the ones docs/networks.md tells the operator to use:
 *
 *   …/postback/<networkId>?subid=[[[subid]]]&order_id=[[[order_id]]]&action_id=[[[action_id]]]
 *     &order_sum=[[[order_sum]]]&payment_sum=[[[payment_sum]]]&currency=[[[currency]]]
 *     &payment_status=[[[payment_status]]]&time=[[[time]]]&type=[[[type]]]
 *     &offer_id=[[[offer_id]]]&token=<secret>
 *
 * Assumptions (Admitad documents the macros, not a receiver contract):
 * - Admitad does not sign postbacks. Authentication is the shared token the operator puts in
 *   the URL, plus Admitad's published sender IPs when configured (options.ipAllowlist).
 * - `time` is the action time in unix seconds; `action_date` ("YYYY-MM-DD HH:MM:SS", or ISO
 *   with an offset) is accepted instead, at options.reportUtcOffsetMinutes.
 * - `order_sum` and `payment_sum` are decimals in `currency` (the program's currency). A lead
 *   (`type=lead`) may have no order sum; it counts as 0.
 * - The order id is `order_id`, or Admitad's `action_id` when the advertiser sends none
 *   (leads), so postbacks and reports name the same order.
 * - `offer_id` (or `advcampaign_id`) is the affiliate program's id, the report's
 *   `advcampaign_id`: the conversion's `networkOfferRef`.
 */
export function parseAdmitadPostback(
  request: PostbackRequest,
  settings: NetworkSettings,
): Promise<PostbackParse> {
  return parseTokenPostback(request, settings, AdmitadOptionsMiniSchema, (params, f, options) => {
    const orderId = f.text(params.first("order_id", "action_id"), "order_id");
    const rawStatus = params.first("payment_status", "status");
    const status = f.status(admitadStatus(rawStatus), rawStatus, "payment_status");
    const currency = f.currency(params.first("currency", "currency_code"), "currency");
    const isLead = (params.get("type") ?? "").trim().toLowerCase() === "lead";
    const orderSum = params.first("order_sum", "cart");
    const saleAmountMinor =
      orderSum === null && isLead ? 0 : f.amount(orderSum, currency, "order_sum");
    const commissionMinor = f.amount(
      params.first("payment_sum", "payment"),
      currency,
      "payment_sum",
    );
    const rawTime = params.first("time", "action_date");
    const occurredAtMs = f.time(
      admitadTime(rawTime, options.reportUtcOffsetMinutes),
      rawTime,
      "time",
    );
    const rawUpdated = params.first("status_updated");
    const updatedAtMs =
      rawUpdated === null
        ? null
        : f.time(
            admitadTime(rawUpdated, options.reportUtcOffsetMinutes),
            rawUpdated,
            "status_updated",
          );
    return {
      orderId,
      subId: params.first("subid"),
      status,
      currency,
      saleAmountMinor,
      commissionMinor,
      lineItems: null,
      category: params.first("category"),
      occurredAtMs,
      updatedAtMs,
      // The affiliate program the action belongs to, when the postback URL asks for it.
      networkOfferRef: params.first("offer_id", "advcampaign_id"),
    };
  });
}

/**
 * Admitad times: unix seconds (postback macros), naive "YYYY-MM-DD HH:MM:SS" (reports) or ISO
 * with an offset.
 *
 * @example
 * admitadTime("1763712000", 0)          // 1763712000000
 * admitadTime("2025-11-21 08:00:00", 0) // Date.UTC(2025, 10, 21, 8)
 */
export function admitadTime(value: string | null, utcOffsetMinutes: number): number | null {
  if (value === null) return null;
  return parseUnixSeconds(value) ?? parseIsoTime(value) ?? parseNaiveTime(value, utcOffsetMinutes);
}
