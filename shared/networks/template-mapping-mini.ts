import { CurrencyMiniSchema } from "../money/currency-mini";
import * as z from "../validate/zod-mini";
import { isJsonPath } from "./core/json-path";
import { CommonNetworkOptionsMiniShape, IpAllowlistMiniSchema } from "./options-mini";

/**
 * The template network's mapping (template-mapping.ts `TemplateMappingSchema`) in zod/mini, as
 * the postback worker reads it from `settings.options`: same checks, same issues, same
 * defaults (template-mapping-mini.property.test.ts holds it to the classic schema, which the
 * api keeps to validate and document a network's options when it is saved). Also home of the
 * zod-free rules both use: which part of a request a field is read from and whether the
 * signature covers it.
 */

export const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

const ParamNameMiniSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_.\-[\]]{1,64}$/, "1-64 characters: letters, digits, _ . - [ ]"));
const HeaderNameMiniSchema = z
  .string()
  .check(z.regex(/^[a-z0-9-]{1,64}$/, "lower-case header name"));
const JsonPathMiniSchema = z
  .string()
  .check(
    z.refine(isJsonPath, "a path such as order.items[0].sku (no __proto__/constructor/prototype)"),
  );

const QuerySource = z.strictObject({ from: z.literal("query"), name: ParamNameMiniSchema });
const FormSource = z.strictObject({ from: z.literal("form"), name: ParamNameMiniSchema });
const JsonSource = z.strictObject({ from: z.literal("json"), path: JsonPathMiniSchema });

const FieldSourceMiniSchema = z.discriminatedUnion("from", [
  QuerySource,
  FormSource,
  JsonSource,
  z.strictObject({
    from: z.literal("const"),
    value: z.string().check(z.minLength(1), z.maxLength(128)),
  }),
]);

export type FieldSource = z.infer<typeof FieldSourceMiniSchema>;

const TemplateFieldsMiniSchema = z.strictObject({
  orderId: FieldSourceMiniSchema,
  subId: z.optional(FieldSourceMiniSchema),
  status: FieldSourceMiniSchema,
  currency: z.optional(FieldSourceMiniSchema),
  saleAmount: FieldSourceMiniSchema,
  commission: FieldSourceMiniSchema,
  category: z.optional(FieldSourceMiniSchema),
  occurredAt: z.optional(FieldSourceMiniSchema),
  updatedAt: z.optional(FieldSourceMiniSchema),
  networkOfferRef: z.optional(FieldSourceMiniSchema),
});

export type TemplateFields = z.infer<typeof TemplateFieldsMiniSchema>;

const StatusKeyMiniSchema = z.string().check(
  z.minLength(1),
  z.maxLength(64),
  z.refine((key: string) => !FORBIDDEN_KEYS.has(key), "reserved key"),
);

const TemplateAuthMiniSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("token"),
    in: z.enum(["query", "form", "header"]),
    name: ParamNameMiniSchema,
    ipAllowlist: z.optional(IpAllowlistMiniSchema),
  }),
  z.strictObject({
    type: z.literal("hmac_sha256"),
    header: HeaderNameMiniSchema,
    message: z.enum(["raw_body", "query_string"]),
    prefix: z.optional(z.string().check(z.maxLength(16))),
    ipAllowlist: z.optional(IpAllowlistMiniSchema),
  }),
  z.strictObject({
    type: z.literal("ip_allowlist"),
    allow: IpAllowlistMiniSchema.check(z.minLength(1)),
  }),
]);

export type TemplateAuth = z.infer<typeof TemplateAuthMiniSchema>;

const TemplateTimestampMiniSchema = z.strictObject({
  source: z.discriminatedUnion("from", [QuerySource, FormSource, JsonSource]),
  format: z._default(z.enum(["unix_seconds", "iso"]), "unix_seconds"),
});

export type TemplateTimestamp = z.infer<typeof TemplateTimestampMiniSchema>;

const TemplateReportMiniSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).check(z.maxLength(2_048)),
  fromParam: z._default(ParamNameMiniSchema, "from"),
  toParam: z._default(ParamNameMiniSchema, "to"),
  cursorParam: z._default(ParamNameMiniSchema, "cursor"),
  timeFormat: z._default(z.enum(["iso", "unix_seconds"]), "iso"),
  auth: z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("bearer") }),
    z.strictObject({ type: z.literal("header"), name: HeaderNameMiniSchema }),
    z.strictObject({ type: z.literal("query"), name: ParamNameMiniSchema }),
  ]),
  itemsPath: JsonPathMiniSchema,
  nextCursorPath: z.optional(JsonPathMiniSchema),
  fields: TemplateFieldsMiniSchema,
});

const StatusMapMiniSchema = z
  .pipe(
    z.pipe(
      z.unknown(),
      z.transform((value, ctx) => {
        // A record schema silently drops an own "__proto__" key; an operator who wrote one
        // should hear about it rather than find the status unmapped later.
        if (
          typeof value === "object" &&
          value !== null &&
          [...FORBIDDEN_KEYS].some((k) => Object.hasOwn(value, k))
        ) {
          ctx.issues.push({
            code: "custom",
            message: "__proto__, constructor and prototype are reserved keys",
            input: value,
          });
          return z.NEVER;
        }
        return value;
      }),
    ),
    z.record(StatusKeyMiniSchema, z.enum(["pending", "approved", "cancelled"])),
  )
  .check(
    z.refine(
      (map: Record<string, string>) =>
        Object.keys(map).length >= 1 && Object.keys(map).length <= 100,
      "1 to 100 statuses",
    ),
  );

export const TemplateMappingMiniSchema = z
  .strictObject({
    fields: TemplateFieldsMiniSchema,
    currency: z.optional(CurrencyMiniSchema),
    statusMap: StatusMapMiniSchema,
    statusCaseSensitive: z._default(z.boolean(), false),
    amountFormat: z.enum(["decimal", "minor"]),
    timeFormat: z.enum(["iso", "unix_seconds"]),
    auth: TemplateAuthMiniSchema,
    timestamp: z.optional(TemplateTimestampMiniSchema),
    report: z.optional(TemplateReportMiniSchema),
    ...CommonNetworkOptionsMiniShape,
  })
  .check(z.superRefine((mapping, ctx) => mappingIssues(mapping, ctx)));

export type TemplateMapping = z.infer<typeof TemplateMappingMiniSchema>;

type MappingIssue = { code: "custom"; path: (string | number)[]; message: string };

/**
 * The checks across fields of a mapping (both schemas run them as their superRefine): a
 * currency from somewhere, status keys that do not collide by case, a signature that covers
 * every part fields are read from, report fields from json or const.
 */
export function mappingIssues(
  mapping: {
    fields: TemplateFields;
    currency?: string | undefined;
    statusMap: Record<string, string>;
    statusCaseSensitive: boolean;
    auth: TemplateAuth;
    timestamp?: TemplateTimestamp | undefined;
    report?: { fields: TemplateFields } | undefined;
  },
  ctx: { addIssue(issue: MappingIssue): void },
): void {
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
}

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

/**
 * Where the postback's signature leaves something unsigned. An HMAC over the query string
 * proves nothing about a body, and the reverse: a mapping that reads a field from a part the
 * network does not sign would let anyone who captured one postback change that field (the
 * amount, the status) and keep the signature valid. A timestamp without an HMAC is refused
 * for the same reason: anyone could set it.
 */
function signatureCoverageIssues(mapping: {
  fields: TemplateFields;
  auth: TemplateAuth;
  timestamp?: TemplateTimestamp | undefined;
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
