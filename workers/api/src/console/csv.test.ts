import { describe, expect, test } from "vitest";
import {
  type CsvPage,
  csvCell,
  csvExport,
  csvLine,
  csvMoney,
  exportRowLimit,
  MAX_EXPORT_ROWS,
} from "./csv";

describe("exportRowLimit", () => {
  test.each<{ label: string; max: string | undefined; want: number }>([
    { label: "absent: the bound", max: undefined, want: MAX_EXPORT_ROWS },
    { label: "lower: taken", max: "50", want: 50 },
    { label: "higher: the bound", max: "999999", want: MAX_EXPORT_ROWS },
    { label: "zero: the bound", max: "0", want: MAX_EXPORT_ROWS },
    { label: "not a number: the bound", max: "lots", want: MAX_EXPORT_ROWS },
  ])("$label", ({ max, want }) => {
    expect(exportRowLimit(max)).toBe(want);
  });
});

describe("csvCell", () => {
  test.each<{ label: string; value: Parameters<typeof csvCell>[0]; want: string }>([
    { label: "plain text as it is", value: "pay_123", want: "pay_123" },
    { label: "null as empty", value: null, want: "" },
    { label: "undefined as empty", value: undefined, want: "" },
    { label: "a number as it is", value: 42, want: "42" },
    { label: "a negative number keeps its sign", value: -7, want: "-7" },
    { label: "a negative decimal string keeps its sign", value: "-0.07", want: "-0.07" },
    { label: "a comma is quoted", value: "a,b", want: '"a,b"' },
    { label: "a quote is doubled and quoted", value: 'say "hi"', want: '"say ""hi"""' },
    { label: "a line break is quoted", value: "a\nb", want: '"a\nb"' },
    { label: "= starts a formula: prefixed", value: "=1+1", want: "'=1+1" },
    { label: "+ starts a formula: prefixed", value: "+1 555", want: "'+1 555" },
    { label: "- text starts a formula: prefixed", value: "-2+3", want: "'-2+3" },
    { label: "@ starts a formula: prefixed", value: "@SUM(A1)", want: "'@SUM(A1)" },
    { label: "a tab start is prefixed", value: "\t=1", want: "'\t=1" },
    {
      label: "a formula with a quote is prefixed and quoted",
      value: '=HYPERLINK("http://x")',
      want: '"\'=HYPERLINK(""http://x"")"',
    },
  ])("$label", ({ value, want }) => {
    expect(csvCell(value)).toBe(want);
  });
});

describe("csvMoney", () => {
  test.each<{ label: string; amountMinor: number | null; currency: string | null; want: string }>([
    { label: "two-decimal currency", amountMinor: 123_456, currency: "EUR", want: "1234.56" },
    { label: "zero-decimal currency", amountMinor: 500, currency: "JPY", want: "500" },
    { label: "three-decimal currency", amountMinor: 1_234, currency: "KWD", want: "1.234" },
    { label: "a small negative amount", amountMinor: -7, currency: "USD", want: "-0.07" },
    { label: "less than one unit", amountMinor: 5, currency: "INR", want: "0.05" },
    { label: "an unknown amount", amountMinor: null, currency: "EUR", want: "" },
    { label: "no currency", amountMinor: 100, currency: null, want: "" },
  ])("$label", ({ amountMinor, currency, want }) => {
    expect(csvMoney(amountMinor, currency)).toBe(want);
  });
});

test("csvLine ends with CRLF", () => {
  expect(csvLine(["a", 1, null, "=x"])).toBe("a,1,,'=x\r\n");
});

type Row = { id: string };
/** A fake admin list of `total` rows served `pageSize` at a time. */
const pages = (total: number, pageSize: number) => {
  const calls: Array<string | null> = [];
  const fetchPage = async (cursor: string | null): Promise<CsvPage<Row>> => {
    calls.push(cursor);
    const start = cursor ? Number(cursor) : 0;
    const end = Math.min(start + pageSize, total);
    const items = Array.from({ length: end - start }, (_, i) => ({ id: `r${start + i}` }));
    return { ok: true, items, nextCursor: end < total ? String(end) : null };
  };
  return { calls, fetchPage };
};

describe("csvExport", () => {
  test.each<{
    label: string;
    total: number;
    pageSize: number;
    maxRows: number;
    rows: number;
    cut: boolean;
  }>([
    {
      label: "an empty list: the header only",
      total: 0,
      pageSize: 3,
      maxRows: 5,
      rows: 0,
      cut: false,
    },
    { label: "one page", total: 2, pageSize: 3, maxRows: 5, rows: 2, cut: false },
    {
      label: "several pages under the bound",
      total: 7,
      pageSize: 3,
      maxRows: 10,
      rows: 7,
      cut: false,
    },
    {
      label: "exactly the bound: not cut off",
      total: 6,
      pageSize: 3,
      maxRows: 6,
      rows: 6,
      cut: false,
    },
    { label: "over the bound: cut off", total: 9, pageSize: 4, maxRows: 6, rows: 6, cut: true },
  ])("$label", async ({ total, pageSize, maxRows, rows, cut }) => {
    const source = pages(total, pageSize);
    const response = csvExport({
      filename: "rows.csv",
      columns: [{ header: "id", value: (r: Row) => r.id }],
      fetchPage: source.fetchPage,
      maxRows,
    });
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="rows.csv"');
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const lines = (await response.text()).split("\r\n").filter((l) => l !== "");
    expect(lines[0]).toBe("id");
    const data = lines.slice(1).filter((l) => !l.startsWith("#"));
    expect(data).toHaveLength(rows);
    expect(lines.some((l) => l.startsWith("# cut off"))).toBe(cut);
    // Never fetches a page it does not need.
    expect(source.calls.length).toBeLessThanOrEqual(Math.ceil(Math.max(rows, 1) / pageSize) + 1);
  });

  test("a source that fails part-way ends the file with a line that says so", async () => {
    let n = 0;
    const response = csvExport<Row>({
      filename: "x.csv",
      columns: [{ header: "id", value: (r) => r.id }],
      fetchPage: async () => {
        n += 1;
        return n === 1
          ? { ok: true, items: [{ id: "a" }], nextCursor: "1" }
          : {
              ok: false,
              problem: {
                type: "about:blank",
                title: "Forbidden",
                status: 403,
                code: "forbidden",
                detail: "",
              } as never,
            };
      },
    });
    expect(await response.text()).toBe("id\r\na\r\n# export failed after 1 rows: Forbidden\r\n");
  });
});
