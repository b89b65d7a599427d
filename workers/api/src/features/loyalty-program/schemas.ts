import { z } from "@hono/zod-openapi";
import { ProgramSettingsSchema } from "#shared/loyalty/program-settings";
import { IsoTimeSchema } from "../../http/common-schemas";

/** The loyalty program's settings, voucher pools and points redemptions (docs/loyalty.md). */

/** Checked whole: shapes, then time zone, validity, rising tiers and the wallet's tier check. */
export const LoyaltyProgramSettingsSchema = ProgramSettingsSchema.openapi("LoyaltyProgramSettings");

const VersionNumber = z.number().int().min(0).max(2_147_483_647);
const NoteSchema = z.string().min(1).max(500);

export const LoyaltyProgramSchema = z
  .object({
    version: VersionNumber.describe("0 while the program runs on the defaults (never saved)"),
    settings: LoyaltyProgramSettingsSchema,
    savedAt: IsoTimeSchema.nullable(),
    savedBy: z.string().nullable(),
    note: z.string().nullable(),
  })
  .openapi("LoyaltyProgram");

export const LoyaltyProgramInputSchema = z
  .strictObject({
    settings: LoyaltyProgramSettingsSchema,
    expectedVersion: VersionNumber.optional().describe(
      "the version the change was made from; refused with 409 if another save came first " +
        "(0 when nothing was saved yet). Omitted: saved over whatever is current",
    ),
    note: NoteSchema.optional().describe("why: shown in the version list"),
  })
  .openapi("LoyaltyProgramInput");

export const LoyaltyProgramVersionSchema = z
  .object({
    version: VersionNumber,
    savedAt: IsoTimeSchema,
    savedBy: z.string(),
    note: z.string().nullable(),
    current: z.boolean(),
    settings: LoyaltyProgramSettingsSchema,
  })
  .openapi("LoyaltyProgramVersion");

export const LoyaltyProgramVersionListSchema = z
  .object({ items: z.array(LoyaltyProgramVersionSchema), nextCursor: z.string().nullable() })
  .openapi("LoyaltyProgramVersionList");

// ---- voucher pools ---------------------------------------------------------------------------

export const POOL_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const PoolId = z
  .string()
  .regex(POOL_ID_PATTERN, "1–64 lower-case letters, digits, _ or -")
  .describe("the pool's id, e.g. `amazon-500`");

export const VoucherPoolInputSchema = z
  .strictObject({
    id: PoolId,
    name: z.string().trim().min(1).max(120),
    pointsCost: z.number().int().min(1).max(1_000_000_000).describe("points one code costs"),
    active: z.boolean().default(true).describe("inactive pools issue no codes"),
  })
  .openapi("VoucherPoolInput");

export const VoucherPoolUpdateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(120),
    pointsCost: z
      .number()
      .int()
      .min(1)
      .max(1_000_000_000)
      .describe("points one code costs from now on (claimed codes keep theirs)"),
    active: z.boolean().describe("false closes the pool: no more codes are issued"),
  })
  .openapi("VoucherPoolUpdate");

export const VoucherPoolSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    pointsCost: z.number().int(),
    active: z.boolean(),
    createdAt: IsoTimeSchema,
    createdBy: z.string(),
    codes: z.object({
      total: z.number().int(),
      issued: z.number().int().describe("claimed by a redemption (never handed out again)"),
      left: z.number().int(),
    }),
  })
  .openapi("VoucherPool");

export const VoucherPoolListSchema = z
  .object({ items: z.array(VoucherPoolSchema) })
  .openapi("VoucherPoolList");

export const PoolIdParamSchema = z.object({
  poolId: z
    .string()
    .regex(POOL_ID_PATTERN)
    .openapi({ param: { name: "poolId", in: "path" } }),
});

export const MAX_CODES_PER_UPLOAD = 1_000;

export const VoucherCodesInputSchema = z
  .strictObject({
    codes: z
      .array(
        z
          .string()
          .trim()
          .min(1)
          .max(200)
          .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces"),
      )
      .min(1)
      .max(MAX_CODES_PER_UPLOAD)
      .describe(`1–${MAX_CODES_PER_UPLOAD} codes; ones the pool already has are ignored`),
  })
  .openapi("VoucherCodesInput");

export const VoucherCodesUploadSchema = z
  .object({
    added: z.number().int(),
    duplicates: z.number().int().describe("already in the pool, or repeated in this upload"),
    pool: VoucherPoolSchema,
  })
  .openapi("VoucherCodesUpload");

// ---- member redemptions ----------------------------------------------------------------------

export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(8)
    .max(100)
    .regex(/^[\x21-\x7e]+$/, "printable ASCII")
    .describe("required: the same key returns the same redemption instead of spending twice"),
});

export const PointsRedemptionInputSchema = z
  .discriminatedUnion("kind", [
    z.strictObject({
      kind: z.literal("cashback"),
      points: z.number().int().min(1).max(1_000_000_000).describe("points to convert"),
    }),
    z.strictObject({
      kind: z.literal("voucher"),
      poolId: PoolId,
    }),
  ])
  .openapi("PointsRedemptionInput");

export const PointsRedemptionSchema = z
  .object({
    id: z.string().describe("the redemption (its Idempotency-Key)"),
    kind: z.enum(["cashback", "voucher"]),
    points: z.number().int(),
    cashback: z
      .object({ amountMinor: z.number().int(), currency: z.string() })
      .nullable()
      .describe("credited to confirmed cashback"),
    voucher: z.object({ poolId: z.string(), code: z.string() }).nullable(),
  })
  .openapi("PointsRedemption");
