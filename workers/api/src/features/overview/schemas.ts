import { z } from "@hono/zod-openapi";

const Currency = z.string().describe("ISO 4217 code");
const Minor = (what: string) => z.number().int().describe(`${what}, in minor units`);

const CashbackSchema = z.object({
  currency: Currency,
  pendingMinor: Minor("cashback (with campaign boosts) of conversions still pending"),
  confirmedMinor: Minor("cashback (with campaign boosts) of conversions confirmed"),
  paidMinor: Minor("payouts that reached `paid` in the period"),
});

const PeriodSchema = z.object({
  from: z.string().describe("start, inclusive (UTC midnight)"),
  to: z.string().describe("end, exclusive (UTC midnight)"),
  clicks: z.number().int().describe("clicks stored (repeats within the dedupe window excluded)"),
  conversions: z
    .number()
    .int()
    .describe("transactions converted in the period, every status but rejected"),
  cashback: z.array(CashbackSchema).describe("per currency, sorted by currency"),
});

const AttentionSchema = z.object({
  claimsToReview: z.number().int().describe("missing-cashback claims in `review`, now"),
  heldPayouts: z.number().int().describe("payouts `held` for an operator, now"),
  attentionPayouts: z
    .number()
    .int()
    .describe("payouts a processor event contradicted, flagged for an operator, now"),
  reconciliationDifferences: z
    .number()
    .int()
    .describe(
      "report-reconciliation items no run explained (report behind, ignored, unparseable, " +
        "unknown to the network) plus payout discrepancies, found in the window",
    ),
  openCircuitBreakers: z
    .number()
    .int()
    .describe("networks whose merchant-sync breaker is open, now"),
});

export const OverviewSchema = z
  .object({
    asOf: z.string().describe("the instant the figures are for; today is its UTC day"),
    windowDays: z.number().int(),
    today: PeriodSchema,
    last30Days: PeriodSchema,
    payoutsInFlight: z
      .array(
        z.object({
          currency: z
            .string()
            .nullable()
            .describe("null only for a payout whose details have not reached D1 yet"),
          payouts: z.number().int(),
          totalMinor: Minor("reserved for them"),
        }),
      )
      .describe("payouts not yet paid, failed or cancelled, now, per currency"),
    attention: AttentionSchema,
    daily: z
      .array(
        z.object({
          day: z.string().describe("UTC day, YYYY-MM-DD"),
          clicks: z.number().int(),
          conversions: z.number().int(),
        }),
      )
      .describe("one row per day of the window, oldest first, zeros included"),
    cashbackPerDay: z
      .array(
        z.object({
          currency: Currency,
          days: z
            .array(z.object({ day: z.string(), cashbackMinor: Minor("cashback earned that day") }))
            .describe("one row per day of the window, oldest first, zeros included"),
        }),
      )
      .describe("per currency that earned cashback in the window, sorted by currency"),
  })
  .openapi("Overview");

export type Overview = z.infer<typeof OverviewSchema>;
