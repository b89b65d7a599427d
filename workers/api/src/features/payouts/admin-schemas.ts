import { z } from "@hono/zod-openapi";
import { CurrencySchema } from "#shared/money/currency";
import { PAYOUT_ID_PATTERN } from "#shared/payouts/types";
import { PAYOUT_DISCREPANCY_KINDS } from "./recon-compare";

const MAX_DENOMINATIONS = 20;

/** Schemas of the operator's payout routes: payouts, gift cards, finance, reconciliation. */

export const AdminPayoutSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    status: z.string(),
    destinationType: z.string().nullable(),
    destinationMasked: z.string().nullable(),
    amountMinor: z.number().int().nullable(),
    currency: z.string().nullable(),
    holdReason: z.string().nullable(),
    failureCode: z.string().nullable(),
    attention: z
      .string()
      .nullable()
      .describe("the processor contradicted a final state or an amount: look at it"),
    attempts: z.number().int(),
    processorId: z.string().nullable(),
    processorRef: z.string().nullable(),
    createdAt: z.string().nullable(),
    updatedAt: z.string(),
    paidAt: z.string().nullable(),
  })
  .openapi("AdminPayout");

export const PayoutIdParam = z.object({
  id: z
    .string()
    .regex(PAYOUT_ID_PATTERN, "a payout id")
    .openapi({ param: { name: "id", in: "path" } }),
});

/** An operator's payout action may say why; the reason is kept in the payout's log. */
export const PayoutActionInputSchema = z
  .object({
    reason: z
      .string()
      .trim()
      .min(1, "a reason is required")
      .max(500)
      .optional()
      .describe(
        "why (the console always sends one): kept in the payout's log, and so in the audit log",
      ),
  })
  .strict()
  .openapi("PayoutActionInput");

export const GiftCardInputSchema = z
  .object({
    brand: z.string().trim().min(1).max(80),
    currency: CurrencySchema,
    denominationsMinor: z
      .array(
        z
          .number()
          .int("denominations are integer minor units")
          .positive()
          .max(Number.MAX_SAFE_INTEGER),
      )
      .min(1)
      .max(MAX_DENOMINATIONS)
      .refine((d) => new Set(d).size === d.length, "denominations must be distinct")
      .describe("the amounts a user may pick, in minor units; stored in ascending order"),
    active: z.boolean().default(true),
  })
  .strict()
  .openapi("GiftCardInput");

export const GiftCardSchema = z
  .object({
    id: z.string(),
    brand: z.string(),
    currency: z.string(),
    denominationsMinor: z.array(z.number().int()),
    active: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("GiftCard");

export const ReconRunSchema = z
  .object({
    id: z.string(),
    processorId: z.string(),
    from: z.string(),
    to: z.string(),
    status: z.enum(["running", "completed", "failed"]),
    checkedPayouts: z.number().int(),
    walletsQueued: z
      .number()
      .int()
      .describe(
        "wallet audits queued so far: the fan-out runs as a chain of page messages after the run",
      ),
    error: z.string().nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi("PayoutReconRun");

export const DiscrepancySchema = z
  .object({
    runId: z.string(),
    kind: z.enum(PAYOUT_DISCREPANCY_KINDS),
    subject: z.string().describe("the payout id; the user id for wallet_buckets_mismatch"),
    detail: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .openapi("PayoutDiscrepancy");
