/**
 * The wallet Durable Object's one entry module: the class the api worker exports, and every
 * type its callers need. Code outside durable-objects/wallet/ imports from here only.
 *
 * @example
 * import { type ConversionEvent, WalletDurableObject } from "#durable-objects/wallet/index";
 */
export { DEFAULT_CLAIMS_PER_MONTH } from "./claims/claim-cap";
export type { ClaimDecisionInput, DecideClaimResult, FileClaimResult } from "./claims/claims";
export type {
  ClaimInput,
  ClaimOutcome,
  ClaimStatus,
  StoredClaim,
} from "./claims/decide-claim";
export type { ClickView, RollupChunk } from "./clicks/click-store";
export { awaitsNetworkApproval, type ConfirmationPolicy } from "./conversions/confirmation-policy";
export type {
  ConversionEvent,
  ConversionOutcome,
  ConversionResult,
  RepriceOffer,
  StoredClick,
  StoredTxn,
  TxnStatus,
} from "./conversions/types";
export { WalletTx } from "./core/wallet-tx";
export type { WalletEnv } from "./env";
export type { AcceptOutcome } from "./events/decide-accept";
export type {
  ContactReveal,
  EventData,
  EventOutcome,
  EventStatus,
  StoredEvent,
} from "./events/event-store";
export { EVENT_REWARD_KINDS } from "./events/event-store";
export type { AcceptResult, EventRun, IncomingEvent } from "./events/events";
export { planRewards, type RewardPlan } from "./events/reward-plan";
export { MAX_SEGMENTS, SEGMENT_PATTERN } from "./events/segments";
export type { AppliedAssessment } from "./holds/apply-assessment";
export type { DecisionSignals, HoldLabel, HoldStatus, StoredHold } from "./holds/hold-store";
export type { HoldDecision } from "./holds/holds";
export type { BalanceRow, InvariantReport, LedgerEntryView } from "./ledger/ledger-store";
export { applyPosting } from "./ledger/ledger-store";
export type { Bucket, Leg, Posting, PostingResult, PostingStatus } from "./ledger/posting";
export { POINTS_UNIT } from "./ledger/posting";
export { retryDelaySec, type StoredPayout } from "./payouts/lifecycle/decide-payout";
export type { ProcessorStateResult } from "./payouts/lifecycle/lifecycle";
export type { RiskRetryRun } from "./payouts/redeem/risk-retry";
export type { StepUpIssued } from "./payouts/step-up/step-up";
export type {
  AdminPayoutAction,
  AdminPayoutResult,
  DestinationResult,
  DestinationView,
  DispatchClaim,
  NewDestination,
  ProcessorView,
  RedeemInput,
  RedeemRefusalCode,
  RedeemResult,
} from "./payouts/types";
// Loyalty points and tiers: the in-transaction functions the events feature calls inside its
// own storage transaction (docs/loyalty.md), and their types.
export { confirmPointsSource, earnPoints } from "./points/earn";
export type { Fraction } from "./points/fraction";
export {
  cashbackForPoints,
  type RedeemPointsInput,
  rateProblem,
  redeemPointsForCashback,
  redeemPointsForVoucher,
} from "./points/redeem";
export { restorePoints, rollbackPoints } from "./points/rollback";
export type {
  CashbackRate,
  EarnPointsInput,
  EarnPointsResult,
  LotView,
  PointsBalance,
  RedeemPointsResult,
  RestorePointsInput,
  RestorePointsResult,
  RollbackPointsInput,
  RollbackPointsResult,
} from "./points/types";
export { DEFAULT_VALIDITY, type Validity, validityProblem } from "./points/validity";
export { ATTRIBUTION_METHODS, type AttributionMethod } from "./referrals/decide-attribution";
export type { PartyMoney } from "./referrals/party-money-store";
export type { PartyOperation, PartyOperationStatus } from "./referrals/party-operations";
export {
  PENDING_REASONS,
  type PendingReason,
  pendingReasonOf,
} from "./referrals/pending-reasons";
export {
  ATTRIBUTION_REASONS,
  NO_REFERRAL_REASONS,
  REFERRAL_REASONS,
  REVERSAL_REASONS,
  type ReferralReason,
  reasonText,
} from "./referrals/reasons";
export { acknowledgeReferrerReward } from "./referrals/referral-rewards";
export { REFERRAL_STATES, type ReferralState } from "./referrals/referral-states";
export type { ReferralHistoryEntry, StoredReferral } from "./referrals/referral-store";
export type { ReferralTerms } from "./referrals/referral-terms";
export type { StoredReferralTerms } from "./referrals/referral-terms-store";
export type { ReferrerCreditRequest, ReferrerCreditStatus } from "./referrals/referrer-credit";
export type { ReferrerOp } from "./referrals/referrer-ops-store";
export type { DueRun } from "./schedule/run-due";
export type { ScheduleKind } from "./schedule/schedule-kind";
export type { TierDecision } from "./tiers/decide-tier";
export { DEFAULT_TIER_POLICY, type TierPolicy, tierPolicyProblem } from "./tiers/tier-policy";
export type { TierHistoryEntry } from "./tiers/tier-store";
export {
  type QualifyingSpendInput,
  readTier,
  recordQualifyingSpend,
  type TierView,
} from "./tiers/tiers";
export { WalletDurableObject } from "./wallet-object";
