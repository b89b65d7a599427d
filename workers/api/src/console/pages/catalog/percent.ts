/**
 * Rates in the console's forms are percentages ("7.5"); the API takes integer basis points
 * (750). This is the one conversion, exact (no floating point): up to two decimals, because a
 * basis point is a hundredth of a percent. shared/money has no such helper (rates arrive there
 * already in bps), so the console keeps it here.
 */

export type PercentParse = { ok: true; rateBps: number } | { ok: false; message: string };

const PERCENT = /^(\d{1,3})(?:[.,](\d{1,2}))?$/;

/**
 * A percentage as typed into a form, to basis points.
 *
 * @example
 * percentToBps("7.5")   // { ok: true, rateBps: 750 }
 * percentToBps("0.01")  // { ok: true, rateBps: 1 }
 * percentToBps("7.555") // { ok: false, message: "…at most two decimals…" }
 */
export function percentToBps(text: string): PercentParse {
  const trimmed = text.trim().replace(/%$/, "").trim();
  if (trimmed === "") return { ok: false, message: "enter a rate in percent, such as 7.5" };
  const match = PERCENT.exec(trimmed);
  if (!match) {
    return {
      ok: false,
      message: "a rate is a percentage with at most two decimals, such as 7.5 or 0.25",
    };
  }
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? "").padEnd(2, "0"));
  const rateBps = whole * 100 + fraction;
  if (rateBps > 10_000) return { ok: false, message: "a rate is at most 100%" };
  return { ok: true, rateBps };
}

/**
 * Basis points back to the text a form shows: 750 → "7.5", 1 → "0.01", 1000 → "10".
 *
 * @example
 * bpsToPercentText(750) // "7.5"
 */
export function bpsToPercentText(rateBps: number): string {
  const whole = Math.trunc(rateBps / 100);
  const fraction = String(rateBps % 100)
    .padStart(2, "0")
    .replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : String(whole);
}
