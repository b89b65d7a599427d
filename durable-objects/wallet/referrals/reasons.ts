/**
 * Why a referral is in its state, or why a signup is not a referral: stable codes that the
 * record, its history and the user API carry, with their English text in these maps only, so
 * an operator can translate them (docs/referrals.md, "Attribution").
 */

/** How a referral was attributed: the reason of its move to `signed_up`. */
export const ATTRIBUTION_REASONS = {
  code_at_signup: "Your friend typed your referral code when signing up.",
  install_referrer_token: "Your friend installed the Android app from your link.",
  deep_link_token: "Your friend opened the iOS app from your link.",
  web_signup_token: "Your friend signed up on the web from your link.",
  probabilistic_match:
    "Your friend signed up from the same device shortly after opening your link.",
} as const;

/** Why a signup is not a referral: nothing is recorded, the wallet logs the code. */
export const NO_REFERRAL_REASONS = {
  self_referral: "You cannot refer yourself.",
  unknown_code: "The referral code does not exist.",
  already_referred: "This person was already referred.",
  not_first_signup: "Only a person's first signup can be a referral.",
  token_invalid: "The referral link could not be verified.",
  token_expired: "The referral link was opened too long before signing up.",
  no_evidence: "Nothing links this signup to a referrer.",
  referrer_banned: "The referrer can no longer refer friends.",
} as const;

/** Why a referral moved on after signup (referral-rewards.ts). */
export const PROGRESS_REASONS = {
  qualifying_event: "Your friend did what the campaign asks for.",
  reward_credited: "The referral reward was credited.",
  referrer_cap_reached:
    "Your friend got their reward; you had reached this month's limit of referral rewards.",
  referral_budget_exhausted:
    "The campaign's budget for referral rewards ran out, so a reward of this referral was reduced or not paid.",
} as const;

/** Why a rewarded referral's rewards were taken back or given back (referral-money.ts). */
export const REVERSAL_REASONS = {
  refund_reversed: "Your friend's qualifying payment was refunded, so the rewards were taken back.",
  chargeback_reversed:
    "Your friend's qualifying payment was charged back, so the rewards were taken back.",
  refund_partially_reversed:
    "Part of your friend's qualifying payment was refunded; that share of the rewards was taken back.",
  chargeback_won: "Your friend's chargeback was resolved for them; the rewards were given back.",
} as const;

/** Why a referral ended without qualifying (referral-expiry.ts). */
export const EXPIRY_REASONS = {
  qualification_window_passed:
    "Your friend did not do what the campaign asks for within the time the program allows.",
} as const;

/** Why a referral was held, and how the review ended (referral-review.ts). */
export const REVIEW_REASONS = {
  risk_hold: "The referral is being checked before it is rewarded.",
  /** A fraud rule's `referral` hold (docs/fraud.md "Holds"): the user is not told which. */
  fraud_rule_hold: "The referral is being checked before it is rewarded.",
  /** Scoring could not answer when it qualified: it is checked, then rewarded, once it can. */
  risk_unavailable: "The referral is being checked before it is rewarded.",
  /** The fraud review released it (an operator, or the hold's own window ended). */
  risk_hold_released: "The referral was checked and approved.",
  hold_approved: "The referral was checked and approved.",
  auto_approved: "The referral was approved after the review period.",
  hold_rejected: "The referral was checked and not approved.",
} as const;

export const REFERRAL_REASONS = {
  ...ATTRIBUTION_REASONS,
  ...NO_REFERRAL_REASONS,
  ...PROGRESS_REASONS,
  ...REVERSAL_REASONS,
  ...REVIEW_REASONS,
  ...EXPIRY_REASONS,
} as const;

export type AttributionReason = keyof typeof ATTRIBUTION_REASONS;
export type NoReferralReason = keyof typeof NO_REFERRAL_REASONS;
export type ProgressReason = keyof typeof PROGRESS_REASONS;
export type ReversalReason = keyof typeof REVERSAL_REASONS;
export type ReviewReason = keyof typeof REVIEW_REASONS;
export type ExpiryReason = keyof typeof EXPIRY_REASONS;
export type ReferralReason = keyof typeof REFERRAL_REASONS;

/**
 * Pure: the English text of a reason code.
 *
 * @example
 * reasonText("code_at_signup") // "Your friend typed your referral code when signing up."
 */
export function reasonText(reason: ReferralReason): string {
  return REFERRAL_REASONS[reason];
}
