import { z } from "@hono/zod-openapi";
import { IsoTimeSchema } from "../../http/common-schemas";

/** Referral reason texts and their translations (docs/referrals.md, "Reason texts"). */

export const MAX_REASON_TEXT_CHARS = 500;

export const LocaleParamSchema = z.object({
  locale: z
    .string()
    .min(2)
    .max(35)
    .openapi({
      param: { name: "locale", in: "path" },
      example: "pt-BR",
      description: "a BCP 47 tag: language, optional script and region (`hi`, `pt-BR`)",
    }),
});

export const ReasonTextsCatalogSchema = z
  .object({
    english: z
      .array(z.object({ code: z.string(), text: z.string() }))
      .describe("every reason code with its built-in English text, the fallback"),
    locales: z
      .array(
        z.object({
          locale: z.string(),
          translated: z.number().int().describe("codes with a text in this locale"),
          missing: z.number().int().describe("codes shown in English for lack of one"),
          updatedAt: IsoTimeSchema,
        }),
      )
      .describe("every locale an operator translated, by name"),
  })
  .openapi("ReferralReasonTextsCatalog");

export const LocaleReasonTextsSchema = z
  .object({
    locale: z.string().describe("normalised (`pt-BR`)"),
    texts: z.record(z.string(), z.string()).describe("reason code → the operator's text"),
    missing: z.array(z.string()).describe("codes without a text here: shown in English"),
  })
  .openapi("ReferralReasonTexts");

export const LocaleReasonTextsInputSchema = z
  .strictObject({
    texts: z
      .record(z.string(), z.string().trim().min(1).max(MAX_REASON_TEXT_CHARS))
      .describe(
        "reason code → text, replacing every text of the locale (codes left out fall back " +
          "to English; an empty object removes the locale)",
      ),
  })
  .openapi("ReferralReasonTextsInput");
