import { z } from "zod";

/** ISO 4217 alphabetic code; amounts beside it are always integer minor units. */
export const CurrencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, "currency must be a 3-letter ISO 4217 code such as INR")
  .describe("ISO 4217 currency code");

export type Currency = z.infer<typeof CurrencySchema>;

export const AmountMinorSchema = z
  .number()
  .int("amounts are integer minor units (paise, cents)")
  .nonnegative()
  .max(1_000_000_000_000)
  .describe("amount in minor units (e.g. paise)");

export const RateBpsSchema = z
  .number()
  .int("rates are integer basis points")
  .min(0)
  .max(10_000)
  .describe("rate in basis points (100 bps = 1%)");
