import { z } from "zod";
import { IpAllowlistSchema } from "./core/ip-allowlist";

/**
 * The generic format's options as the api validates and documents them when a network is
 * saved (workers/api/src/features/catalog/network-option-schemas.ts). The adapter reads them
 * through the zod/mini twin `GenericOptionsMiniSchema` (options-mini.ts), so the postback
 * worker carries no zod classic.
 */
export const GenericOptionsSchema = z.object({
  reportUrl: z
    .url({ protocol: /^https?$/ })
    .max(2_048)
    .optional()
    .describe(
      "the network's report endpoint (https outside development: it gets the secret); without it no report sync",
    ),
  ipAllowlist: IpAllowlistSchema.default([]).describe(
    "optional extra check on top of the signature; empty means any address",
  ),
});
