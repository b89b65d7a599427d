import { z } from "zod";

import { CONFIRMATION_POLICIES } from "./confirmation-policy";

/** The policies and their resolution live in confirmation-policy.ts (zod-free, read at the edge). */
export {
  CONFIRMATION_POLICIES,
  type ConfirmationPolicy,
  DEFAULT_CONFIRMATION_POLICY,
  networkConfirmationPolicy,
  type OfferOrigin,
  resolveConfirmationPolicy,
} from "./confirmation-policy";

export const ConfirmationPolicySchema = z
  .enum(CONFIRMATION_POLICIES)
  .describe(
    "when pending cashback confirms: return_window (network approval or the return window " +
      "passing, whichever is first), network_approval (only the network's approval), both " +
      "(the later of the two)",
  );

/** The network option this module reads; other keys belong to the adapter and are ignored. */
export const ConfirmationOptionsSchema = z.object({
  confirmationPolicy: ConfirmationPolicySchema.optional(),
});
