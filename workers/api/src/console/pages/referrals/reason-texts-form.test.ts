import { describe, expect, test } from "vitest";
import { reasonTextsBody, reasonTextsValues, savedNotice } from "./reason-texts-form";

const CODES = ["code_at_signup", "reward_credited", "referrer_banned"];

describe("reasonTextsBody", () => {
  test.each([
    ["nothing typed", {}, {}],
    [
      "texts trimmed, empty ones left out",
      { "texts.code_at_signup": "  Código  ", "texts.reward_credited": "   " },
      { code_at_signup: "Código" },
    ],
    [
      "fields that are not codes ignored",
      { "texts.unknown": "x", _csrf: "t", "texts.referrer_banned": "Banido" },
      { referrer_banned: "Banido" },
    ],
    [
      "every code",
      {
        "texts.code_at_signup": "a",
        "texts.reward_credited": "b",
        "texts.referrer_banned": "c",
      },
      { code_at_signup: "a", reward_credited: "b", referrer_banned: "c" },
    ],
  ])("%s", (_label, form, texts) => {
    expect(reasonTextsBody(form, CODES)).toEqual({ texts });
  });
});

describe("reasonTextsValues", () => {
  test.each([
    ["none", {}, {}],
    ["one", { reward_credited: "Pago" }, { "texts.reward_credited": "Pago" }],
  ])("%s", (_label, texts, values) => {
    expect(reasonTextsValues(texts)).toEqual(values);
  });
});

describe("savedNotice", () => {
  test.each([
    ["some missing", ["pt-BR", 3, 9], "pt-BR saved: 3 texts translated, 9 shown in English."],
    ["one text", ["hi", 1, 11], "hi saved: 1 text translated, 11 shown in English."],
    ["all translated", ["hi", 12, 0], "hi saved: 12 texts translated, none shown in English."],
    ["emptied", ["hi", 0, 12], "hi has no texts left: members see English."],
  ] as const)("%s", (_label, [locale, translated, missing], expected) => {
    expect(savedNotice(locale, translated, missing)).toBe(expected);
  });
});
