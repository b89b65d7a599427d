/**
 * The benches' result tables: a Markdown table whose columns are padded to line up, so it
 * reads in a terminal and pastes into docs/benchmarks.md as it is.
 */
export interface Column {
  header: string;
  /** Numbers line up on the right; text (the default) on the left. */
  align?: "left" | "right";
}

/**
 * The lines of one table; a row shorter than the columns is padded with empty cells.
 *
 * @example
 * formatTable([{ header: "Engine" }, { header: "events/s", align: "right" }], [["ours", "124,245"]])
 * // ["| Engine | events/s |", "| ------ | -------: |", "| ours   |  124,245 |"]
 */
export function formatTable(columns: readonly Column[], rows: readonly string[][]): string[] {
  const widths = columns.map((column, i) =>
    Math.max(3, column.header.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${columns
      .map((column, i) => {
        const cell = cells[i] ?? "";
        const width = widths[i] as number;
        return column.align === "right" ? cell.padStart(width) : cell.padEnd(width);
      })
      .join(" | ")} |`;
  const rule = `| ${columns
    .map((column, i) => {
      const width = widths[i] as number;
      return column.align === "right" ? `${"-".repeat(width - 1)}:` : "-".repeat(width);
    })
    .join(" | ")} |`;
  return [line(columns.map((column) => column.header)), rule, ...rows.map(line)];
}

/** Prints `formatTable` to stdout, each line indented by `indent`. */
export function printTable(
  columns: readonly Column[],
  rows: readonly string[][],
  indent = "",
): void {
  for (const line of formatTable(columns, rows)) console.log(`${indent}${line}`);
}

/** An integer with thousands separators: `124245` → `124,245`. */
export function thousands(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
