import { z } from "zod";

/**
 * What happens when a network reports a sale at another advertiser than the one the user
 * clicked (the conversion's `networkOfferRef` differs from the clicked offer's): the network
 * option `offerMismatch`, read from `settings.options` whatever the network's format. Owned
 * here rather than by each adapter's schema because it is Boomerang's policy, not the
 * network's wire format; adapter schemas that are strict list the key (template-mapping.ts).
 *
 * - `reject` (the default): the conversion is recorded rejected with reason `offer_mismatch`.
 * - `reprice`: when the operator has an offer for the reported reference on the same network,
 *   the conversion is priced by that offer's terms (see docs/postbacks.md, "Which merchant
 *   was clicked"); without one it is rejected as above.
 */
export const OFFER_MISMATCH_OPTION = "offerMismatch";

export const OfferMismatchSchema = z
  .enum(["reject", "reprice"])
  .describe(
    "a sale reported at another advertiser than the one clicked: reject (offer_mismatch) or reprice it by the operator's offer for the reported reference",
  );

export type OfferMismatchPolicy = z.infer<typeof OfferMismatchSchema>;

/** The option as a zod shape, for the admin API's network options validation. */
export const BindingOptionsShape = {
  [OFFER_MISMATCH_OPTION]: OfferMismatchSchema.default("reject"),
};

export const BindingOptionsSchema = z.object(BindingOptionsShape);

/**
 * The network's mismatch policy. A value that is not one of the two is read as `reject`:
 * a misconfiguration never pays more.
 *
 * @example
 * offerMismatchPolicy({ offerMismatch: "reprice" }) // "reprice"
 * offerMismatchPolicy({})                           // "reject"
 */
export function offerMismatchPolicy(options: Record<string, unknown>): OfferMismatchPolicy {
  const parsed = OfferMismatchSchema.safeParse(
    Object.hasOwn(options, OFFER_MISMATCH_OPTION) ? options[OFFER_MISMATCH_OPTION] : undefined,
  );
  return parsed.success ? parsed.data : "reject";
}
