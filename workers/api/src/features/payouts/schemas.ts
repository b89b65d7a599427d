import { z } from "@hono/zod-openapi";
import { AmountMinorSchema, CurrencySchema } from "#shared/money/currency";
import { PAYOUT_STATUSES } from "#shared/payouts/types";

/** Payout schemas shared by the user routes: destinations, redemptions, step-up. */

export const DestinationSchema = z
  .object({
    id: z.string(),
    type: z.enum(["bank", "upi"]),
    label: z.string().nullable(),
    masked: z.string().describe("the only form in which details are ever shown"),
    status: z
      .enum(["active", "needs_attention", "removed"])
      .describe("needs_attention: a payout to it failed; update its details"),
    usableFrom: z.string().describe("payouts may go to it from this time (cooling-off)"),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("PayoutDestination");

const LabelSchema = z.string().min(1).max(60).nullable().default(null);
/**
 * Letters (any script), combining marks, spaces, `.`, `'` and `-`. The regex needs the `u`
 * flag for `\p{…}`; the document states the same pattern without the flag, in the form a
 * JSON Schema (ECMA-262, unicode) validator reads it, so a spec-driven client accepts exactly
 * what the server does.
 */
export const HOLDER_NAME_PATTERN = "^[\\p{L}\\p{M} .'-]+$";
const HolderNameSchema = z
  .string()
  .min(2)
  .max(100)
  .regex(new RegExp(HOLDER_NAME_PATTERN, "u"), "letters, spaces, . ' and - only")
  .openapi({ pattern: HOLDER_NAME_PATTERN });

/** A step-up code (POST /v1/me/step-up) presented with a change. */
const StepUpSchema = z
  .object({
    challengeId: z.string().min(1).max(64),
    code: z.string().regex(/^\d{6}$/, "six digits"),
  })
  .strict();

const DestinationStepUpSchema = StepUpSchema.optional().describe(
  "a step-up code issued after the account's security check; needed only while one asks for it (403 step_up_required)",
);

export const DestinationInputSchema = z
  .discriminatedUnion("type", [
    z
      .object({
        type: z.literal("bank"),
        accountNumber: z.string().regex(/^\d{9,18}$/, "9 to 18 digits"),
        ifsc: z
          .string()
          .regex(/^[A-Z]{4}0[A-Z0-9]{6}$/, "an IFSC: 4 letters, 0, then 6 letters or digits"),
        holderName: HolderNameSchema,
        label: LabelSchema,
        stepUp: DestinationStepUpSchema,
      })
      .strict(),
    z
      .object({
        type: z.literal("upi"),
        vpa: z
          .string()
          .max(100)
          .regex(/^[A-Za-z0-9._-]{2,64}@[A-Za-z][A-Za-z0-9]{1,31}$/, "a UPI id such as name@bank"),
        holderName: HolderNameSchema.nullable().default(null),
        label: LabelSchema,
        stepUp: DestinationStepUpSchema,
      })
      .strict(),
  ])
  .openapi("PayoutDestinationInput");

export const PayoutSchema = z
  .object({
    id: z.string(),
    status: z.enum(PAYOUT_STATUSES),
    amountMinor: AmountMinorSchema,
    currency: z.string(),
    destination: z.object({
      type: z.enum(["bank", "upi", "gift_card"]).nullable(),
      id: z.string().nullable(),
      masked: z.string().nullable(),
    }),
    holdReason: z.string().nullable(),
    failureCode: z
      .string()
      .nullable()
      .describe("why it failed; the amount is back in confirmed cashback"),
    createdAt: z.string(),
    updatedAt: z.string(),
    paidAt: z.string().nullable(),
  })
  .openapi("Redemption");

export const RedemptionInputSchema = z
  .object({
    amountMinor: AmountMinorSchema.refine((n) => n > 0, "must be positive"),
    currency: CurrencySchema,
    destinationId: z.string().max(64).optional().describe("a saved bank account or UPI id"),
    giftCardId: z.string().max(64).optional().describe("a gift card from GET /v1/me/gift-cards"),
    stepUp: z
      .object({
        challengeId: z.string().min(1).max(64),
        code: z.string().regex(/^\d{6}$/, "six digits"),
      })
      .strict()
      .optional()
      .describe("the code sent after POST /v1/me/step-up; required before money moves"),
  })
  .strict()
  .refine((b) => (b.destinationId === undefined) !== (b.giftCardId === undefined), {
    message: "send exactly one of destinationId and giftCardId",
    path: ["destinationId"],
  })
  .openapi("RedemptionInput");

export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(8)
    .max(100)
    .regex(/^[\x21-\x7e]+$/, "printable ASCII")
    .describe("required: the same key returns the same redemption instead of paying twice"),
});

export const DestinationIdParam = z.object({
  id: z
    .string()
    .regex(/^dst_[A-Za-z0-9_-]{8,40}$/, "a destination id")
    .openapi({ param: { name: "id", in: "path" } }),
});
