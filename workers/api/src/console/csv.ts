import type { ProblemBody } from "#shared/http/errors";
import { minorToDecimalString } from "./format/money";

/**
 * CSV exports of the console's filtered lists (docs/console.md "Payouts and exports"): one
 * shared helper, so every export is streamed, bounded, safe to open in a spreadsheet and
 * formats money the same way. A page's `…/export.csv` route describes its columns and how to
 * fetch one page of the admin API with the page's filters; `csvExport` does the rest.
 */

/** The most rows one export writes; past it the file ends with a "cut off" line. */
export const MAX_EXPORT_ROWS = 10_000;

/** The response header naming the bound, so a client can tell a cut-off file. */
export const EXPORT_LIMIT_HEADER = "x-export-row-limit";

/**
 * The row bound an export asked for: `?max=` lowers it (a quick sample), never raises it
 * past MAX_EXPORT_ROWS.
 *
 * @example
 * exportRowLimit("50"); // 50
 * exportRowLimit("999999"); // 10000
 */
export function exportRowLimit(max: string | undefined): number {
  const n = Number(max);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_EXPORT_ROWS) : MAX_EXPORT_ROWS;
}

/** Cells a spreadsheet would read as a formula (CSV injection) start with one of these. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain decimal number (money, counts) is data, never a formula, and keeps its sign. */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

export type CsvValue = string | number | boolean | null | undefined;

/**
 * One cell: quoted when it holds a comma, quote or line break; prefixed with `'` when it
 * would start a formula (unless it is a plain number, such as a negative amount).
 *
 * @example
 * csvCell("=HYPERLINK(\"x\")"); // "\"'=HYPERLINK(\"\"x\"\")\""
 * csvCell("-12.50"); // "-12.50"
 */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value !== "number" && FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) {
    text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line (CRLF, as RFC 4180 writes it). */
export function csvLine(cells: readonly CsvValue[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/** The headers of a CSV download named `filename` (other than `A-Za-z0-9._-` becomes `_`). */
export function csvHeaders(filename: string): Record<string, string> {
  return {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, "_")}"`,
    "cache-control": "no-store",
  };
}

/** A CSV download held whole in memory (a bounded report table): `rows` as RFC 4180 lines. */
export function csvDownload(filename: string, rows: readonly (readonly CsvValue[])[]): Response {
  return new Response(rows.map((r) => csvLine(r)).join(""), {
    status: 200,
    headers: csvHeaders(filename),
  });
}

/**
 * Money for a spreadsheet: the exact decimal from integer minor units (no currency symbol;
 * the export has a currency column beside it). Empty when the amount is unknown.
 *
 * @example
 * csvMoney(123456, "EUR"); // "1234.56"
 * csvMoney(500, "JPY"); // "500"
 */
export function csvMoney(amountMinor: number | null | undefined, currency: string | null): string {
  if (amountMinor === null || amountMinor === undefined || !currency) return "";
  return minorToDecimalString(amountMinor, currency);
}

export interface CsvColumn<T> {
  header: string;
  value: (row: T) => CsvValue;
}

/** One page of an admin API list, or the problem it answered with. */
export type CsvPage<T> =
  | { ok: true; items: readonly T[]; nextCursor: string | null }
  | { ok: false; problem: ProblemBody };

export interface CsvExportSpec<T> {
  /** The file name offered to the browser (letters, digits, dashes, dots). */
  filename: string;
  columns: readonly CsvColumn<T>[];
  /** Fetches the page after `cursor` (null: the first) with the export's filters. */
  fetchPage: (cursor: string | null) => Promise<CsvPage<T>>;
  /** Defaults to MAX_EXPORT_ROWS. */
  maxRows?: number;
}

/**
 * A streamed CSV download: the header line, then each page of the admin API as it arrives,
 * until the list ends or `maxRows` rows are written. A file that was cut off, or whose
 * source failed part-way, ends with a line starting `#` that says so (the headers are sent
 * before the rows are known, so the body is the only place to say it).
 *
 * @example
 * return csvExport({
 *   filename: "payouts.csv",
 *   columns: [{ header: "id", value: (p) => p.id }],
 *   fetchPage: async (cursor) => { … api.get("/admin/v1/payouts", { ...filters, cursor }) … },
 * });
 */
export function csvExport<T>(spec: CsvExportSpec<T>): Response {
  const maxRows = spec.maxRows ?? MAX_EXPORT_ROWS;
  const encoder = new TextEncoder();
  let cursor: string | null = null;
  let written = 0;
  let started = false;
  let done = false;

  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (done) return;
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(csvLine(spec.columns.map((c) => c.header))));
        return;
      }
      const page = await spec.fetchPage(cursor);
      if (!page.ok) {
        controller.enqueue(
          encoder.encode(csvLine([`# export failed after ${written} rows: ${page.problem.title}`])),
        );
        done = true;
        controller.close();
        return;
      }
      const room = maxRows - written;
      const rows = page.items.slice(0, room);
      let text = "";
      for (const row of rows) text += csvLine(spec.columns.map((c) => c.value(row)));
      written += rows.length;
      cursor = page.nextCursor;
      const more = page.items.length > rows.length || cursor !== null;
      if (written >= maxRows && more) {
        text += csvLine([
          `# cut off at ${maxRows} rows (the export limit): narrow the filters to export the rest`,
        ]);
        done = true;
      } else if (!more) {
        done = true;
      }
      if (text) controller.enqueue(encoder.encode(text));
      if (done) controller.close();
    },
  });

  return new Response(stream, {
    status: 200,
    headers: { ...csvHeaders(spec.filename), [EXPORT_LIMIT_HEADER]: String(maxRows) },
  });
}
