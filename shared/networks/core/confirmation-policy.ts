import { isPlainObject } from "../../validate/guards";

/**
 * When pending cashback becomes confirmed (money the user can redeem):
 * - `return_window`: when the network approves, or when the offer's return window passes
 *   without a cancellation, whichever comes first (the behaviour before policies existed);
 * - `network_approval`: only when the network approves (by postback or in its report); the
 *   window passing only makes the order "awaiting network";
 * - `both`: the later of the two: approved by the network and the window passed.
 *
 * Set per network in its options (`confirmationPolicy`), overridden per offer (the offer's
 * `confirmationPolicy`; null inherits). Without either, an offer the operator created uses
 * `return_window` and an offer merchant sync created from the network's feed uses
 * `network_approval`: a feed nobody reviewed should not pay before the network does.
 *
 * Zod-free (the edge workers read it); the schemas the api validates and documents with are in
 * confirmation-options.ts.
 */
export const CONFIRMATION_POLICIES = ["return_window", "network_approval", "both"] as const;
export type ConfirmationPolicy = (typeof CONFIRMATION_POLICIES)[number];

/** Who made an offer: the operator through the admin API, or merchant sync from a feed. */
export type OfferOrigin = "operator" | "feed";

/** The policy an offer uses when neither it nor its network names one. */
export const DEFAULT_CONFIRMATION_POLICY: Record<OfferOrigin, ConfirmationPolicy> = {
  operator: "return_window",
  feed: "network_approval",
};

/**
 * The network's `confirmationPolicy` option, or null when it has none. A value that is not a
 * policy (the admin API validates it; a row written before that could hold anything) counts
 * as none rather than failing every click on the network. Accepts exactly what
 * `ConfirmationOptionsSchema` does (confirmation-options.test.ts checks it).
 *
 * @example
 * networkConfirmationPolicy({ feedUrl: "https://…", confirmationPolicy: "both" }) // "both"
 */
export function networkConfirmationPolicy(
  options: Record<string, unknown> | null | undefined,
): ConfirmationPolicy | null {
  const value: unknown = options ?? {};
  if (!isPlainObject(value)) return null;
  const policy = value.confirmationPolicy;
  return (CONFIRMATION_POLICIES as readonly unknown[]).includes(policy)
    ? (policy as ConfirmationPolicy)
    : null;
}

/**
 * The policy an offer's clicks freeze: the offer's own, else its network's, else the default
 * for who made the offer.
 *
 * @example
 * resolveConfirmationPolicy({ offerPolicy: null, networkOptions: {}, origin: "feed" }) // "network_approval"
 */
export function resolveConfirmationPolicy(input: {
  offerPolicy: ConfirmationPolicy | null;
  networkOptions: Record<string, unknown> | null | undefined;
  origin: OfferOrigin;
}): ConfirmationPolicy {
  return (
    input.offerPolicy ??
    networkConfirmationPolicy(input.networkOptions) ??
    DEFAULT_CONFIRMATION_POLICY[input.origin]
  );
}
