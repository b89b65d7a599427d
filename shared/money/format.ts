import { minorUnitExponent } from "./decimal";

/**
 * The exact decimal a minor-unit amount stands for, as a string (no floating point):
 * 12345 EUR → "123.45", 500 JPY → "500", -7 USD → "-0.07".
 */
export function minorToDecimalString(amountMinor: number, currency: string): string {
  const exponent = minorUnitExponent(currency);
  const digits = Math.abs(Math.trunc(amountMinor))
    .toString()
    .padStart(exponent + 1, "0");
  const sign = amountMinor < 0 ? "-" : "";
  if (exponent === 0) return `${sign}${digits}`;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/**
 * Money for people to read, from integer minor units, in the currency's own format.
 * Intl.NumberFormat formats the decimal string exactly, so no amount is ever rounded.
 *
 * @example
 * formatMoney(123456, "EUR"); // "€1,234.56"
 */
export function formatMoney(amountMinor: number, currency: string, locale = "en"): string {
  const exponent = minorUnitExponent(currency);
  try {
    const format = new Intl.NumberFormat(locale, {
      style: "currency",
      currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
    // ES2023 NumberFormat v3 takes a decimal string and formats it without going through a double.
    return format.format(minorToDecimalString(amountMinor, currency) as unknown as number);
  } catch {
    return `${minorToDecimalString(amountMinor, currency)} ${currency}`;
  }
}
