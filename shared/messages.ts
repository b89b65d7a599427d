import type { ClickQuality } from "./fraud/click-quality";
import type { BoostSnapshot } from "./money/boost";
import type { CashbackTerms } from "./money/cashback";
import type { ConfirmationPolicy } from "./networks/core/confirmation-options";
import type { NormalizedConversion } from "./networks/types";

/**
 * Queue message bodies. Every consumer is idempotent on the ids these carry, because
 * Queues deliver at least once.
 */

/** A click minted by the redirect worker; the rate shown is frozen into `terms`. */
export interface ClickMessage {
  kind: "click";
  clickId: string;
  userId: string;
  offerId: string;
  merchantId: string;
  networkId: string;
  clickedAtMs: number;
  currency: string;
  terms: CashbackTerms;
  returnWindowDays: number;
  /**
   * What confirms the cashback (the offer's, else its network's policy), frozen like `terms`
   * so a later change applies to new clicks only. Absent on older clicks: `return_window`.
   */
  confirmationPolicy?: ConfirmationPolicy;
  /**
   * The campaign boosts live for this user and offer at click time, frozen like `terms`.
   * Absent on clicks sent before campaigns existed: none.
   */
  boosts?: BoostSnapshot[];
  /**
   * The clicked offer's `networkOfferRef` at click time: the advertiser/campaign a sale must be
   * reported at to be paid at this click's terms (docs/postbacks.md, "Which merchant was
   * clicked"). Absent on clicks sent before it was carried, and empty when the offer has none:
   * the comparison is then skipped.
   */
  networkOfferRef?: string;
  /** The id of the click's request, for the consumer's log lines; absent on older messages. */
  requestId?: string;
  /**
   * How the click's request looked, judged at the edge (shared/fraud/click-quality.ts): a
   * `bot` click is counted and marked and never attributes; a conversion of it is held for
   * review. Absent on older messages: a clean click.
   */
  quality?: ClickQuality;
  /**
   * Identity links of the click's request (docs/fraud.md "Identity links"): its IP network
   * (/24, /64) as a keyed hash (`ip_prefix`), hashed at the edge so the address never rides the
   * queue. Absent on older messages, or when the request had no client address.
   */
  identifiers?: { ip_prefix?: string };
  /** The request's network as the platform reported it (`request.cf`); absent when unknown. */
  network?: { asn?: number; country?: string };
}

/**
 * A click on a referral share link (`/r/:code`), minted by the redirect worker and stored by the
 * CLICKS consumer in D1 `referral_clicks`, idempotent on `clickId` (docs/referrals.md "Clicks").
 * `fingerprint` is the keyed hash of IP + user agent (shared/referrals/fingerprint.ts), never
 * the raw values.
 */
export interface ReferralClickMessage {
  kind: "referral_click";
  clickId: string;
  /** The code as stored (normalised). */
  code: string;
  referrerId: string;
  programId: string;
  platform: "web" | "ios" | "android";
  fingerprint: string;
  clickedAtMs: number;
  requestId: string;
}

/** Everything the CLICKS queue carries: tracked offer clicks and referral link clicks. */
export type ClicksQueueMessage = ClickMessage | ReferralClickMessage;

/** What the postback worker received, with its verdict; the raw body is kept for audit. */
export interface PostbackMessage {
  kind: "postback";
  postbackId: string;
  networkId: string;
  receivedAtMs: number;
  verdict: "accepted" | "rejected";
  rejectReason: string | null;
  rawBody: string;
  signatureHeader: string | null;
  sourceIp: string | null;
  /**
   * What the network's adapter made of an accepted postback. Absent on messages enqueued
   * before adapters existed: the consumer then parses `rawBody` as the generic format.
   */
  conversions?: NormalizedConversion[];
  /** The id of the postback's request, for the consumer's log lines; absent on older messages. */
  requestId?: string;
}

/** Projection updates a wallet Durable Object publishes through its outbox. */
export type LedgerEventMessage =
  | TransactionProjection
  | BalancesProjection
  | ClaimProjection
  | PayoutProjection
  | ProfileProjection
  | LoyaltyDueProjection
  | ReferralProjection
  | RiskIdentifiersMessage
  | RiskHoldProjection
  | SegmentsProjection
  | PointsMovementProjection;

/**
 * Several of one user's ledger events in one queue message (shared/queues/ledger-bundle.ts):
 * the wallet's outbox flush sends one per user and flush instead of one message per event
 * (docs/benchmarks.md "One ledger-events message per flush"). The consumer projects `events`
 * in order, exactly as if each had arrived alone; every projection is guarded, so a bundle
 * delivered twice is harmless.
 */
export interface LedgerEventBundle {
  kind: "ledger_bundle";
  userId: string;
  events: LedgerEventMessage[];
}

/** What the ledger-events queue carries: one event, or a bundle of one user's events. */
export type LedgerQueueMessage = LedgerEventMessage | LedgerEventBundle;

/**
 * One points posting of a wallet (durable-objects/wallet/points/points-change.ts), for D1
 * `points_movements` and the points funnel (docs/analytics.md "Points"): per source type of
 * the lots it touched, the points earned (a new lot), spent, expired and reversed. A posting
 * is immutable and `key` is unique in the wallet, so a redelivery inserts nothing new.
 */
export interface PointsMovementProjection {
  kind: "points_movement";
  userId: string;
  key: string;
  entryKind: string;
  atMs: number;
  sources: Array<{
    sourceType: string;
    earned: number;
    spent: number;
    expired: number;
    reversed: number;
  }>;
}

/**
 * A member's segments as their wallet holds them (durable-objects/wallet/events/segments.ts),
 * for D1 `member_segments`, which promotional sends enumerate. Published when the list
 * changes; `version` rises with each change, so the projection keeps the newest.
 */
export interface SegmentsProjection {
  kind: "segments";
  userId: string;
  segments: string[];
  version: number;
}

/**
 * A risk hold as its wallet holds it (durable-objects/wallet/holds/), for D1 `risk_holds`, the
 * review queue's index (docs/fraud.md "Review"). Published when the hold is placed and when it
 * ends; `version` rises with each, so the projection keeps the newest.
 */
export interface RiskHoldProjection {
  kind: "risk_hold";
  userId: string;
  hold: {
    holdId: string;
    kind: "payouts" | "transaction" | "referral" | "step_up";
    subjectRef: string | null;
    source: "rule" | "risk_unavailable" | "bot_click";
    ruleId: string | null;
    ruleVersion: number | null;
    reasons: Array<{ code: string; score: number; detail: string }>;
    status: "active" | "released" | "upheld";
    placedAtMs: number;
    autoReleaseAtMs: number | null;
    endedAtMs: number | null;
    endedHow: "operator" | "auto" | "scoring_returned" | "step_up" | null;
    decidedBy: string | null;
    decisionNote: string | null;
    label: "fraud" | "not_fraud" | "unsure" | null;
    /** The user's score and reasons when an operator decided; null before a decision. */
    decisionSignals: {
      score: number;
      reasons: Array<{ code: string; score: number; detail: string }>;
    } | null;
    version: number;
  };
}

/**
 * The fraud identifiers an event of the user carried (keyed hashes of a device id, an IP
 * network, a normalised e-mail, a payment instrument; shared/referrals/risk-identifiers.ts),
 * for D1 `referral_identifiers`, which a referee's wallet reads to find who else holds them
 * (docs/referrals.md "Fraud holds"). Idempotent: the row's key is (hash, kind, user).
 */
export interface RiskIdentifiersMessage {
  kind: "risk_identifiers";
  userId: string;
  identifiers: Array<{ kind: string; hash: string }>;
  seenAtMs: number;
}

/**
 * A referral as its referee's wallet holds it (docs/referrals.md), for the referrer's friends
 * list and the funnel: `userId` is the referee. The name is masked in the wallet (first letter
 * and `***`); `version` rises with every change, so a redelivered or reordered message never
 * moves the projection backwards.
 */
export interface ReferralProjection {
  kind: "referral";
  userId: string;
  referral: {
    id: string;
    programId: string;
    referrerId: string;
    refereeId: string;
    state: string;
    method: string;
    reason: string;
    refereeNameMasked: string | null;
    clickId: string | null;
    attributedAtMs: number;
    updatedAtMs: number;
    version: number;
    /**
     * What the referrer got, once their wallet credited it: a currency (amount in minor units)
     * or `points`. Absent (older messages) or null: nothing credited to the referrer yet.
     */
    referrerReward?: { unit: string; amount: number } | null;
    /** The fraud score at attribution and the codes of its signals; absent on older messages. */
    riskScore?: number;
    holdReasons?: string[];
    /**
     * Set on the projection of the move to `qualified` (or `held`): the campaign (rule id and
     * version), when the qualifying event happened, and what the campaign owes the referrer.
     * Absent on other moves: the D1 row keeps what an earlier message set.
     */
    qualification?: ReferralQualification;
  };
}

/** How a referral qualified: for the funnel and the referrer's pending rewards. */
export interface ReferralQualification {
  ruleId: string;
  ruleVersion: number;
  /** The qualifying event's occurrence time. */
  qualifiedAtMs: number;
  /** What the campaign owes the referrer (a currency or `points`); null: nothing. */
  referrerDue: { unit: string; amount: number } | null;
}

/**
 * When the wallet's loyalty program next has work due (a pending lot to activate, a lot to
 * expire, an expiry notice, a tier review); null: nothing. Feeds the points cron backstop,
 * which visits wallets whose alarm may have been lost. `seq` rises with every change, so a
 * redelivered or reordered message never moves the projection backwards.
 */
export interface LoyaltyDueProjection {
  kind: "loyalty_due";
  userId: string;
  dueAtMs: number | null;
  seq: number;
}

/**
 * What the operator's backend said about the user when they signed up (`user.signed_up`,
 * docs/events.md): the display name for the users table. Personal contact details stay in
 * the wallet, sealed; they never travel on a queue.
 */
export interface ProfileProjection {
  kind: "profile";
  userId: string;
  displayName: string | null;
  signedUpAtMs: number;
}

/** A payout's state for the console; `version` rises with every change. */
export interface PayoutProjection {
  kind: "payout";
  userId: string;
  payout: {
    id: string;
    status: string;
    destinationType: string | null;
    destinationMasked: string | null;
    currency: string;
    amountMinor: number;
    holdReason: string | null;
    failureCode: string | null;
    /** Absent on messages from before it was projected. */
    attention?: string | null;
    attempts: number;
    processorId: string | null;
    processorRef: string | null;
    createdAtMs: number;
    updatedAtMs: number;
    paidAtMs: number | null;
    version: number;
  };
}

/**
 * A message for the user (a failed payout, a held one, points about to expire), on its own queue so a notifier outage
 * never holds up projections; sent through the notifier once per id.
 */
export interface UserNoticeMessage {
  kind: "notice";
  userId: string;
  notice: {
    id: string;
    kind: "step_up_code" | "payout_failed" | "payout_paid" | "payout_held" | "points_expiring";
    body: Record<string, unknown>;
  };
}

export interface ClaimProjection {
  kind: "claim";
  userId: string;
  claim: {
    claimId: string;
    clickId: string;
    offerId: string;
    networkId: string;
    orderId: string;
    amountMinor: number;
    currency: string;
    purchasedAtMs: number;
    /** approved / rejected: an operator decided it (decisionReason says why). */
    status: "open" | "matched" | "review" | "approved" | "rejected";
    txnId: string | null;
    createdAtMs: number;
    updatedAtMs: number;
    /** The operator's decision; absent on claims never decided and on older messages. */
    decisionReason?: string | null;
    decidedBy?: string | null;
    decidedAtMs?: number | null;
  };
}

export interface TransactionProjection {
  kind: "transaction";
  userId: string;
  txn: {
    id: string;
    networkId: string;
    orderId: string;
    offerId: string | null;
    clickId: string | null;
    status: "pending" | "confirmed" | "cancelled" | "rejected";
    rejectReason: string | null;
    currency: string;
    saleAmountMinor: number;
    commissionMinor: number;
    cashbackMinor: number;
    rateBps: number;
    /** Campaign boost granted on top of `cashbackMinor`; absent on older messages (0). */
    boostMinor?: number;
    /**
     * The campaigns whose boost the conversion's click carried (granted or not), for the
     * analytics funnel per campaign; absent on older messages (none).
     */
    campaignIds?: string[];
    clickedAtMs: number | null;
    convertedAtMs: number;
    expectedConfirmAtMs: number | null;
    confirmedAtMs: number | null;
    version: number;
    updatedAtMs: number;
  };
}

export interface BalancesProjection {
  kind: "balances";
  userId: string;
  ledgerSeq: number;
  atMs: number;
  balances: Array<{ bucket: string; currency: string; balanceMinor: number }>;
}
