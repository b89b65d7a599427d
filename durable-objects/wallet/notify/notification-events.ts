import type {
  NOTIFICATION_TYPES,
  NotificationType,
  NotificationVarKind,
} from "#shared/notify/catalog";
import type { MoneyVar, NotificationEventMessage } from "#shared/notify/message";

/**
 * Pure: the notification events the wallet publishes (shared/notify/message.ts), one builder
 * per source of news. Each event's id is derived from the change it reports (`txn_…:confirmed`,
 * `pay_…:paid`, a lot and its days), so a replayed change never makes a second event, and its
 * variables are exactly the ones the catalog declares for its type (money as
 * `{ amountMinor, currency }`, dates as ms). The wallet writes them to its outbox in the same
 * storage transaction as the change (notify.ts), so none is lost or invented.
 */

type VarValueOf<K extends NotificationVarKind> = K extends "money"
  ? MoneyVar
  : K extends "number" | "date"
    ? number
    : string;

/** The variables of `T`, typed from the catalog. */
export type VarsOf<T extends NotificationType> = {
  -readonly [K in keyof (typeof NOTIFICATION_TYPES)[T]["variables"]]: VarValueOf<
    (typeof NOTIFICATION_TYPES)[T]["variables"][K] & NotificationVarKind
  >;
};

/** The one constructor: every builder below goes through it. */
export function notificationEvent<T extends NotificationType>(
  type: T,
  id: string,
  userId: string,
  vars: VarsOf<T>,
  occurredAtMs: number,
): NotificationEventMessage {
  return {
    kind: "notification",
    id,
    userId,
    type,
    vars: vars as NotificationEventMessage["vars"],
    occurredAtMs,
  };
}

// ---- cashback ------------------------------------------------------------------------------

export interface CashbackNews {
  txnId: string;
  orderId: string;
  currency: string;
  /** What the wallet shows for the merchant (see `merchantLabel`). */
  merchantName: string;
}

export type CashbackChange =
  | { type: "cashback_earned"; cashbackMinor: number }
  | { type: "cashback_confirmed"; cashbackMinor: number }
  | { type: "cashback_clawed_back"; cashbackMinor: number; reason: "cancelled" | "returned" };

const CLAWBACK_REASON = {
  cancelled: "the order was cancelled",
  returned: "the order was returned",
} as const;

/**
 * Pure: what a transaction's settlement tells the user, given the cashback (with any boost)
 * the wallet held for it before and holds after (pending and confirmed), and the history event
 * the settlement recorded. A credit appearing in pending is `cashback_earned`; one moving to
 * confirmed is `cashback_confirmed` (confirmed at once, with no pending step, too); a credit
 * taken away by a cancellation or a return is `cashback_clawed_back`. Nothing else (a
 * correction of the amount, a zero-cashback order) is news.
 */
export function cashbackChange(
  before: { pendingMinor: number; confirmedMinor: number },
  after: { pendingMinor: number; confirmedMinor: number },
  historyEvent: string | null,
): CashbackChange | null {
  const heldBefore = before.pendingMinor + before.confirmedMinor;
  if (historyEvent === "cancelled" || historyEvent === "returned_after_confirmation") {
    if (heldBefore <= 0) return null;
    return {
      type: "cashback_clawed_back",
      cashbackMinor: heldBefore,
      reason: historyEvent === "cancelled" ? "cancelled" : "returned",
    };
  }
  if (historyEvent === "confirmed" && after.confirmedMinor > 0) {
    return { type: "cashback_confirmed", cashbackMinor: after.confirmedMinor };
  }
  if (heldBefore === 0 && after.pendingMinor > 0) {
    return { type: "cashback_earned", cashbackMinor: after.pendingMinor };
  }
  return null;
}

const CASHBACK_ID_SUFFIX = {
  cashback_earned: "earned",
  cashback_confirmed: "confirmed",
  cashback_clawed_back: "clawed_back",
} as const;

/** Pure: the event for a cashback change; one per transaction and kind of news. */
export function cashbackEvent(
  userId: string,
  txn: CashbackNews,
  change: CashbackChange,
  atMs: number,
): NotificationEventMessage {
  const id = `${txn.txnId}:${CASHBACK_ID_SUFFIX[change.type]}`;
  const base = {
    merchantName: txn.merchantName,
    cashback: { amountMinor: change.cashbackMinor, currency: txn.currency },
    orderId: txn.orderId,
  };
  if (change.type === "cashback_clawed_back") {
    return notificationEvent(
      change.type,
      id,
      userId,
      { ...base, reason: CLAWBACK_REASON[change.reason] },
      atMs,
    );
  }
  return notificationEvent(change.type, id, userId, base, atMs);
}

/**
 * Pure: the merchant as the wallet can name it. The wallet keeps the merchant's id from the
 * click (catalog ids are operator-chosen slugs such as `acme-shoes`), not its display name; the
 * network stands in when the click is gone.
 */
export function merchantLabel(merchantId: string | null | undefined, networkId: string): string {
  return merchantId && merchantId.length > 0 ? merchantId : networkId;
}

// ---- payouts -------------------------------------------------------------------------------

export interface PayoutNews {
  payoutId: string;
  amountMinor: number;
  currency: string;
  destinationType: string | null;
  destinationMasked: string | null;
  version: number;
}

/** Pure: where a payout goes, as the user recognises it (masked; a gift card by its kind). */
export function destinationLabel(p: Pick<PayoutNews, "destinationType" | "destinationMasked">) {
  return p.destinationMasked ?? p.destinationType?.replace(/_/g, " ") ?? "your account";
}

/** The user is told a payout waits for a check, never which fraud signals fired. */
const HOLD_REASON = {
  new_device: "a new device was used",
  review: "a routine check",
} as const;

export type PayoutChange =
  | { type: "payout_initiated" }
  | { type: "payout_paid" }
  | { type: "payout_failed"; failureCode: string | null }
  | { type: "payout_held"; reason: keyof typeof HOLD_REASON };

/**
 * Pure: the event for a payout's change. Initiated, paid and failed happen once per payout
 * (`pay_…:paid`); a hold may happen twice (at the request, then at dispatch after a release),
 * so its id carries the payout's version after the hold.
 */
export function payoutEvent(
  userId: string,
  payout: PayoutNews,
  change: PayoutChange,
  atMs: number,
): NotificationEventMessage {
  const amount = { amountMinor: payout.amountMinor, currency: payout.currency };
  const destination = destinationLabel(payout);
  switch (change.type) {
    case "payout_initiated":
    case "payout_paid": {
      const suffix = change.type === "payout_paid" ? "paid" : "initiated";
      return notificationEvent(
        change.type,
        `${payout.payoutId}:${suffix}`,
        userId,
        { amount, destination },
        atMs,
      );
    }
    case "payout_failed":
      return notificationEvent(
        "payout_failed",
        `${payout.payoutId}:failed`,
        userId,
        { amount, destination, reason: failureText(change.failureCode) },
        atMs,
      );
    case "payout_held":
      return notificationEvent(
        "payout_held",
        `${payout.payoutId}:held:v${payout.version}`,
        userId,
        { amount, reason: HOLD_REASON[change.reason] },
        atMs,
      );
  }
}

/** Pure: a failure code as words (`account_invalid` → "account invalid"). */
export function failureText(code: string | null): string {
  return code ? code.replace(/_/g, " ") : "the payment provider refused it";
}

// ---- step-up codes -------------------------------------------------------------------------

/**
 * Pure: a step-up code for the user (critical: no quiet hours, caps or digests), its id the
 * challenge's, so a redelivered event is one delivery. The code travels in the event's
 * variables to the channels only: no log line or stored error text carries it.
 */
export function stepUpCodeEvent(
  userId: string,
  challenge: { challengeId: string; code: string; expiresAtMs: number },
  atMs: number,
): NotificationEventMessage {
  return notificationEvent(
    "step_up_code",
    challenge.challengeId,
    userId,
    { code: challenge.code, expiresAt: challenge.expiresAtMs },
    atMs,
  );
}

// ---- devices -------------------------------------------------------------------------------

/**
 * Pure: the event for a device the wallet had not seen. The wallet keeps only a hash of the
 * device id, so the label is the hash's first characters (what the user's other sessions can
 * show next to it), never the raw id.
 */
export function newDeviceEvent(
  userId: string,
  deviceHash: string,
  atMs: number,
): NotificationEventMessage {
  return notificationEvent(
    "new_device",
    `device:${deviceHash}:new`,
    userId,
    { deviceLabel: `a new device (${deviceHash.slice(0, 6)})`, signedInAt: atMs },
    atMs,
  );
}

// ---- points and tiers ----------------------------------------------------------------------

/** Pure: points credited to a lot (once per lot). */
export function pointsEarnedEvent(
  userId: string,
  lot: { lotId: string; points: number; sourceType: string; ruleId: string },
  atMs: number,
): NotificationEventMessage {
  return notificationEvent(
    "points_earned",
    `${lot.lotId}:earned`,
    userId,
    { points: lot.points, reason: pointsReason(lot.sourceType, lot.ruleId) },
    atMs,
  );
}

/** Pure: the reason shown for points, from what earned them (`welcome_bonus` → "welcome bonus"). */
export function pointsReason(sourceType: string, ruleId: string): string {
  const rule = ruleId.replace(/[_-]+/g, " ").trim();
  return rule.length > 0 ? rule : sourceType.replace(/[_-]+/g, " ");
}

/** Pure: one lot's expiry mark (30, 7 or 1 days): once per lot and mark. */
export function pointsExpiringEvent(
  userId: string,
  lot: { lotId: string; remaining: number; expiresAtMs: number },
  daysLeft: number,
  atMs: number,
): NotificationEventMessage {
  return notificationEvent(
    "points_expiring",
    `${lot.lotId}:expiring:${daysLeft}`,
    userId,
    { points: lot.remaining, expiresAt: lot.expiresAtMs, daysLeft },
    atMs,
  );
}

/** Pure: a tier change; the id names both tiers and the moment of the move. */
export function tierChangedEvent(
  userId: string,
  change: { fromTier: string; toTier: string },
  atMs: number,
): NotificationEventMessage {
  return notificationEvent(
    "tier_changed",
    `tier:${atMs}:${change.fromTier}>${change.toTier}`,
    userId,
    { fromTier: change.fromTier, toTier: change.toTier },
    atMs,
  );
}

// ---- referrals -----------------------------------------------------------------------------

const REFERRAL_NEWS = {
  signed_up: "referral_signed_up",
  qualified: "referral_qualified",
  rewarded: "referral_rewarded",
  held: "referral_held",
} as const;

/**
 * Pure: what the referrer is told when the referral (kept in the referee's wallet) moves to
 * `state`; null for moves that are not news to them. The id carries the referral's version
 * after the move, so a referral that comes back to a state (a chargeback won) tells again,
 * and a repeated cause (which does not move it) does not.
 */
export function referralEvent(
  referral: {
    referralId: string;
    referrerId: string;
    refereeNameMasked: string | null;
    version: number;
  },
  state: string,
  reward: string | null,
  atMs: number,
): NotificationEventMessage | null {
  if (!(state in REFERRAL_NEWS)) return null;
  const type = REFERRAL_NEWS[state as keyof typeof REFERRAL_NEWS];
  const id = `${referral.referralId}:${state}:v${referral.version}`;
  const refereeName = referral.refereeNameMasked ?? "someone you referred";
  if (type === "referral_rewarded") {
    return notificationEvent(
      type,
      id,
      referral.referrerId,
      { refereeName, reward: reward ?? "your reward" },
      atMs,
    );
  }
  return notificationEvent(type, id, referral.referrerId, { refereeName }, atMs);
}

// ---- claims --------------------------------------------------------------------------------

/** Pure: an operator's decision on a missing-cashback claim (once per claim). */
export function claimDecidedEvent(
  userId: string,
  claim: { claimId: string; orderId: string; status: "approved" | "rejected"; reason: string },
  atMs: number,
): NotificationEventMessage {
  return notificationEvent(
    "claim_decided",
    `${claim.claimId}:decided`,
    userId,
    { orderId: claim.orderId, decision: claim.status, reason: claim.reason },
    atMs,
  );
}
