import { z } from "zod";
import { TokenAuthOptionsShape } from "../core/options";

/**
 * `settings.options` for an impact.com network (partner side). `reportApiToken` on the
 * settings is the account's (read-only) Auth Token; `accountSid` is not a secret.
 */
export const ImpactOptionsSchema = z.object({
  ...TokenAuthOptionsShape,
  subIdParam: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,32}$/)
    .default("subId1")
    .describe("tracking-link parameter for the sub-ID (echoed back as SubId1)"),
  accountSid: z
    .string()
    .regex(/^[A-Za-z0-9]{1,64}$/)
    .optional()
    .describe("the partner Account SID; required for report sync"),
  apiBaseUrl: z
    .url({ protocol: /^https?$/ })
    .default("https://api.impact.com")
    .describe("impact.com API root (https outside development: it gets the token)"),
  reportPageSize: z
    .number()
    .int()
    .min(1)
    .max(20_000)
    .default(1_000)
    .describe("actions per report page"),
});

export type ImpactOptions = z.infer<typeof ImpactOptionsSchema>;
