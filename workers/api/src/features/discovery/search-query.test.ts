import { describe, expect, test } from "vitest";
import { blendedScore, MAX_QUERY_TERMS, matchExpression } from "./search-query";

describe("matchExpression", () => {
  test.each([
    { label: "one word becomes a quoted prefix", q: "ama", match: '"ama"*' },
    { label: "case is kept (the tokenizer folds it)", q: "Amazon", match: '"Amazon"*' },
    { label: "words are ANDed", q: "cafe paris", match: '"cafe"* "paris"*' },
    { label: "punctuation splits words", q: "h&m/zara", match: '"h"* "m"* "zara"*' },
    { label: "accents are kept (the tokenizer folds them)", q: "Café", match: '"Café"*' },
    { label: "decomposed accents are composed", q: "Cafe\u0301", match: '"Café"*' },
    { label: "digits are words", q: "iphone 15", match: '"iphone"* "15"*' },
    { label: "quotes cannot break out", q: 'a" OR "b', match: '"a"* "OR"* "b"*' },
    {
      label: "FTS5 operators are plain words",
      q: "NEAR(a b) title:x",
      match: '"NEAR"* "a"* "b"* "title"* "x"*',
    },
    {
      label: "prefix and caret syntax is dropped",
      q: "^foo* -bar +baz",
      match: '"foo"* "bar"* "baz"*',
    },
    { label: "non-Latin scripts", q: "मोबाइल", match: '"मोबाइल"*' },
  ])("$label", ({ q, match }) => {
    expect(matchExpression(q)).toBe(match);
  });

  test.each([
    { label: "empty", q: "" },
    { label: "spaces", q: "   " },
    { label: "punctuation only", q: '"*()^:-' },
    { label: "a combining mark alone", q: "\u0301" },
    { label: "emoji only", q: "😀🎉" },
  ])("no words, no expression: $label", ({ q }) => {
    expect(matchExpression(q)).toBeNull();
  });

  test("keeps at most MAX_QUERY_TERMS words and 64 characters a word", () => {
    const expression = matchExpression(`${"x".repeat(100)} ${"w ".repeat(20)}`) ?? "";
    expect(expression.split(" ")).toHaveLength(MAX_QUERY_TERMS);
    expect(expression.startsWith(`"${"x".repeat(64)}"*`)).toBe(true);
  });
});

describe("blendedScore (lower ranks first)", () => {
  test.each([
    { label: "no rate: bm25 as is", bm25: -2, rateBps: 0, score: -2 },
    { label: "10% scales by 1.1", bm25: -2, rateBps: 1_000, score: -2.2 },
    { label: "100% doubles", bm25: -1.5, rateBps: 10_000, score: -3 },
  ])("$label", ({ bm25, rateBps, score }) => {
    expect(blendedScore(bm25, rateBps)).toBeCloseTo(score, 10);
  });

  test.each([
    { label: "equal match: the better rate first", a: [-2, 900], b: [-2, 200] },
    { label: "a much better match beats a better rate", a: [-6, 0], b: [-2, 5_000] },
    { label: "a slightly better match loses to a far better rate", a: [-2, 5_000], b: [-2.5, 0] },
  ])("$label", ({ a, b }) => {
    expect(blendedScore(a[0] as number, a[1] as number)).toBeLessThan(
      blendedScore(b[0] as number, b[1] as number),
    );
  });
});
