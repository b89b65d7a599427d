import { z } from "@hono/zod-openapi";
import { ReferralProgramSettingsSchema } from "#shared/referrals/program-settings";
import { IsoTimeSchema } from "../../http/common-schemas";

/** The referral program's settings and their versions (docs/referrals.md "Program settings"). */

export const ReferralProgramSettingsApiSchema =
  ReferralProgramSettingsSchema.openapi("ReferralProgramSettings");

const VersionNumber = z.number().int().min(0).max(2_147_483_647);

export const ReferralProgramSchema = z
  .object({
    version: VersionNumber.describe("0 while the program runs on the defaults (never saved)"),
    settings: ReferralProgramSettingsApiSchema,
    savedAt: IsoTimeSchema.nullable(),
    savedBy: z.string().nullable(),
    note: z.string().nullable(),
  })
  .openapi("ReferralProgram");

export const ReferralProgramInputSchema = z
  .strictObject({
    settings: ReferralProgramSettingsApiSchema,
    expectedVersion: VersionNumber.optional().describe(
      "the version the change was made from; refused with 409 if another save came first " +
        "(0 when nothing was saved yet). Omitted: saved over whatever is current",
    ),
    note: z.string().min(1).max(500).optional().describe("why: shown in the version list"),
  })
  .openapi("ReferralProgramInput");

export const ReferralProgramVersionSchema = z
  .object({
    version: VersionNumber,
    savedAt: IsoTimeSchema,
    savedBy: z.string(),
    note: z.string().nullable(),
    current: z.boolean(),
    settings: ReferralProgramSettingsApiSchema,
  })
  .openapi("ReferralProgramVersion");

export const ReferralProgramVersionListSchema = z
  .object({ items: z.array(ReferralProgramVersionSchema), nextCursor: z.string().nullable() })
  .openapi("ReferralProgramVersionList");

// ---- a member's codes ------------------------------------------------------------------------

export const ReferralCodeSchema = z
  .object({
    code: z.string().describe("normalised: upper case, no spaces or dashes"),
    kind: z.enum(["generated", "vanity"]),
    programId: z.string(),
    createdAt: IsoTimeSchema,
    shareUrl: z
      .string()
      .describe("the share link on the redirect worker: `<REDIRECT_BASE_URL>/r/<code>`"),
  })
  .openapi("ReferralCode");

export const UserReferralCodesSchema = z
  .object({
    userId: z.string(),
    shareCode: z
      .string()
      .nullable()
      .describe(
        "the code the member is shown: their newest vanity code, else their generated one; " +
          "null until one is created (the member's first GET /v1/me/referrals creates it)",
      ),
    codes: z
      .array(ReferralCodeSchema)
      .describe("every code the member holds, oldest first; all of them work"),
  })
  .openapi("UserReferralCodes");

export const VanityCodeInputSchema = z
  .strictObject({
    code: z
      .string()
      .min(1)
      .max(64)
      .describe(
        "4–16 letters and digits once spaces and dashes are dropped, case-insensitive; words " +
          "that are not allowed are refused",
      ),
  })
  .openapi("VanityCodeInput");
