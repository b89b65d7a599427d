import { z } from "zod";
import { BindingOptionsShape } from "./binding-options";
import { ConfirmationOptionsSchema } from "./confirmation-options";
import { FeedReviewOptionsSchema } from "./feed-review-options";

/**
 * Options Boomerang itself reads on every network, whatever its format: merchant sync reads
 * `feedUrl` and `maxFeedRateBps`, the click path reads `confirmationPolicy`, the postbacks
 * consumer reads `offerMismatch`. They live in the
 * same `options` object as the adapter's own, so the admin API checks them here when a
 * network is saved and the template mapping (strict, to catch a misspelt key) lists them.
 * A new cross-format option is added to this schema and nowhere else.
 *
 * @example
 * CommonNetworkOptionsSchema.safeParse({ confirmationPolicy: "both" }).success // true
 */
export const CommonNetworkOptionsSchema = z.object({
  feedUrl: z
    .string()
    .optional()
    .describe("the offer feed merchant sync reads (generic feed format)"),
  ...ConfirmationOptionsSchema.shape,
  ...FeedReviewOptionsSchema.shape,
  ...BindingOptionsShape,
});

/** The names of the options in CommonNetworkOptionsSchema. */
export const COMMON_NETWORK_OPTION_NAMES: ReadonlySet<string> = new Set(
  Object.keys(CommonNetworkOptionsSchema.shape),
);
