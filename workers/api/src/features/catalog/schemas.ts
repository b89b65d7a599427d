import { z } from "@hono/zod-openapi";
import { termsBoundIssue } from "#shared/config/click-message-bounds";
import { MAX_ALLOWED_REFERRERS } from "#shared/fraud/allowed-referrers";
import { AppError, type ProblemField } from "#shared/http/errors";
import {
  type InsecureUrlSwitch,
  insecureUrlsAllowed,
  secretBearingUrl,
} from "#shared/http/secure-url";
import { StoredCashbackTermsSchema } from "#shared/money/cashback";
import { AmountMinorSchema, CurrencySchema, RateBpsSchema } from "#shared/money/currency";
import { ConfirmationPolicySchema } from "#shared/networks/core/confirmation-options";
import { NETWORK_FORMATS } from "#shared/networks/formats";
import { IsoTimeSchema, SlugSchema } from "../../http/common-schemas";
import { networkFormatIssues } from "./network-options";

/** Catalog request and response schemas: networks, merchants and offers. */

// ---- networks --------------------------------------------------------------------------------

/** Options are returned by the API, so a secret must never go in them (the size is bounded). */
const MAX_OPTIONS_JSON_CHARS = 16 * 1024;
const HttpUrlSchema = z.url({ protocol: /^https?$/ }).max(2_048);

export const NetworkOptionsSchema = z
  .record(z.string().min(1).max(64), z.unknown())
  .superRefine((options, ctx) => {
    // The option every format accepts (network-options.ts); the rest is checked by the adapter
    // of the network's format, in NetworkInputSchema below.
    if (options.feedUrl !== undefined && !HttpUrlSchema.safeParse(options.feedUrl).success) {
      ctx.addIssue({
        code: "custom",
        path: ["feedUrl"],
        message: "feedUrl must be an http(s) URL",
      });
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
    "the settings of the network's format, returned as stored and checked against that " +
      "format's own options when saved (docs/networks.md, Configuring each format): generic " +
      "reportUrl and ipAllowlist; admitad, impact and cj tokenParam, requireToken, ipAllowlist, " +
      "subIdParam, their API settings; template the whole field mapping. feedUrl (offer feed for " +
      "merchant sync) for every format. Never put a secret here: secrets are postbackSecret and " +
      "reportApiToken.",
  );

/**
 * The options Boomerang sends a network secret to: the generic feed and report endpoints
 * (postbackSecret as bearer) and the Admitad/impact.com API root and CJ endpoint
 * (reportApiToken). They must be https outside development and tests.
 */
export const SECRET_BEARING_URL_OPTIONS = ["feedUrl", "reportUrl", "apiBaseUrl", "apiUrl"] as const;

/** The template format's report endpoint, nested in its mapping; it gets the report secret too. */
const NESTED_SECRET_BEARING_URL_OPTIONS = [["report", "url"]] as const;

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
  for (const [parent, key] of NESTED_SECRET_BEARING_URL_OPTIONS) {
    const holder = options[parent];
    if (typeof holder !== "object" || holder === null) continue;
    const value = (holder as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const check = secretBearingUrl(value, allowInsecure);
    const path = `${parent}.${key}`;
    if (!check.ok) fields.push({ path: `options.${path}`, message: `${path} ${check.reason}` });
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

/** Write-only secrets are this long at most (a JWT-style access token fits). */
const MAX_SECRET_CHARS = 4_096;

export const NetworkInputSchema = z
  .object({
    name: z.string().min(1).max(120),
    trackingTemplate: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .describe(
        "tracking URL with {subid}, {landing_url}, {network_offer_ref}, {click_id} placeholders; " +
          "{subid} is required for the generic and template formats, while admitad, impact and " +
          "cj set their sub-ID parameter (options.subIdParam) when the template has none",
      )
      // The braces make it an RFC 6570 template, not an RFC 3986 URI: say so in the
      // document, or spec-driven clients refuse every real template.
      .openapi({ format: "uri-template" }),
    postbackFormat: z
      .enum(NETWORK_FORMATS)
      .default("generic")
      .describe("how the network posts back and reports; decides what options may hold"),
    postbackSecret: z
      .string()
      .min(24, "postback secrets are at least 24 characters")
      .max(256)
      .describe(
        "write-only. generic: the HMAC key postbacks are signed with (and the report bearer); " +
          "admitad, impact, cj and template token auth: the token the network sends; template " +
          "hmac_sha256: the HMAC key",
      ),
    reportApiToken: z
      .string()
      .min(8, "report API tokens are at least 8 characters")
      .max(MAX_SECRET_CHARS)
      .nullable()
      .optional()
      .describe(
        "write-only report API credential: the Admitad access token, the impact.com Auth Token, " +
          "the CJ personal access token (the template format's report uses it instead of " +
          "postbackSecret when set). Absent on a replace keeps the stored token; null removes it",
      ),
    options: NetworkOptionsSchema.default({}),
    active: z.boolean().default(true),
  })
  .strict()
  .superRefine((input, ctx) => {
    for (const issue of networkFormatIssues(input)) {
      ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    }
  })
  .openapi("NetworkInput");

export const NetworkSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    trackingTemplate: z.string(),
    postbackFormat: z.string().describe("one of generic, admitad, impact, cj, template"),
    postbackSecretSet: z.boolean().describe("the secret itself is never returned"),
    reportApiTokenSet: z
      .boolean()
      .describe("whether a report API token is stored; the token itself is never returned"),
    options: z.record(z.string(), z.unknown()).describe("adapter settings, as stored"),
    active: z.boolean(),
    updatedAt: IsoTimeSchema,
  })
  .openapi("Network");

// ---- merchants -------------------------------------------------------------------------------

/**
 * Read-only fields a client may send back as it read them (a GET's body, minus `id` and
 * `updatedAt`, is a valid PUT): accepted and ignored, since `active` decides.
 */
const readOnlyEcho = <T extends z.ZodType>(schema: T) =>
  schema.optional().describe("read-only, as returned; ignored on input");

const DeactivatedBySchema = z
  .enum(["operator", "feed"])
  .nullable()
  .describe(
    "who switched it off: operator (through this API; merchant sync leaves it off) or feed (it left the network's feed, or the feed marks it inactive); null while active",
  );

export const MerchantInputSchema = z
  .object({
    networkId: SlugSchema,
    name: z.string().min(1).max(120),
    landingUrl: z.url({ protocol: /^https?$/ }).max(2000),
    active: z
      .boolean()
      .default(true)
      .describe(
        "false switches it off and keeps it off: merchant sync does not turn it back on, whatever the feed says; true turns it on again",
      ),
    deactivatedBy: readOnlyEcho(z.enum(["operator", "feed"]).nullable()),
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
    deactivatedBy: DeactivatedBySchema,
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
    active: z
      .boolean()
      .default(true)
      .describe(
        "false switches it off and keeps it off: merchant sync does not turn it back on, whatever the feed says; true turns it on again",
      ),
    confirmationPolicy: ConfirmationPolicySchema.nullable()
      .default(null)
      .describe(
        "when pending cashback confirms: return_window (network approval or the return window passing, whichever is first), network_approval (only the network's approval), both (the later of the two); null or absent inherits the network's `confirmationPolicy` option, else return_window for offers made here and network_approval for offers merchant sync made. Applies to clicks made after the change.",
      ),
    deactivatedBy: readOnlyEcho(z.enum(["operator", "feed"]).nullable()),
    origin: readOnlyEcho(z.enum(["operator", "feed"])),
    allowedReferrers: readOnlyEcho(z.array(z.string())),
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
    deactivatedBy: DeactivatedBySchema,
    confirmationPolicy: ConfirmationPolicySchema.nullable().describe(
      "the offer's own confirmation policy; null inherits the network's (or the default for its origin)",
    ),
    origin: z
      .enum(["operator", "feed"])
      .describe("who made the offer: operator (this API) or feed (merchant sync)"),
    allowedReferrers: z
      .array(z.string())
      .describe(
        "hosts whose pages may send clicks to it (each with its subdomains); empty: any referrer. Set with PUT /admin/v1/offers/{id}/allowed-referrers",
      ),
    updatedAt: IsoTimeSchema,
  })
  .openapi("Offer");

export const AllowedReferrersInputSchema = z
  .object({
    hosts: z
      .array(z.string().max(253))
      .max(MAX_ALLOWED_REFERRERS)
      .describe(
        "host names (`deals.example.com`; `*.example.com` reads as `example.com`), each allowing its subdomains too; empty allows every referrer",
      ),
  })
  .strict()
  .openapi("AllowedReferrersInput");
