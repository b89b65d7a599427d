import type { NormalizedConversion, ReportPage, ReportRejection } from "../types";
import type { FieldCollector } from "./fields";
import { type FieldError, finalizeConversion, ORDER_ID_MAX_CHARS } from "./normalize";

/** More records than this in one page is not a page, it is a bug or an attack. */
export const MAX_REPORT_ROWS = 10_000;

export type RowResult =
  | { ok: true; conversion: NormalizedConversion }
  | { ok: false; orderId: string | null; reason: string; fields?: FieldError[] };

/** A parsed report body: the page, or why the body is not the network's documented shape. */
export type ReportParse = { ok: true; page: ReportPage } | { ok: false; reason: string };

/**
 * Maps every record of a page and splits the results into conversions and rejections, so one
 * bad record is reported instead of failing the page (or being dropped without a word).
 *
 * @example
 * const page = collectPage(json.records, (row) => toConversion(row), cursor);
 */
export function collectPage(
  rows: readonly unknown[],
  mapRow: (row: unknown, index: number) => RowResult,
  nextCursor: string | null,
): ReportPage {
  const conversions: NormalizedConversion[] = [];
  const rejected: ReportRejection[] = [];
  rows.forEach((row, index) => {
    const result = mapRow(row, index);
    if (result.ok) {
      conversions.push(result.conversion);
    } else {
      const rejection: ReportRejection = { index, orderId: result.orderId, reason: result.reason };
      if (result.fields) rejection.fields = result.fields;
      rejected.push(rejection);
    }
  });
  return rejected.length > 0 ? { conversions, nextCursor, rejected } : { conversions, nextCursor };
}

/**
 * The last step of every report row: a read that failed, or a draft `finalizeConversion`
 * refuses, becomes a rejection with `reason`. The rejection names the order as the record
 * gave it, cut to the id limit, so the operator can find the record even when the id itself
 * is what is wrong.
 *
 * @example
 * return finishRow(rawOrderId, read.ok ? read : { ok: false, fields: read.fields });
 */
export function finishRow(
  rawOrderId: string | null,
  read: { ok: true; conversion: NormalizedConversion } | { ok: false; fields: FieldError[] },
  reason = "invalid record",
): RowResult {
  const orderId = rawOrderId === null ? null : rawOrderId.slice(0, ORDER_ID_MAX_CHARS);
  if (!read.ok) return { ok: false, orderId, reason, fields: read.fields };
  const done = finalizeConversion(read.conversion);
  return done.ok ? done : { ok: false, orderId, reason, fields: done.fields };
}

/**
 * `finishRow` for a row read field by field (Admitad, impact.com): the draft is finalized
 * only when `f` collected no errors.
 *
 * @example
 * return finishReportRow(f, ownText(row, "Oid"), { orderId, subId, status, … });
 */
export function finishReportRow(
  f: FieldCollector,
  rawOrderId: string | null,
  draft: NormalizedConversion,
): RowResult {
  return finishRow(
    rawOrderId,
    f.errors.length > 0 ? { ok: false, fields: f.errors } : { ok: true, conversion: draft },
  );
}

/** Whether `value` is a plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * An own property of a JSON object, never one inherited from Object.prototype: a record with
 * no `constructor` field must not answer with Object's constructor function.
 *
 * @example
 * own(row, "Oid") // the value, or undefined
 */
export function own(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** An own property as trimmed text: strings as they are, finite numbers as digits, else null. */
export function ownText(record: Record<string, unknown>, key: string): string | null {
  return asText(own(record, key));
}

/** A JSON value as trimmed text: strings as they are, finite numbers as digits, else null. */
export function asText(value: unknown): string | null {
  if (typeof value === "string") return value.trim() || null;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}
