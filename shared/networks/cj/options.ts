import { z } from "zod";
import { TokenAuthOptionsShape } from "../core/options";

/**
 * `settings.options` for a CJ (Commission Junction) network, publisher side.
 * `reportApiToken` on the settings is a CJ personal access token.
 */
export const CjOptionsSchema = z.object({
  ...TokenAuthOptionsShape,
  subIdParam: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,32}$/)
    .default("sid")
    .describe("tracking-link parameter for the sub-ID (CJ's SID, reported back as shopperId)"),
  publisherId: z
    .string()
    .regex(/^\d{1,20}$/)
    .optional()
    .describe("the publisher's CJ company id (CID); required for report sync"),
  apiUrl: z
    .url({ protocol: /^https?$/ })
    .default("https://commissions.api.cj.com/query")
    .describe(
      "CJ Commission Detail GraphQL endpoint (https outside development: it gets the token)",
    ),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default("USD")
    .describe(
      "the publisher account's functional currency: CJ reports *PubCurrency amounts without naming it",
    ),
  reportDateType: z
    .enum(["event", "posting"])
    .default("event")
    .describe(
      "which date the report range filters on; event keeps corrections beside their originals",
    ),
});

export type CjOptions = z.infer<typeof CjOptionsSchema>;
