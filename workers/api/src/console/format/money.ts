export { formatMoney, minorToDecimalString } from "#shared/money/format";

/** A rate in basis points as a percentage: 250 → "2.5%". */
export function formatRateBps(rateBps: number): string {
  return `${(rateBps / 100).toLocaleString("en", { maximumFractionDigits: 2 })}%`;
}
