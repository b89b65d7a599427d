import { utf8 } from "../../crypto/encoding";
import { FieldCollector } from "../core/fields";
import { readOptions } from "../core/read-options";
import { ReportError } from "../core/report-error";
import { assertRange } from "../core/report-http";
import {
  collectPage,
  finishReportRow,
  isRecord,
  own,
  ownText,
  type ReportParse,
  type RowResult,
} from "../core/report-page";
import { isoSeconds } from "../core/time";
import { ImpactOptionsMiniSchema } from "../options-mini";
import type { NetworkSettings, ReportRange } from "../types";
import { effectiveImpactStatus } from "./amounts";
import { impactTime } from "./postback";
import { impactStatus } from "./status";

/** impact.com refuses StartDate/EndDate more than 45 days apart. */
export const IMPACT_MAX_RANGE_MS = 45 * 86_400_000;

/**
 * impact.com partner Actions list:
 *
 *   GET https://api.impact.com/Mediapartners/<AccountSID>/Actions
 *       ?StartDate=<ISO>&EndDate=<ISO>&PageSize=1000&Page=1
 *   authorization: Basic base64(<AccountSID>:<AuthToken>)   accept: application/json
 *   → { "@page": "1", "@numpages": "3", …, "Actions": [ { Id, Oid, State, Amount, Payout,
 *        Currency, EventDate, CreationDate, SubId1, CampaignId, DeltaAmount, DeltaPayout, … } ] }
 *
 * StartDate/EndDate filter on when an action was last updated, so a sync sees modifications
 * and reversals; they may be at most 45 days apart (a longer range is refused here rather than
 * by impact.com). Paging is 1-based page numbers; the cursor is the next page. Amounts arrive
 * as decimal strings. Actions carry no item list (that is a separate call per action), so
 * `lineItems` is null.
 */
export function buildImpactReportRequest(
  settings: NetworkSettings,
  range: ReportRange,
  cursor: string | null,
): Request {
  const options = readOptions(ImpactOptionsMiniSchema, settings.options);
  if (!options.ok) throw new ReportError("misconfigured", options.reason);
  const { accountSid } = options.value;
  if (accountSid === undefined)
    throw new ReportError("misconfigured", "impact needs options.accountSid");
  const token = settings.reportApiToken ?? "";
  if (token.length === 0)
    throw new ReportError("misconfigured", "impact needs reportApiToken (the Auth Token)");
  assertRange(range, IMPACT_MAX_RANGE_MS, "impact");
  const page = cursor === null ? 1 : parsePage(cursor);
  const url = new URL(`/Mediapartners/${accountSid}/Actions`, options.value.apiBaseUrl);
  url.searchParams.set("StartDate", isoSeconds(range.fromMs));
  url.searchParams.set("EndDate", isoSeconds(range.toMs));
  url.searchParams.set("PageSize", String(options.value.reportPageSize));
  url.searchParams.set("Page", String(page));
  return new Request(url, {
    method: "GET",
    headers: {
      authorization: `Basic ${basic(accountSid, token)}`,
      accept: "application/json",
    },
  });
}

/**
 * Parses one page of impact.com Actions. Pure and total.
 *
 * @example
 * parseImpactReport({ "@page": "1", "@numpages": "1", Actions: [] }, null)
 */
export function parseImpactReport(json: unknown, cursor: string | null): ReportParse {
  if (!isRecord(json)) return { ok: false, reason: "body is not a JSON object" };
  const rows = own(json, "Actions");
  if (!Array.isArray(rows)) return { ok: false, reason: "Actions is not an array" };
  if (rows.length > 20_000) return { ok: false, reason: "more than 20000 actions in one page" };
  const page = wholeText(own(json, "@page"));
  const pages = wholeText(own(json, "@numpages"));
  if (page === null || pages === null)
    return { ok: false, reason: "@page and @numpages must be whole numbers" };
  const requested = cursor === null ? 1 : Number(cursor);
  if (page !== requested) return { ok: false, reason: "@page is not the page requested" };
  const nextCursor = page < pages && rows.length > 0 ? String(page + 1) : null;
  return { ok: true, page: collectPage(rows, impactRow, nextCursor) };
}

function impactRow(row: unknown): RowResult {
  if (!isRecord(row)) return { ok: false, orderId: null, reason: "record is not an object" };
  const rawOrder = ownText(row, "Oid") ?? ownText(row, "Id");
  const f = new FieldCollector();
  const orderId = f.text(rawOrder, "Oid");
  const rawState = ownText(row, "State");
  const state = f.status(impactStatus(rawState), rawState, "State");
  const currency = f.currency(ownText(row, "Currency"), "Currency");
  const saleAmountMinor = f.amount(own(row, "Amount") ?? null, currency, "Amount");
  const commissionMinor = f.amount(own(row, "Payout") ?? null, currency, "Payout");
  const status = effectiveImpactStatus(
    state,
    saleAmountMinor,
    commissionMinor,
    [own(row, "DeltaAmount"), own(row, "DeltaPayout")],
    currency,
    f,
    ["DeltaAmount", "DeltaPayout"],
  );
  const rawEvent = ownText(row, "EventDate");
  const occurredAtMs = f.time(impactTime(rawEvent), rawEvent, "EventDate");
  return finishReportRow(f, rawOrder, {
    orderId,
    subId: ownText(row, "SubId1"),
    status,
    currency,
    saleAmountMinor,
    commissionMinor,
    lineItems: null,
    category: null,
    occurredAtMs,
    // The Action object has no last-modified time; the report's own range is the best bound.
    updatedAtMs: null,
    networkOfferRef: ownText(row, "CampaignId"),
  });
}

function parsePage(cursor: string): number {
  if (!/^[1-9]\d{0,6}$/.test(cursor))
    throw new ReportError("bad_cursor", "impact cursor is a page number");
  return Number(cursor);
}

/** impact.com sends paging numbers as strings ("2"); numbers are accepted too. */
function wholeText(value: unknown): number | null {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : null;
  return typeof value === "string" && /^\d{1,9}$/.test(value) ? Number(value) : null;
}

function basic(user: string, password: string): string {
  let binary = "";
  for (const byte of utf8.encode(`${user}:${password}`)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
