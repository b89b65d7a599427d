import { finalizeConversion } from "../core/normalize";
import type { RowResult } from "../core/report-page";
import type { NormalizedConversion } from "../types";
import type { CjRecord } from "./record";
import { effectiveCjStatus } from "./status";

/**
 * Folds an order's CJ records into one conversion with current amounts. CJ never edits a
 * commission: a return or price change posts a correction record (original = false) whose
 * amounts are the negative difference. The order's value is therefore the sum of its original
 * and every correction seen; the latest posted record says where it is in CJ's lifecycle.
 *
 * - Sum ≤ 0 on both amounts: the order was corrected to zero, so it is cancelled.
 * - Sum lower but positive: a partial refund; the status stands with the new amounts.
 * - Only corrections (their original was reported in an earlier window): there is nothing to
 *   subtract from, so the group is refused with `correction_without_original` instead of
 *   guessing. Filtering reports by event date (the default) keeps corrections beside their
 *   original, because CJ corrections keep the original's event date.
 * - Line items are kept only for an uncorrected order: correction records do not say which
 *   lines they take back.
 *
 * @example
 * foldCjOrder([original, correction], "USD") // { ok: true, conversion: { saleAmountMinor: net, … } }
 */
export function foldCjOrder(records: readonly CjRecord[], currency: string): RowResult {
  const first = records[0];
  if (first === undefined) return { ok: false, orderId: null, reason: "empty order" };
  const orderId = first.orderKey.slice(0, 128);
  if (!records.some((r) => r.original)) {
    return { ok: false, orderId, reason: "correction_without_original" };
  }
  let sale = 0;
  let commission = 0;
  let latest = first;
  for (const record of records) {
    sale += record.saleMinor;
    commission += record.commissionMinor;
    if (record.postingMs >= latest.postingMs) latest = record;
  }
  if ((sale < 0 && commission > 0) || (sale > 0 && commission < 0)) {
    return { ok: false, orderId, reason: "corrections disagree in sign on sale and commission" };
  }
  const corrected = records.some((r) => r.corrected);
  const saleAmountMinor = Math.max(0, sale);
  const commissionMinor = Math.max(0, commission);
  const originals = records.filter((r) => r.original);
  const items = corrected ? [] : originals.flatMap((r) => r.items);
  const draft: NormalizedConversion = {
    orderId: first.orderKey,
    subId: records.find((r) => r.shopperId !== null)?.shopperId ?? null,
    status: effectiveCjStatus(latest.status, corrected, saleAmountMinor, commissionMinor),
    currency,
    saleAmountMinor,
    commissionMinor,
    lineItems: items.length > 0 ? items : null,
    category: null,
    occurredAtMs: Math.min(...originals.map((r) => r.eventMs)),
    updatedAtMs: Math.max(...records.map((r) => r.postingMs)),
    networkOfferRef: records.find((r) => r.advertiserId !== null)?.advertiserId ?? null,
  };
  const done = finalizeConversion(draft);
  return done.ok ? done : { ok: false, orderId, reason: "invalid record", fields: done.fields };
}
