import { z } from "zod";
import { CurrencySchema } from "../money/currency";
import { CommonNetworkOptionsSchema } from "./core/common-options";
import { IpAllowlistSchema } from "./core/ip-allowlist";
import { isJsonPath } from "./core/json-path";

/**
 * The declarative mapping behind the "template" network: how an operator describes a
 * network's postback (and, optionally, its report API) without code. Stored in
 * `settings.options`; exported so the admin API validates it when a network is saved, not
 * when the first postback fails. docs/networks.md has a full example.
 */

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
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

/** The part of a request an HMAC signs (`auth.message`), or the part a field is read from. */
export type SignedPart = "query_string" | "raw_body";

/**
 * The part of the request a source reads, or null for a constant (nothing to sign).
 *
 * @example
 * partOf({ from: "form", name: "amt" }) // "raw_body"
 */
export function partOf(source: FieldSource): SignedPart | null {
  switch (source.from) {
    case "query":
      return "query_string";
    case "form":
    case "json":
      return "raw_body";
    case "const":
      return null;
  }
}

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
  .superRefine((mapping, ctx) => {
    if (mapping.fields.currency === undefined && mapping.currency === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["currency"],
        message: "set fields.currency or a fixed currency",
      });
    }
    if (!mapping.statusCaseSensitive) {
      const seen = new Map<string, string>();
      for (const [key, value] of Object.entries(mapping.statusMap)) {
        const lower = key.toLowerCase();
        const other = seen.get(lower);
        if (other !== undefined && other !== value) {
          ctx.addIssue({
            code: "custom",
            path: ["statusMap", key],
            message: "differs only in case from another key",
          });
        }
        seen.set(lower, value);
      }
    }
    for (const issue of signatureCoverageIssues(mapping)) ctx.addIssue(issue);
    const report = mapping.report;
    if (report && report.fields.occurredAt === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["report", "fields", "occurredAt"],
        message: "reports need occurredAt",
      });
    }
    if (report) {
      for (const [name, source] of Object.entries(report.fields)) {
        if (source && source.from !== "json" && source.from !== "const") {
          ctx.addIssue({
            code: "custom",
            path: ["report", "fields", name],
            message: "report fields come from json or const",
          });
        }
      }
    }
  });

export type TemplateMapping = z.infer<typeof TemplateMappingSchema>;

type MappingIssue = { code: "custom"; path: (string | number)[]; message: string };

/**
 * Where the postback's signature leaves something unsigned. An HMAC over the query string
 * proves nothing about a body, and the reverse: a mapping that reads a field from a part the
 * network does not sign would let anyone who captured one postback change that field (the
 * amount, the status) and keep the signature valid. A timestamp without an HMAC is refused
 * for the same reason: anyone could set it.
 */
function signatureCoverageIssues(mapping: {
  fields: TemplateFields;
  auth: z.infer<typeof TemplateAuthSchema>;
  timestamp?: z.infer<typeof TemplateTimestampSchema>;
}): MappingIssue[] {
  const auth = mapping.auth;
  if (auth.type !== "hmac_sha256") {
    return mapping.timestamp === undefined
      ? []
      : [
          {
            code: "custom",
            path: ["timestamp"],
            message:
              "a timestamp stops replay only when a signature covers it: use auth.type hmac_sha256",
          },
        ];
  }
  const sources: Array<[(string | number)[], FieldSource]> = Object.entries(mapping.fields)
    .filter((entry): entry is [string, FieldSource] => entry[1] !== undefined)
    .map(([name, source]) => [["fields", name], source]);
  if (mapping.timestamp) sources.push([["timestamp", "source"], mapping.timestamp.source]);
  const issues: MappingIssue[] = [];
  for (const [path, source] of sources) {
    const part = partOf(source);
    if (part !== null && part !== auth.message) {
      issues.push({
        code: "custom",
        path,
        message: `read from the ${part === "query_string" ? "query string" : "body"}, but auth.message signs only the ${auth.message === "query_string" ? "query string" : "raw body"}: the signature must cover every part fields are read from`,
      });
    }
  }
  return issues;
}
