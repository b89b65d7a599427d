import type { UserOrderCounts } from "./user-order-counts";

/**
 * The platform's risk vocabulary, shared by every side of scoring (docs/fraud.md): what the
 * risk object is asked, what it answers, and the holds its answers place. Producers (the click
 * and postback consumers, the events worker, the wallet) describe what a user did as an
 * `Observation`; the user's risk object (durable-objects/risk/) keeps them, scores the user with
 * the published fraud rules and answers an `Assessment`.
 */

/** What a user did that scoring looks at; each becomes the rules engine's `risk.<kind>` event. */
export const ACTIVITY_KINDS = [
  "click",
  "conversion",
  "claim",
  "redemption",
  "destination_changed",
  "login",
  "profile_changed",
  "referral",
  // A transaction cancelled or returned (the wallet; docs/fraud.md "Return abuse").
  "return",
] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** The holds a fraud rule's effect places (`hold_payouts` → `payouts`, …). */
export const HOLD_KINDS = ["payouts", "transaction", "referral", "step_up"] as const;
export type HoldKind = (typeof HOLD_KINDS)[number];
/** Where a hold came from (HoldInput["source"]), how it stands, and the operator's label. */
export const HOLD_SOURCES = ["rule", "risk_unavailable", "bot_click"] as const;
export const HOLD_STATUSES = ["active", "released", "upheld"] as const;
export const HOLD_LABELS = ["fraud", "not_fraud", "unsure"] as const;

/** Fraud rule effects (shared/rules/effects.ts), each with a score contribution and a reason. */
export const FRAUD_EFFECT_KINDS = [
  "hold_payouts",
  "hold_transaction",
  "hold_referral",
  "require_step_up",
  "flag",
  "ignore_click",
] as const;
export type FraudEffectKind = (typeof FRAUD_EFFECT_KINDS)[number];

/** A stable reason code (`shared_device`, `click_iframe`, `risk_unavailable`): `[a-z][a-z0-9_]*`. */
export type ReasonCode = string;

/** One contribution to a score: the reason, its weight (score points) and a human detail. */
export interface RiskReason {
  code: ReasonCode;
  score: number;
  detail: string;
}

/**
 * One thing a user did, as a producer reports it. `observationId` is its idempotency key (a
 * click id, a postback id, an event id, `redeem:<payoutId>`): observed twice, counted once.
 * `facts` are flat `signal.<name>` values the producer computed (click quality flags, the
 * request's ASN and country); identifiers are keyed hashes, never raw.
 */
export interface Observation {
  observationId: string;
  userId: string;
  kind: ActivityKind;
  atMs: number;
  /** Keyed hashes (HMAC, versioned key) by identifier kind: `device`, `ip_prefix`, `email`… */
  identifiers?: Record<string, string>;
  facts?: Record<string, string | number | boolean>;
  /** What it concerns, when it concerns one thing: a transaction, a payout, a referral. */
  subjectRef?: string;
  /**
   * The user's orders as D1 counts them, added by the risk consumer (user-order-counts.ts);
   * absent on what the wallet asks directly, which the risk object then reads itself.
   */
  orderCounts?: UserOrderCounts;
}

/**
 * What scoring answers for an observation: the user's score (0–100) after it, the reasons, and
 * the fraud effects the published rules applied (each with its reason), under the rule set's
 * version. The platform never suspends or takes money on a score: effects only hold.
 */
export interface Assessment {
  userId: string;
  score: number;
  reasons: RiskReason[];
  effects: Array<{
    kind: FraudEffectKind;
    reason: RiskReason;
    ruleId: string;
    /** The rule's `releaseAfterHours`: its hold ends by itself then; absent: an operator ends it. */
    releaseAfterHours?: number;
  }>;
  ruleVersion: number | null;
  assessedAtMs: number;
}

/** The risk object as callers reach it (its RPC surface; durable-objects/risk/). */
export interface RiskScorer {
  assess(observation: Observation): Promise<Assessment>;
}

/** A hold as placed on a wallet: what it holds, why, and how it may end by itself. */
export interface HoldInput {
  kind: HoldKind;
  /** The payout, transaction or referral held; null for a user-wide hold (all payouts). */
  subjectRef: string | null;
  reasons: RiskReason[];
  /** `rule` (a fraud rule's effect), `risk_unavailable` (the fail-safe), `bot_click`. */
  source: (typeof HOLD_SOURCES)[number];
  ruleId: string | null;
  ruleVersion: number | null;
  /** When its condition clears by itself (a velocity window passes); null: an operator ends it. */
  autoReleaseAtMs: number | null;
}
