import { RateBpsMiniSchema } from "../money/currency-mini";
import * as z from "../validate/zod-mini";
import { CONFIRMATION_POLICIES } from "./core/confirmation-policy";
import { parseRange } from "./core/ip-match";

/**
 * The network option schemas the postback worker reads (`readOptions`), in zod/mini: twins of
 * core/ip-allowlist.ts, core/options.ts `TokenAuthOptionsShape`, generic.ts
 * `GenericOptionsSchema` and {admitad,cj,impact}/options.ts, which the api keeps for saving
 * networks. Same checks, same issues, same defaults (options-mini.property.test.ts).
 */
export const IpAllowlistMiniSchema = z
  .array(
    z.string().check(
      z.maxLength(64),
      z.refine(
        (text: string) => parseRange(text) !== null,
        "must be an IPv4/IPv6 address or CIDR range",
      ),
    ),
  )
  .check(z.maxLength(256));

const TokenAuthOptionsMiniShape = {
  tokenParam: z._default(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/)), "token"),
  requireToken: z._default(z.boolean(), true),
  ipAllowlist: z._default(IpAllowlistMiniSchema, []),
};

const httpUrl = z.url({ protocol: /^https?$/ });

export const GenericOptionsMiniSchema = z.object({
  reportUrl: z.optional(z.url({ protocol: /^https?$/ }).check(z.maxLength(2_048))),
  ipAllowlist: z._default(IpAllowlistMiniSchema, []),
});

export const AdmitadOptionsMiniSchema = z.object({
  ...TokenAuthOptionsMiniShape,
  subIdParam: z._default(z.string().check(z.regex(/^[A-Za-z0-9_]{1,32}$/)), "subid"),
  apiBaseUrl: z._default(httpUrl, "https://api.admitad.com"),
  websiteId: z.optional(z.number().check(z.int(), z.positive())),
  reportPageSize: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(500)), 500),
  reportUtcOffsetMinutes: z._default(z.number().check(z.int(), z.minimum(-720), z.maximum(840)), 0),
});

export const CjOptionsMiniSchema = z.object({
  ...TokenAuthOptionsMiniShape,
  subIdParam: z._default(z.string().check(z.regex(/^[A-Za-z0-9_]{1,32}$/)), "sid"),
  publisherId: z.optional(z.string().check(z.regex(/^\d{1,20}$/))),
  apiUrl: z._default(httpUrl, "https://commissions.api.cj.com/query"),
  currency: z._default(z.string().check(z.regex(/^[A-Z]{3}$/)), "USD"),
  reportDateType: z._default(z.enum(["event", "posting"]), "event"),
});

export const ImpactOptionsMiniSchema = z.object({
  ...TokenAuthOptionsMiniShape,
  subIdParam: z._default(z.string().check(z.regex(/^[A-Za-z0-9_]{1,32}$/)), "subId1"),
  accountSid: z.optional(z.string().check(z.regex(/^[A-Za-z0-9]{1,64}$/))),
  apiBaseUrl: z._default(httpUrl, "https://api.impact.com"),
  reportPageSize: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(20_000)), 1_000),
});

/**
 * core/common-options.ts `CommonNetworkOptionsSchema`'s shape in zod/mini (same keys in the
 * same order, so the same issues in the same order): the template mapping lists these keys.
 */
export const CommonNetworkOptionsMiniShape = {
  feedUrl: z.optional(z.string()),
  confirmationPolicy: z.optional(z.enum(CONFIRMATION_POLICIES)),
  maxFeedRateBps: z.optional(RateBpsMiniSchema),
  offerMismatch: z._default(z.enum(["reject", "reprice"]), "reject"),
};
