import { normalizeReferralCode } from "./codes";

/**
 * Vanity codes: a code an operator chooses for a member (an influencer's `PRIYA10`), checked
 * here before it is stored. Pure. The list is short on purpose: it catches the words people
 * would be embarrassed to see on a member's share link, including the usual digit-for-letter
 * spellings (`5HIT`), not every insult in every language; an operator choosing a code reads it.
 * Words that hide inside ordinary ones (GRAPE, DOCUMENT, SUSSEX, COCKTAIL) are left out: a
 * filter that refuses innocent codes teaches operators to work around it.
 */

/** Stored upper case; matched anywhere in the code after undoing digit-for-letter swaps. */
const BLOCKED_WORDS = [
  "BITCH",
  "BOLLOCK",
  "BONER",
  "BOOB",
  "CLIT",
  "CUNT",
  "DICK",
  "DILDO",
  "FAG",
  "FCK",
  "FUCK",
  "FUK",
  "HITLER",
  "JIZZ",
  "KKK",
  "NAZI",
  "NIGGA",
  "NIGGER",
  "PENIS",
  "PISS",
  "PORN",
  "PUSSY",
  "RETARD",
  "SHIT",
  "SLUT",
  "TWAT",
  "VAGINA",
  "WANK",
  "WHORE",
] as const;

/** Digits people type for letters, undone before matching. */
const LOOKALIKES: Record<string, string> = {
  "0": "O",
  "1": "I",
  "3": "E",
  "4": "A",
  "5": "S",
  "7": "T",
  "8": "B",
  "9": "G",
};

/**
 * Pure: the normalised vanity code, or why it cannot be one: not 4–16 letters and digits once
 * normalised, or containing a blocked word (also as spelled with look-alike digits, and with
 * `1` read as `L` too).
 *
 * @example
 * vanityCodeOf("priya-10") // { ok: true, code: "PRIYA10" }
 * vanityCodeOf("5h1tcode") // { ok: false, reason: "…not allowed" }
 */
export function vanityCodeOf(
  input: string,
): { ok: true; code: string } | { ok: false; reason: string } {
  const code = normalizeReferralCode(input);
  if (code === null) {
    return {
      ok: false,
      reason: "a code is 4 to 16 letters and digits (spaces and dashes are dropped)",
    };
  }
  const asLetters = [...code].map((c) => LOOKALIKES[c] ?? c).join("");
  const oneAsL = [...code].map((c) => (c === "1" ? "L" : (LOOKALIKES[c] ?? c))).join("");
  const readings = [code, asLetters, oneAsL];
  if (BLOCKED_WORDS.some((word) => readings.some((r) => r.includes(word)))) {
    return { ok: false, reason: "this code contains a word that is not allowed" };
  }
  return { ok: true, code };
}
