import { z } from "@hono/zod-openapi";
import { CurrencySchema } from "#shared/money/currency";
import { NOTIFICATION_CATEGORIES } from "#shared/notify/catalog";
import { TEMPLATE_LIMITS } from "#shared/notify/template-lookup";
import { IsoTimeSchema } from "../../http/common-schemas";

/** Notification templates per type and locale (docs/notifications.md, "Templates"). */

const LocaleSchema = z
  .string()
  .min(2)
  .max(35)
  .describe("a BCP 47 tag: language, optional script and region (`hi`, `hi-IN`, `pt-BR`)");

export const TypeParamSchema = z.object({
  type: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "type", in: "path" },
      example: "payout_paid",
      description: "a notification type (`GET /admin/v1/notifications/templates` lists them)",
    }),
});

export const TypeLocaleParamSchema = TypeParamSchema.extend({
  locale: LocaleSchema.openapi({ param: { name: "locale", in: "path" }, example: "hi-IN" }),
});

const TemplateTextSchema = z.object({
  title: z.string().max(TEMPLATE_LIMITS.title).describe("e-mail subject, push title"),
  body: z.string().max(TEMPLATE_LIMITS.body).describe("plain text"),
  url: z
    .string()
    .max(TEMPLATE_LIMITS.url)
    .nullable()
    .optional()
    .describe("where a tap or click leads; absent, null or empty: none"),
});

export const TemplateInputSchema = TemplateTextSchema.strict()
  .describe(
    "`{{variableName}}` stands for one of the type's variables; any other name is refused (422)",
  )
  .openapi("NotificationTemplateInput");

const VariableSchema = z.object({
  name: z.string(),
  kind: z.enum(["text", "number", "money", "date"]),
});

export const TemplateSchema = z
  .object({
    type: z.string(),
    locale: z.string().describe("normalised (`hi-IN`)"),
    title: z.string(),
    body: z.string(),
    url: z.string().nullable(),
    updatedAt: IsoTimeSchema,
    updatedBy: z.string().describe("the admin key's name or the console operator's e-mail"),
  })
  .openapi("NotificationTemplate");

const TypeSummaryFields = {
  type: z.string(),
  category: z.enum(NOTIFICATION_CATEGORIES),
  description: z.string(),
  variables: z.array(VariableSchema).describe("the only names a template of this type may use"),
  builtin: z
    .object({ title: z.string(), body: z.string(), url: z.string().nullable() })
    .describe("the built-in English template: the end of every fallback chain"),
  locales: z
    .array(z.object({ locale: z.string(), updatedAt: IsoTimeSchema, updatedBy: z.string() }))
    .describe("the locales an operator wrote a template in, by name"),
};

export const TemplateTypeListSchema = z
  .object({ items: z.array(z.object(TypeSummaryFields)) })
  .openapi("NotificationTemplateTypeList");

export const TemplateTypeSchema = z
  .object({ ...TypeSummaryFields, templates: z.array(TemplateSchema) })
  .openapi("NotificationTemplateType");

export const PreviewInputSchema = z
  .strictObject({
    type: z.string().min(1).max(64),
    locale: LocaleSchema,
    timeZone: z.string().max(64).default("UTC").describe("IANA zone sample dates are shown in"),
    currency: CurrencySchema.default("INR").describe("currency of sample money"),
    template: TemplateTextSchema.strict()
      .optional()
      .describe("an unsaved template to render; absent: the one a message would use today"),
  })
  .openapi("NotificationTemplatePreviewInput");

export const PreviewSchema = z
  .object({
    type: z.string(),
    locale: z.string(),
    timeZone: z.string(),
    source: z
      .enum(["draft", "operator", "builtin"])
      .describe("the unsaved template sent, an operator's saved one, or the built-in one"),
    templateLocale: z.string().describe("the locale of the template rendered (after fallback)"),
    sample: z
      .record(z.string(), z.unknown())
      .describe("the sample value of each variable, by its kind"),
    rendered: z.object({ title: z.string(), body: z.string(), url: z.string().nullable() }),
  })
  .openapi("NotificationTemplatePreview");
