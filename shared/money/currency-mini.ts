import * as z from "../validate/zod-mini";

/**
 * `currency.ts`'s schemas in zod/mini for the hot paths; same checks, same messages
 * (currency-mini.property.test.ts holds each to its classic twin).
 */
export const CurrencyMiniSchema = z
  .string()
  .check(z.regex(/^[A-Z]{3}$/, "currency must be a 3-letter ISO 4217 code such as INR"));

export const AmountMinorMiniSchema = z
  .number()
  .check(
    z.int("amounts are integer minor units (paise, cents)"),
    z.nonnegative(),
    z.maximum(1_000_000_000_000),
  );

export const RateBpsMiniSchema = z
  .number()
  .check(z.int("rates are integer basis points"), z.minimum(0), z.maximum(10_000));
