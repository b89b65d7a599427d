import type { ReferralState } from "./referral-states";

/**
 * Why a friend's referral has not paid the referrer yet, for the referrer's view
 * (GET /v1/me/referrals): stable codes with their English text in this map only, beside the
 * state reasons (reasons.ts), so an operator can translate them the same way.
 */
export const PENDING_REASONS = {
  awaiting_signup: "Your friend opened your link but has not signed up yet.",
  awaiting_qualifying_event:
    "Your friend signed up; you are rewarded once they do what the campaign asks for.",
  reward_on_its_way: "Your friend qualified; your reward is on its way to your wallet.",
  under_review: "We are checking this referral before rewarding it; this usually takes a day.",
} as const;

export type PendingReason = keyof typeof PENDING_REASONS;

/** The pending reason of each state; null: nothing is pending (paid, or never will be). */
const PENDING_BY_STATE: Record<ReferralState, PendingReason | null> = {
  clicked: "awaiting_signup",
  signed_up: "awaiting_qualifying_event",
  qualified: "reward_on_its_way",
  held: "under_review",
  rewarded: null,
  rejected: null,
  expired: null,
  reversed: null,
};

/**
 * Pure: why a referral in `state` is pending for its referrer, as a code and its English text,
 * or null when nothing is pending.
 *
 * @example
 * pendingReasonOf("held") // { code: "under_review", text: "We are checking this referral…" }
 * pendingReasonOf("rewarded") // null
 */
export function pendingReasonOf(
  state: ReferralState,
): { code: PendingReason; text: string } | null {
  const code = PENDING_BY_STATE[state] ?? null;
  return code === null ? null : { code, text: PENDING_REASONS[code] };
}
