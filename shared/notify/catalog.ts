/**
 * What Boomerang tells users about, and how each kind of message is treated. Every capability
 * publishes a notification event (shared/notify/message.ts) naming one of these types; the
 * notification consumer decides per channel whether, when and how it goes out.
 *
 * Categories follow the shape Knock and Novu use:
 * - `critical`: security messages (step-up codes, a new device). Bypass quiet hours, caps and
 *   digests; only a channel can be turned off, never the category.
 * - `transactional`: about the user's own money and account. On by default; a user may turn a
 *   channel off but not the category. Never deferred by quiet hours.
 * - `promotional`: operator campaigns. Opt-in; one signed link opts out without a login;
 *   waits for the recipient's send window; capped per day and week.
 */

export const NOTIFICATION_CATEGORIES = ["critical", "transactional", "promotional"] as const;
export type NotificationCategory = (typeof NOTIFICATION_CATEGORIES)[number];

export const NOTIFICATION_CHANNELS = ["webhook", "email", "push", "sms"] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** How a template variable is formatted: money is `{ amountMinor, currency }`, dates are ms. */
export type NotificationVarKind = "text" | "number" | "money" | "date";

export interface NotificationTypeSpec {
  category: NotificationCategory;
  /** The variables every event of this type carries; a template may use only these. */
  variables: Readonly<Record<string, NotificationVarKind>>;
  /** One line for the console and docs. */
  description: string;
}

const money = "money" as const;
const text = "text" as const;
const number = "number" as const;
const date = "date" as const;

export const NOTIFICATION_TYPES = {
  step_up_code: {
    category: "critical",
    variables: { code: text, expiresAt: date },
    description: "a one-time code to confirm a payout or a destination change",
  },
  new_device: {
    category: "critical",
    variables: { deviceLabel: text, signedInAt: date },
    description: "the account was used from a device it had not seen",
  },
  cashback_earned: {
    category: "transactional",
    variables: { merchantName: text, cashback: money, orderId: text },
    description: "a purchase tracked: cashback pending",
  },
  cashback_confirmed: {
    category: "transactional",
    variables: { merchantName: text, cashback: money, orderId: text },
    description: "pending cashback confirmed and available",
  },
  cashback_clawed_back: {
    category: "transactional",
    variables: { merchantName: text, cashback: money, orderId: text, reason: text },
    description: "cashback reversed (order cancelled or returned)",
  },
  payout_initiated: {
    category: "transactional",
    variables: { amount: money, destination: text },
    description: "a payout was requested and is on its way",
  },
  payout_paid: {
    category: "transactional",
    variables: { amount: money, destination: text },
    description: "a payout reached its destination",
  },
  payout_failed: {
    category: "transactional",
    variables: { amount: money, destination: text, reason: text },
    description: "a payout failed; the money is back in the wallet",
  },
  payout_held: {
    category: "transactional",
    variables: { amount: money, reason: text },
    description: "a payout is held for review",
  },
  points_earned: {
    category: "transactional",
    variables: { points: number, reason: text },
    description: "loyalty points credited",
  },
  points_expiring: {
    category: "transactional",
    variables: { points: number, expiresAt: date, daysLeft: number },
    description: "loyalty points expire in 30, 7 or 1 days",
  },
  tier_changed: {
    category: "transactional",
    variables: { fromTier: text, toTier: text },
    description: "the member's loyalty tier changed",
  },
  referral_signed_up: {
    category: "transactional",
    variables: { refereeName: text },
    description: "someone signed up with the user's referral link",
  },
  referral_qualified: {
    category: "transactional",
    variables: { refereeName: text },
    description: "a referral met the program's terms",
  },
  referral_rewarded: {
    category: "transactional",
    variables: { refereeName: text, reward: text },
    description: "a referral reward was credited",
  },
  referral_held: {
    category: "transactional",
    variables: { refereeName: text },
    description: "a referral reward is held for review",
  },
  claim_decided: {
    category: "transactional",
    variables: { orderId: text, decision: text, reason: text },
    description: "a missing-cashback claim was approved or rejected",
  },
  promotion: {
    category: "promotional",
    variables: { headline: text, body: text, url: text },
    description: "an operator's promotional message (a flash sale, a boost) to a segment",
  },
} as const satisfies Record<string, NotificationTypeSpec>;

export type NotificationType = keyof typeof NOTIFICATION_TYPES;
export const NOTIFICATION_TYPE_NAMES = Object.keys(NOTIFICATION_TYPES) as NotificationType[];

/** Pure: the category a type belongs to. */
export function categoryOf(type: NotificationType): NotificationCategory {
  return NOTIFICATION_TYPES[type].category;
}

/**
 * Variables whose values are secrets (a step-up code): the message carries them to the user,
 * but no log line and no stored error text (a delivery's reason, a dead letter's error) may.
 */
export const SECRET_VARIABLES: Readonly<Partial<Record<NotificationType, readonly string[]>>> = {
  step_up_code: ["code"],
};

/**
 * Pure: `text` with every secret variable's value of the event replaced by `[redacted]`, for
 * what is logged or stored about a delivery (an error message that quoted a request body).
 *
 * @example
 * redactSecrets("refused 123456", "step_up_code", { code: "123456" }) // "refused [redacted]"
 */
export function redactSecrets(
  text: string,
  type: NotificationType,
  vars: Readonly<Record<string, unknown>> | undefined,
): string {
  let out = text;
  for (const name of SECRET_VARIABLES[type] ?? []) {
    const value = vars?.[name];
    if (typeof value !== "string" && typeof value !== "number") continue;
    const secret = String(value);
    if (secret.length > 0) out = out.split(secret).join("[redacted]");
  }
  return out;
}
