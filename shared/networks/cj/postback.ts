import { parseIsoTime } from "../core/time";
import { parseTokenPostback } from "../core/token-postback";
import { CjOptionsMiniSchema } from "../options-mini";
import type { NetworkSettings, PostbackParse, PostbackRequest } from "../types";
import { cjStatus, effectiveCjStatus } from "./status";

/**
 * A CJ commission notification. CJ documents no publisher postback we could verify (its
 * documented real-time channel is the Commission Detail API, which report.ts reads), so this
 * is Boomerang's assumed shape for a relay or a CJ-side push: one commission record as GET or
 * form parameters named after the Commission Detail fields, authenticated by a shared token
 * parameter plus CJ's sender IPs:
 *
 *   …/postback/<networkId>?sid=<shopperId>&orderId=…&commissionId=…&originalActionId=…
 *     &actionStatus=new&original=true&saleAmount=129.99&commissionAmount=9.10&currency=USD
 *     &eventDate=2026-11-21T08:07:27Z&postingDate=2026-11-21T09:00:00Z&correctionReason=
 *     &advertiserId=<advertiser CID>&token=<secret>
 *
 * Unlike CJ's own correction records (negative deltas, which the report sync nets against
 * their original), a postback must carry the order's current totals: a record alone cannot
 * say what a delta is relative to, so a negative amount is refused with that explanation.
 */
export function parseCjPostback(
  request: PostbackRequest,
  settings: NetworkSettings,
): Promise<PostbackParse> {
  return parseTokenPostback(request, settings, CjOptionsMiniSchema, (params, f, options) => {
    const orderId = f.text(params.first("orderId", "oid", "originalActionId"), "orderId");
    const rawStatus = params.first("actionStatus", "status");
    const status = f.status(cjStatus(rawStatus), rawStatus, "actionStatus");
    const currency = f.currency(params.first("currency") ?? options.currency, "currency");
    const rawSale = params.first("saleAmount", "saleAmountPubCurrency");
    const rawCommission = params.first("commissionAmount", "pubCommissionAmountPubCurrency");
    for (const [raw, path] of [
      [rawSale, "saleAmount"],
      [rawCommission, "commissionAmount"],
    ] as const) {
      if (raw?.trim().startsWith("-")) {
        f.errors.push({
          path,
          message:
            "negative correction deltas are not accepted on a postback; send the order's current total",
        });
      }
    }
    const saleAmountMinor = f.amount(rawSale, currency, "saleAmount");
    const commissionMinor = f.amount(rawCommission, currency, "commissionAmount");
    const original = parseBoolean(params.first("original"));
    if (original === undefined)
      f.errors.push({ path: "original", message: "must be true, false, 1 or 0" });
    const corrected =
      original === false ||
      params.first("correctionReason") !== null ||
      (rawStatus ?? "").trim().toLowerCase() === "corrected";
    const rawEvent = params.first("eventDate");
    const occurredAtMs = f.time(parseIsoTime(rawEvent), rawEvent, "eventDate");
    const rawPosting = params.first("postingDate");
    const updatedAtMs =
      rawPosting === null ? null : f.time(parseIsoTime(rawPosting), rawPosting, "postingDate");
    return {
      orderId,
      subId: params.first("sid", "shopperId"),
      status: effectiveCjStatus(status, corrected, saleAmountMinor, commissionMinor),
      currency,
      saleAmountMinor,
      commissionMinor,
      lineItems: null,
      category: params.first("category"),
      occurredAtMs,
      updatedAtMs,
      // The advertiser's CID, as the Commission Detail record's `advertiserId` names it.
      networkOfferRef: params.first("advertiserId", "cid"),
    };
  });
}

/** null when absent; undefined when present but not a boolean. */
function parseBoolean(value: string | null): boolean | null | undefined {
  if (value === null) return null;
  const text = value.trim().toLowerCase();
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  return undefined;
}
