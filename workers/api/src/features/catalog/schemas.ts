import { z } from "@hono/zod-openapi";
import { termsBoundIssue } from "#shared/config/click-message-bounds";
import { AppError, type ProblemField } from "#shared/http/errors";
import {
  type InsecureUrlSwitch,
  insecureUrlsAllowed,
  secretBearingUrl,
} from "#shared/http/secure-url";
import { StoredCashbackTermsSchema } from "#shared/money/cashback";
import { AmountMinorSchema, CurrencySchema, RateBpsSchema } from "#shared/money/currency";
import { IsoTimeSchema, SlugSchema } from "../../http/common-schemas";

/** Catalog request and response schemas: networks, merchants and offers. */

// ---- networks --------------------------------------------------------------------------------

/** Options are returned by the API, so a secret must never go in them (the size is bounded). */
const MAX_OPTIONS_JSON_CHARS = 16 * 1024;
const HttpUrlSchema = z.url({ protocol: /^https?$/ }).max(2_048);

export const NetworkOptionsSchema = z
  .record(z.string().min(1).max(64), z.unknown())
  .superRefine((options, ctx) => {
    // The two options Boomerang itself reads; adapter-specific keys are checked by the adapter.
    for (const key of ["feedUrl", "reportUrl"] as const) {
      if (options[key] !== undefined && !HttpUrlSchema.safeParse(options[key]).success) {
        ctx.addIssue({ code: "custom", path: [key], message: `${key} must be an http(s) URL` });
      }
    }
    if (JSON.stringify(options).length > MAX_OPTIONS_JSON_CHARS) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: `options are at most ${MAX_OPTIONS_JSON_CHARS} characters of JSON`,
      });
    }
  })
  .describe(
    "adapter settings, returned as stored: feedUrl (offer feed for merchant sync), reportUrl " +
      "(conversions report), IP allowlists, parameter names. Never put a secret here.",
  );

/**
 * The options Boomerang sends a network secret to: the generic feed and report endpoints
 * (postbackSecret as bearer) and the Admitad/impact.com API root and CJ endpoint
 * (reportApiToken). They must be https outside development and tests.
 */
export const SECRET_BEARING_URL_OPTIONS = ["feedUrl", "reportUrl", "apiBaseUrl", "apiUrl"] as const;

/**
 * Each secret-bearing URL option that this deployment refuses, as problem fields: an http URL
 * unless `allowInsecure`, or anything that is not an https URL. Absent options are fine.
 *
 * @example
 * insecureUrlOptions({ reportUrl: "http://net.example/r" }, false)
 * // [{ path: "options.reportUrl", message: "reportUrl must be https: it carries a secret (…)" }]
 */
export function insecureUrlOptions(
  options: Record<string, unknown>,
  allowInsecure: boolean,
): ProblemField[] {
  const fields: ProblemField[] = [];
  for (const key of SECRET_BEARING_URL_OPTIONS) {
    if (options[key] === undefined) continue;
    const check = secretBearingUrl(options[key], allowInsecure);
    if (!check.ok) fields.push({ path: `options.${key}`, message: `${key} ${check.reason}` });
  }
  return fields;
}

/**
 * Refuses a network whose secret-bearing URLs are not https (400 `validation_failed` naming
 * each field), unless ALLOW_INSECURE_URLS is "true". The schema cannot see the deployment, so
 * the PUT handler calls this after validation.
 *
 * @example
 * assertSecureNetworkUrls(c.env, c.req.valid("json"));
 */
export function assertSecureNetworkUrls(
  env: InsecureUrlSwitch,
  input: { options: Record<string, unknown> },
): void {
  const fields = insecureUrlOptions(input.options, insecureUrlsAllowed(env));
  if (fields.length > 0) {
    throw new AppError("validation_failed", "the request did not pass validation", fields);
  }
}

export const NetworkInputSchema = z
  .object({
    name: z.string().min(1).max(120),
    trackingTemplate: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .refine((t) => t.includes("{subid}"), "the tracking template must contain {subid}")
      .describe(
        "tracking URL with {subid}, {landing_url}, {network_offer_ref}, {click_id} placeholders",
      )
      // The braces make it an RFC 6570 template, not an RFC 3986 URI: say so in the
      // document, or spec-driven clients refuse every real template.
      .openapi({ format: "uri-template" }),
    postbackFormat: z.enum(["generic"]).default("generic"),
    postbackSecret: z
      .string()
      .min(24, "postback secrets are at least 24 characters")
      .max(256)
      .describe("shared secret the network signs postbacks with; write-only"),
    options: NetworkOptionsSchema.default({}),
    active: z.boolean().default(true),
  })
  .strict()
  .openapi("NetworkInput");

export const NetworkSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    trackingTemplate: z.string(),
    postbackFormat: z.string(),
    postbackSecretSet: z.boolean().describe("the secret itself is never returned"),
    options: z.record(z.string(), z.unknown()).describe("adapter settings, as stored"),
    active: z.boolean(),
    updatedAt: IsoTimeSchema,
  })
  .openapi("Network");

// ---- merchants -------------------------------------------------------------------------------

export const MerchantInputSchema = z
  .object({
    networkId: SlugSchema,
    name: z.string().min(1).max(120),
    landingUrl: z.url({ protocol: /^https?$/ }).max(2000),
    active: z.boolean().default(true),
  })
  .strict()
  .openapi("MerchantInput");

export const MerchantSchema = z
  .object({
    id: z.string(),
    networkId: z.string(),
    name: z.string(),
    landingUrl: z.string(),
    active: z.boolean(),
    updatedAt: IsoTimeSchema,
  })
  .openapi("Merchant");

// ---- offers ----------------------------------------------------------------------------------

export const OfferInputSchema = z
  .object({
    merchantId: SlugSchema,
    title: z.string().min(1).max(200),
    description: z.string().max(2000).default(""),
    networkOfferRef: z.string().max(200).default(""),
    currency: CurrencySchema,
    // Fields the operator leaves out stay out of the stored offer (absent = default).
    // Bounded so every click's queue message stays far below the Queues limit (the terms are
    // frozen into each click): at most 200 category rates, 32 KiB of JSON in all.
    cashback: StoredCashbackTermsSchema.superRefine((terms, ctx) => {
      const issue = termsBoundIssue(terms);
      if (issue) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    }),
    returnWindowDays: z.number().int().min(0).max(365).describe("return window in days"),
    startsAt: IsoTimeSchema.nullable().default(null),
    endsAt: IsoTimeSchema.nullable().default(null),
    active: z.boolean().default(true),
  })
  .strict()
  .refine((o) => !o.startsAt || !o.endsAt || Date.parse(o.startsAt) < Date.parse(o.endsAt), {
    message: "endsAt must be after startsAt",
    path: ["endsAt"],
  })
  .openapi("OfferInput");

export const OfferSchema = z
  .object({
    id: z.string(),
    merchantId: z.string(),
    title: z.string(),
    description: z.string(),
    networkOfferRef: z.string(),
    currency: z.string(),
    cashback: z.object({
      basis: z.enum(["sale", "commission"]),
      defaultRateBps: RateBpsSchema,
      categoryRates: z.record(z.string(), RateBpsSchema),
      // Optional because offers saved before these fields existed are returned as stored;
      // absent means the default written beside each.
      excludedCategories: z
        .array(z.string())
        .optional()
        .describe("categories that earn nothing; absent: none"),
      policy: z
        .enum(["per_line", "lowest_rate"])
        .optional()
        .describe("how line rates combine; absent: per_line"),
      capMinor: AmountMinorSchema.nullable()
        .optional()
        .describe("most base cashback per order, in minor units; null or absent: no cap"),
    }),
    returnWindowDays: z.number().int(),
    startsAt: IsoTimeSchema.nullable(),
    endsAt: IsoTimeSchema.nullable(),
    active: z.boolean(),
    updatedAt: IsoTimeSchema,
  })
  .openapi("Offer");
