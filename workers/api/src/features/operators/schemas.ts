import { z } from "@hono/zod-openapi";
import { OPERATOR_ROLES } from "../../auth/roles";

/** An IANA time zone name the runtime knows (Intl decides, so the list is never stale). */
export const TimeZoneSchema = z
  .string()
  .max(64)
  .refine(
    (zone) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    },
    { message: "an IANA time zone such as Europe/Berlin or UTC" },
  );

/** 12 to 256 characters: long enough to resist guessing, short enough to hash cheaply. */
export const PasswordSchema = z
  .string()
  .min(12, "at least 12 characters")
  .max(256, "at most 256 characters");

export const OperatorEmailSchema = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());

export const CreateOperatorSchema = z
  .object({
    email: OperatorEmailSchema,
    displayName: z.string().trim().min(1).max(80),
    role: z.enum(OPERATOR_ROLES),
    password: PasswordSchema,
    timeZone: TimeZoneSchema.default("UTC"),
  })
  .strict()
  .openapi("CreateOperator");

export const UpdateOperatorSchema = z
  .object({
    displayName: z.string().trim().min(1).max(80).optional(),
    role: z.enum(OPERATOR_ROLES).optional(),
    timeZone: TimeZoneSchema.optional(),
    disabled: z
      .boolean()
      .optional()
      .describe("a disabled operator cannot sign in; their sessions end"),
  })
  .strict()
  .openapi("UpdateOperator");

export const SetPasswordSchema = z
  .object({ password: PasswordSchema })
  .strict()
  .openapi("SetOperatorPassword");

export const OperatorSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    displayName: z.string(),
    role: z.enum(OPERATOR_ROLES),
    timeZone: z.string(),
    disabled: z.boolean(),
    lockedUntil: z
      .string()
      .nullable()
      .describe("set while repeated wrong passwords lock the account"),
    failedSignIns: z.number().int(),
    liveSessions: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Operator");

export const OperatorIdParams = z.object({ operatorId: z.string().min(1).max(64) });
