import { describe, expect, test } from "vitest";
import {
  localeCandidates,
  localizedReason,
  normalizeLocale,
  type ReasonTextBook,
  responseLocale,
} from "./reason-locale";

describe("normalizeLocale", () => {
  test.each([
    { label: "a bare language", tag: "hi", want: "hi" },
    { label: "upper-case language", tag: "HI", want: "hi" },
    { label: "a region", tag: "pt-br", want: "pt-BR" },
    { label: "script and region", tag: "zh-hant-tw", want: "zh-Hant-TW" },
    { label: "a numeric region", tag: "es-419", want: "es-419" },
    { label: "spaces around", tag: "  ta-IN ", want: "ta-IN" },
    { label: "underscore is not BCP 47", tag: "pt_BR", want: null },
    { label: "a variant is not stored", tag: "de-DE-1996", want: null },
    { label: "junk", tag: "klingon!", want: null },
    { label: "empty", tag: "", want: null },
  ])("$label", ({ tag, want }) => {
    expect(normalizeLocale(tag)).toBe(want);
  });
});

describe("localeCandidates", () => {
  test.each<{ label: string; explicit?: string; header?: string; want: string[] }>([
    { label: "nothing asked: English", want: [] },
    { label: "an explicit locale and its language", explicit: "hi-IN", want: ["hi-IN", "hi"] },
    { label: "explicit beats the header", explicit: "ta", header: "hi", want: ["ta"] },
    { label: "explicit English", explicit: "en-GB", want: ["en-GB"] },
    { label: "a malformed explicit locale: English", explicit: "??", want: [] },
    {
      label: "the header by quality, cut at English",
      header: "pt-BR,pt;q=0.9,en;q=0.8,hi;q=0.5",
      want: ["pt-BR", "pt"],
    },
    {
      label: "qualities out of order",
      header: "hi;q=0.4, ta-IN;q=0.9",
      want: ["ta-IN", "ta", "hi"],
    },
    { label: "q=0 means not wanted", header: "hi;q=0, ta", want: ["ta"] },
    { label: "a wildcard adds nothing", header: "*", want: [] },
    { label: "malformed entries are skipped", header: "x_y, hi", want: ["hi"] },
    { label: "English first", header: "en-US,hi;q=0.5", want: ["en-US"] },
  ])("$label", ({ explicit, header, want }) => {
    expect(localeCandidates(explicit, header)).toEqual(want);
  });
});

describe("localizedReason", () => {
  const english = { reward_credited: "credited", qualifying_event: "qualified" };
  const ptBR: ReasonTextBook = {
    locale: "pt-BR",
    texts: new Map([["reward_credited", "creditado"]]),
  };
  const pt: ReasonTextBook = {
    locale: "pt",
    texts: new Map([
      ["reward_credited", "creditado (pt)"],
      ["qualifying_event", "qualificado"],
    ]),
  };
  test.each([
    {
      label: "the first book that has it",
      code: "reward_credited",
      books: [ptBR, pt],
      want: "creditado",
    },
    {
      label: "falls back along the chain",
      code: "qualifying_event",
      books: [ptBR, pt],
      want: "qualificado",
    },
    {
      label: "no translation: English",
      code: "qualifying_event",
      books: [ptBR],
      want: "qualified",
    },
    { label: "no books: English", code: "reward_credited", books: [], want: "credited" },
    { label: "an unknown code is itself", code: "mystery", books: [], want: "mystery" },
  ])("$label", ({ code, books, want }) => {
    expect(localizedReason(code, books, english)).toBe(want);
  });

  test("the response's locale is the first with any text", () => {
    expect(responseLocale([{ locale: "ta", texts: new Map() }, ptBR])).toBe("pt-BR");
    expect(responseLocale([{ locale: "ta", texts: new Map() }])).toBe("en");
  });
});
