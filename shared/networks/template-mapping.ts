import { z } from "zod";
import { CurrencySchema } from "../money/currency";
import { CommonNetworkOptionsSchema } from "./core/common-options";
import { IpAllowlistSchema } from "./core/ip-allowlist";
import { isJsonPath } from "./core/json-path";
import { FORBIDDEN_KEYS, mappingIssues } from "./template-mapping-mini";

export { partOf, type SignedPart } from "./template-mapping-mini";

/**
 * The declarative mapping behind the "template" network: how an operator describes a
 * network's postback (and, optionally, its report API) without code. Stored in
 * `settings.options`; exported so the admin API validates it when a network is saved, not
 * when the first postback fails, and documents it. docs/networks.md has a full example. The
 * postback worker reads the same mapping through its zod/mini twin
 * (template-mapping-mini.ts, which also holds the cross-field checks both run).
 */

const ParamNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.\-[\]]{1,64}$/, "1-64 characters: letters, digits, _ . - [ ]");
const HeaderNameSchema = z
  .string()
  .regex(/^[a-z0-9-]{1,64}$/, "lower-case header name")
  .describe("header name, lower case");
const JsonPathSchema = z
  .string()
  .refine(isJsonPath, "a path such as order.items[0].sku (no __proto__/constructor/prototype)");

const QuerySourceSchema = z.object({ from: z.literal("query"), name: ParamNameSchema }).strict();
const FormSourceSchema = z.object({ from: z.literal("form"), name: ParamNameSchema }).strict();
const JsonSourceSchema = z.object({ from: z.literal("json"), path: JsonPathSchema }).strict();

/** Where one field's value comes from. */
export const FieldSourceSchema = z.discriminatedUnion("from", [
  QuerySourceSchema,
  FormSourceSchema,
  JsonSourceSchema,
  z
    .object({ from: z.literal("const"), value: z.string().min(1).max(128) })
    .strict()
    .describe("a fixed value, e.g. a status for a network that only reports sales"),
]);

export type FieldSource = z.infer<typeof FieldSourceSchema>;

export const TemplateFieldsSchema = z
  .object({
    orderId: FieldSourceSchema,
    subId: FieldSourceSchema.optional(),
    status: FieldSourceSchema,
    currency: FieldSourceSchema.optional(),
    saleAmount: FieldSourceSchema,
    commission: FieldSourceSchema,
    category: FieldSourceSchema.optional(),
    occurredAt: FieldSourceSchema.optional().describe("absent: the time the postback was received"),
    updatedAt: FieldSourceSchema.optional(),
    networkOfferRef: FieldSourceSchema.optional().describe(
      "the network's advertiser/campaign/offer id, compared with the clicked offer's networkOfferRef",
    ),
  })
  .strict();

export type TemplateFields = z.infer<typeof TemplateFieldsSchema>;

const StatusKeySchema = z
  .string()
  .min(1)
  .max(64)
  .refine((key) => !FORBIDDEN_KEYS.has(key), "reserved key");

export const TemplateAuthSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("token"),
      in: z.enum(["query", "form", "header"]),
      name: ParamNameSchema.describe(
        "parameter or (lower-case) header carrying the postback secret",
      ),
      ipAllowlist: IpAllowlistSchema.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal("hmac_sha256"),
      header: HeaderNameSchema.describe("header carrying the hex HMAC-SHA256"),
      message: z
        .enum(["raw_body", "query_string"])
        .describe("what the network signs, byte for byte"),
      prefix: z.string().max(16).optional().describe('text before the hex, e.g. "sha256="'),
      ipAllowlist: IpAllowlistSchema.optional(),
    })
    .strict(),
  z.object({ type: z.literal("ip_allowlist"), allow: IpAllowlistSchema.min(1) }).strict(),
]);

/**
 * The postback's own send time, checked against Boomerang's clock like the generic format's
 * `t` (±300 s), so a captured postback cannot be replayed later. Read from the request, never
 * a constant; only meaningful when an HMAC covers it (enforced below).
 */
export const TemplateTimestampSchema = z
  .object({
    source: z.discriminatedUnion("from", [QuerySourceSchema, FormSourceSchema, JsonSourceSchema]),
    format: z.enum(["unix_seconds", "iso"]).default("unix_seconds"),
  })
  .strict();

export type TemplateTimestamp = z.infer<typeof TemplateTimestampSchema>;

export const TemplateReportSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2_048),
    fromParam: ParamNameSchema.default("from"),
    toParam: ParamNameSchema.default("to"),
    cursorParam: ParamNameSchema.default("cursor"),
    timeFormat: z.enum(["iso", "unix_seconds"]).default("iso").describe("format of from/to"),
    auth: z.discriminatedUnion("type", [
      z.object({ type: z.literal("bearer") }).strict(),
      z.object({ type: z.literal("header"), name: HeaderNameSchema }).strict(),
      z.object({ type: z.literal("query"), name: ParamNameSchema }).strict(),
    ]),
    itemsPath: JsonPathSchema.describe("where the page's records are"),
    nextCursorPath: JsonPathSchema.optional().describe(
      "where the next cursor is; absent or null ends paging",
    ),
    fields: TemplateFieldsSchema.describe("json paths relative to one record, or const"),
  })
  .strict();

export const TemplateMappingSchema = z
  .object({
    fields: TemplateFieldsSchema,
    currency: CurrencySchema.optional().describe("used when fields.currency is absent or empty"),
    statusMap: z
      .unknown()
      .transform((value, ctx) => {
        // A record schema silently drops an own "__proto__" key; an operator who wrote one
        // should hear about it rather than find the status unmapped later.
        if (
          typeof value === "object" &&
          value !== null &&
          [...FORBIDDEN_KEYS].some((k) => Object.hasOwn(value, k))
        ) {
          ctx.addIssue({
            code: "custom",
            message: "__proto__, constructor and prototype are reserved keys",
          });
          return z.NEVER;
        }
        return value;
      })
      .pipe(z.record(StatusKeySchema, z.enum(["pending", "approved", "cancelled"])))
      .refine(
        (map) => Object.keys(map).length >= 1 && Object.keys(map).length <= 100,
        "1 to 100 statuses",
      )
      .describe("the network's status value → Boomerang status; anything unlisted is refused"),
    statusCaseSensitive: z.boolean().default(false),
    amountFormat: z
      .enum(["decimal", "minor"])
      .describe("decimal major units (12.50) or integer minor units (1250)"),
    timeFormat: z.enum(["iso", "unix_seconds"]).describe("format of occurredAt / updatedAt"),
    auth: TemplateAuthSchema,
    timestamp: TemplateTimestampSchema.optional().describe(
      "the postback's send time, refused outside ±300 s of now; needs auth hmac_sha256",
    ),
    report: TemplateReportSchema.optional(),
    // Other readers of the same options object (merchant sync, the click path): listed so the
    // mapping can stay strict, which catches a misspelt optional key.
    ...CommonNetworkOptionsSchema.shape,
  })
  .strict()
  .superRefine((mapping, ctx) => mappingIssues(mapping, ctx));

export type TemplateMapping = z.infer<typeof TemplateMappingSchema>;
