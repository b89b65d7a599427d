import { expect, test } from "vitest";
import { vanityCodeOf } from "./vanity";

test.each([
  { label: "a name and a number", input: "PRIYA10", want: "PRIYA10" },
  { label: "normalised like any code", input: " priya-10 ", want: "PRIYA10" },
  { label: "0 and O are fine in a vanity code", input: "GOLD2024", want: "GOLD2024" },
  { label: "a word that merely resembles one", input: "SUNSHINE", want: "SUNSHINE" },
  { label: "ordinary words hiding short ones (GRAPE)", input: "GRAPE24", want: "GRAPE24" },
  { label: "ordinary words hiding short ones (DOCUMENT)", input: "DOCUMENT", want: "DOCUMENT" },
  { label: "ordinary words hiding short ones (SUSSEX)", input: "SUSSEX", want: "SUSSEX" },
  { label: "shortest", input: "ABCD", want: "ABCD" },
  { label: "longest", input: "ABCDEFGHJKMNPQRS", want: "ABCDEFGHJKMNPQRS" },
])("allowed: $label", ({ input, want }) => {
  expect(vanityCodeOf(input)).toEqual({ ok: true, code: want });
});

test.each([
  { label: "too short", input: "ABC", reason: /4 to 16/ },
  { label: "too long", input: "A".repeat(17), reason: /4 to 16/ },
  { label: "punctuation", input: "PRIYA!10", reason: /4 to 16/ },
  { label: "a blocked word", input: "SHITCODE", reason: /not allowed/ },
  { label: "in lower case", input: "fuckyou", reason: /not allowed/ },
  { label: "inside the code", input: "XXPORNXX", reason: /not allowed/ },
  { label: "with digits for letters", input: "5H1T", reason: /not allowed/ },
  { label: "with 0 for O", input: "P0RN22", reason: /not allowed/ },
  { label: "with 1 for L", input: "S1UT99", reason: /not allowed/ },
  { label: "with dashes between letters", input: "S-H-I-T", reason: /not allowed/ },
])("refused: $label", ({ input, reason }) => {
  const result = vanityCodeOf(input);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.reason).toMatch(reason);
});
