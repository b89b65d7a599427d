import { z } from "zod";
import { TokenAuthOptionsShape } from "../core/options";

/**
 * `settings.options` for an Admitad network. `reportApiToken` (on the settings, not here) is an
 * Admitad API access token with the `statistics` scope.
 */
export const AdmitadOptionsSchema = z.object({
  ...TokenAuthOptionsShape,
  subIdParam: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,32}$/)
    .default("subid")
    .describe("tracking-link parameter for the sub-ID (Admitad echoes subid … subid4)"),
  apiBaseUrl: z
    .url({ protocol: /^https?$/ })
    .default("https://api.admitad.com")
    .describe(
      "Admitad API root (https outside development: it gets the token); overridden only for a sandbox",
    ),
  websiteId: z.number().int().positive().optional().describe("limit reports to one ad space"),
  reportPageSize: z.number().int().min(1).max(500).default(500).describe("records per report page"),
  reportUtcOffsetMinutes: z
    .number()
    .int()
    .min(-720)
    .max(840)
    .default(0)
    .describe("offset of the naive date-times in Admitad reports; 0 treats them as UTC"),
});

export type AdmitadOptions = z.infer<typeof AdmitadOptionsSchema>;
