import { describe, expect, test } from "vitest";
import type { ProblemBody } from "#shared/http/errors";
import {
  entriesOf,
  LINE_PROBLEMS_SHOWN,
  type LineProblem,
  lineProblems,
  lineProblemText,
  riskListBody,
} from "./risk-lists-form";

const problem = (...paths: string[]): ProblemBody => ({
  type: "about:blank",
  title: "Bad Request",
  status: 400,
  code: "validation_failed",
  detail: "some entries cannot be on the list; nothing was saved",
  errors: paths.map((path) => ({ path, message: `bad ${path}` })),
});

describe("entriesOf", () => {
  test.each([
    { label: "empty text is an empty list", text: "", want: { entries: [], lines: [] } },
    {
      label: "blank lines are dropped; line numbers count them",
      text: "a.com\n\n  b.com  \r\n\t\nc.com\n",
      want: { entries: ["a.com", "b.com", "c.com"], lines: [1, 3, 5] },
    },
    {
      label: "entries are sent as typed (the API lower-cases and sorts)",
      text: "Mailinator.COM\nmailinator.com",
      want: { entries: ["Mailinator.COM", "mailinator.com"], lines: [1, 2] },
    },
  ])("$label", ({ text, want }) => {
    expect(entriesOf(text)).toEqual(want);
  });
});

describe("lineProblems", () => {
  const typed = entriesOf("ok.com\n\nnot a domain\nfine.org\n\n??");
  test.each<{ label: string; problem: ProblemBody | undefined; want: LineProblem[] }>([
    { label: "no problem", problem: undefined, want: [] },
    {
      label: "entries.<index> counts only the lines sent; shown in line order",
      problem: problem("entries.3", "entries.1"),
      want: [
        { line: 3, entry: "not a domain", message: "bad entries.1" },
        { line: 6, entry: "??", message: "bad entries.3" },
      ],
    },
    {
      label: "other paths and indexes past the end are not lines",
      problem: problem("entries", "expectedVersion", "entries.9"),
      want: [],
    },
  ])("$label", ({ problem, want }) => {
    expect(lineProblems(problem, typed)).toEqual(want);
  });
});

describe("lineProblemText", () => {
  const line = (n: number): LineProblem => ({ line: n, entry: `x${n}`, message: "why" });
  test.each([
    { label: "none", problems: [], want: undefined },
    { label: "one", problems: [line(2)], want: 'line 2 "x2": why' },
    {
      label: "more than are spelled out are counted",
      problems: Array.from({ length: LINE_PROBLEMS_SHOWN + 3 }, (_, i) => line(i + 1)),
      want: expect.stringMatching(/^line 1 "x1": why; .*; line 20 "x20": why; and 3 more$/),
    },
  ])("$label", ({ problems, want }) => {
    expect(lineProblemText(problems)).toEqual(want);
  });
});

describe("riskListBody", () => {
  test.each([
    {
      label: "entries and the version the page was loaded from",
      text: "a.com\n\nb.com",
      version: "4",
      want: { entries: ["a.com", "b.com"], expectedVersion: 4 },
    },
    {
      label: "an empty list empties it",
      text: "\n \n",
      version: "0",
      want: { entries: [], expectedVersion: 0 },
    },
    {
      label: "no version: saved over whatever is current",
      text: "a.com",
      version: "",
      want: { entries: ["a.com"] },
    },
    {
      label: "a version that is not one is left out",
      text: "a.com",
      version: "x",
      want: { entries: ["a.com"] },
    },
  ])("$label", ({ text, version, want }) => {
    expect(riskListBody(text, version)).toEqual(want);
  });
});
