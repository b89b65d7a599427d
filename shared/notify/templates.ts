import type { NotificationType } from "./catalog";

/**
 * A message template: `{{name}}` stands for one of the type's variables
 * (shared/notify/catalog.ts). Money and dates are formatted in the recipient's locale.
 */
export interface NotificationTemplate {
  title: string;
  body: string;
  /** Where a tap or click leads; may use variables. */
  url?: string;
}

/**
 * The built-in English templates, one per type: what a deployment sends until the operator
 * writes its own (per type and locale).
 */
export const DEFAULT_TEMPLATES: Record<NotificationType, NotificationTemplate> = {
  step_up_code: {
    title: "Your confirmation code",
    body: "Your code is {{code}}. It expires at {{expiresAt}}. Never share it.",
  },
  new_device: {
    title: "New sign-in to your account",
    body: "Your account was used from {{deviceLabel}} at {{signedInAt}}. If this was not you, change your password.",
  },
  cashback_earned: {
    title: "Cashback on its way",
    body: "{{cashback}} cashback is pending for your {{merchantName}} order {{orderId}}.",
  },
  cashback_confirmed: {
    title: "Cashback confirmed",
    body: "{{cashback}} from {{merchantName}} (order {{orderId}}) is now available.",
  },
  cashback_clawed_back: {
    title: "Cashback reversed",
    body: "{{cashback}} from {{merchantName}} (order {{orderId}}) was reversed: {{reason}}.",
  },
  payout_initiated: {
    title: "Payout on its way",
    body: "{{amount}} is on its way to {{destination}}.",
  },
  payout_paid: {
    title: "Payout sent",
    body: "{{amount}} was paid to {{destination}}.",
  },
  payout_failed: {
    title: "Payout failed",
    body: "Your payout of {{amount}} to {{destination}} failed ({{reason}}). The money is back in your wallet.",
  },
  payout_held: {
    title: "Payout under review",
    body: "Your payout of {{amount}} is being reviewed ({{reason}}).",
  },
  points_earned: {
    title: "Points earned",
    body: "You earned {{points}} points: {{reason}}.",
  },
  points_expiring: {
    title: "Points expiring soon",
    body: "{{points}} points expire in {{daysLeft}} days, on {{expiresAt}}.",
  },
  tier_changed: {
    title: "Your tier changed",
    body: "You moved from {{fromTier}} to {{toTier}}.",
  },
  referral_signed_up: {
    title: "A friend joined",
    body: "{{refereeName}} signed up with your link.",
  },
  referral_qualified: {
    title: "Referral qualified",
    body: "{{refereeName}} qualified: your reward is on its way.",
  },
  referral_rewarded: {
    title: "Referral reward",
    body: "You earned {{reward}} for referring {{refereeName}}.",
  },
  referral_held: {
    title: "Referral under review",
    body: "Your reward for referring {{refereeName}} is being reviewed.",
  },
  claim_decided: {
    title: "Your claim was decided",
    body: "Your claim for order {{orderId}} was {{decision}}: {{reason}}.",
  },
  promotion: {
    title: "{{headline}}",
    body: "{{body}}",
    url: "{{url}}",
  },
};
