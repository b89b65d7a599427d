import type { ProblemBody } from "#shared/http/errors";

/**
 * A risk list's textarea ↔ the admin API's `entries`, pure: one entry a line, blank lines
 * dropped, and the API's `entries.<index>` errors turned back into the line the operator typed
 * them on (the index counts only the lines sent). The API validates and normalises (lower
 * case, sorted, no repeats); nothing here decides what may be on a list.
 */

/** The lines sent as entries, with the 1-based line number each came from. */
export interface TypedEntries {
  entries: string[];
  lines: number[];
}

/**
 * The entries of a textarea: trimmed, blank lines dropped.
 *
 * @example
 * entriesOf("mailinator.com\n\n  temp-mail.org ") // { entries: ["mailinator.com", "temp-mail.org"], lines: [1, 3] }
 */
export function entriesOf(text: string): TypedEntries {
  const typed: TypedEntries = { entries: [], lines: [] };
  text.split(/\r?\n/).forEach((raw, i) => {
    const entry = raw.trim();
    if (entry === "") return;
    typed.entries.push(entry);
    typed.lines.push(i + 1);
  });
  return typed;
}

/** One refused line: where it was typed, what it said, and why the API refused it. */
export interface LineProblem {
  line: number;
  entry: string;
  message: string;
}

/** The API's `entries.<index>` errors as the lines they came from, in line order. */
export function lineProblems(
  problem: ProblemBody | null | undefined,
  typed: TypedEntries,
): LineProblem[] {
  const found: LineProblem[] = [];
  for (const e of problem?.errors ?? []) {
    const match = /^entries\.(\d+)$/.exec(e.path);
    const index = match ? Number(match[1]) : -1;
    const line = typed.lines[index];
    const entry = typed.entries[index];
    if (line !== undefined && entry !== undefined) found.push({ line, entry, message: e.message });
  }
  return found.sort((a, b) => a.line - b.line);
}

/** How many refused lines are spelled out beside the textarea; the rest are counted. */
export const LINE_PROBLEMS_SHOWN = 20;

/**
 * The refused lines as one message for the field: `line 2 "x": why; line 5 "y": why`, and
 * how many more when there are more than LINE_PROBLEMS_SHOWN. Undefined when none.
 *
 * @example
 * lineProblemText([{ line: 2, entry: "x", message: "must be a domain name" }]) // 'line 2 "x": must be a domain name'
 */
export function lineProblemText(problems: readonly LineProblem[]): string | undefined {
  if (problems.length === 0) return undefined;
  const shown = problems
    .slice(0, LINE_PROBLEMS_SHOWN)
    .map((p) => `line ${p.line} "${p.entry}": ${p.message}`);
  const more = problems.length - LINE_PROBLEMS_SHOWN;
  return shown.join("; ") + (more > 0 ? `; and ${more} more` : "");
}

/**
 * The PUT body of a list: its entries and, when the form knew it, the version it was loaded
 * from (a newer save is then refused with 409).
 *
 * @example
 * riskListBody("mailinator.com", "3") // { entries: ["mailinator.com"], expectedVersion: 3 }
 */
export function riskListBody(
  text: string,
  expectedVersion: string | undefined,
): { entries: string[]; expectedVersion?: number } {
  const expected = (expectedVersion ?? "").trim();
  return {
    entries: entriesOf(text).entries,
    ...(/^\d{1,9}$/.test(expected) ? { expectedVersion: Number(expected) } : {}),
  };
}
