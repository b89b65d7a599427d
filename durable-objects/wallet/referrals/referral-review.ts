import type { ReferralQualification } from "#shared/messages";
import type { ReferralPartyReward } from "#shared/rules/index";
import type { WalletTx } from "../core/wallet-tx";
import { processedFollowUpsOf } from "../events/event-store";
import type { EarnTerms } from "../events/post-reward";
import type { StoredHold } from "../holds/hold-store";
import { dueRefs, schedule, unschedule } from "../schedule/schedule-store";
import { pointsPendingUntilMs } from "./decide-confirmation";
import { rewardedNow, rewardedReason } from "./decide-referee-budget";
import type { ReferrerTerms } from "./decide-referrer-reward";
import { creditParty, type ReferralParty } from "./party-credit";
import type { ReviewReason } from "./reasons";
import {
  approveRefereeRow,
  type RefereeStart,
  refereeRow,
  retargetRefereeBudget,
} from "./referee-budget";
import {
  confirmationInputs,
  oweRejectedReversal,
  replayFollowUps,
  settleReferralConfirmation,
} from "./referral-money";
import {
  insertReferralReward,
  referralRewardsOf,
  setReferralRewardStatus,
} from "./referral-reward-store";
import { referralRiskHolds, riskHoldNote } from "./referral-risk-holds";
import { decideTransition, type ReferralState } from "./referral-states";
import {
  findReferral,
  moveReferral,
  type ReferralCampaign,
  readReferralHistory,
  referralProjection,
  type StoredReferral,
} from "./referral-store";
import { findReferralTerms } from "./referral-terms-store";

/**
 * Holds and their review in the referee's wallet (docs/referrals.md "Fraud holds"):
 *
 * - a referral whose fraud score reached the threshold at attribution is **held** when it
 *   qualifies: `signed_up → held` (`risk_hold`, the qualifying event); both parties' rewards
 *   are recorded `held`, nothing is credited; with an auto-approve delay, the schedule's
 *   `referral_auto_approve` approves it when the delay ends;
 * - **approve** (an operator, or the delay): `held → qualified` (`hold_approved` /
 *   `auto_approved`), the referee's reward credited now (key `referral:<id>:referee`, so once),
 *   the referrer's owed and delivered by the referral-reward sync like any other; then
 *   `rewarded` as usual;
 * - **reject** (an operator, or a ban of the referrer): a referral not yet rewarded becomes
 *   `rejected` (final), every reward not yet credited `cancelled`.
 *
 * A decision repeated the same way changes nothing (`unchanged`); a decision the state does
 * not allow is `refused`, and so is an approval while the risk system's `referral` holds cover
 * the referral (referral-risk-holds.ts: their release approves it or hands it back here).
 */

const HOUR_MS = 3_600_000;

export interface HoldInput {
  referralId: string;
  referrerId: string;
  ruleId: string;
  ruleVersion: number;
  eventId: string;
  referee: ReferralPartyReward | null;
  /** How the referee's reward starts under the rule's budgets (kept for the approval). */
  refereeStart: RefereeStart | null;
  referrer: ReferralPartyReward | null;
  /** The campaign's cap and tiers for the referrer, applied when an approval delivers it. */
  referrerTerms: ReferrerTerms | null;
}

/**
 * Qualification found the referral marked for a hold (referral-rewards.ts): by the program's
 * own signals (`risk_hold`) or by the risk system's holds (`fraud_rule_hold`, their reason
 * codes in the history; referral-risk-holds.ts), or by the fail-safe alone when scoring could
 * not answer (`risk_unavailable`; qualification-scoring.ts).
 */
export function holdReferral(
  tx: WalletTx,
  referral: StoredReferral,
  input: HoldInput,
  campaign: ReferralCampaign,
  qualification: ReferralQualification,
  nowMs: number,
  fraudHolds: readonly StoredHold[] = [],
): StoredReferral {
  const byRisk = fraudHolds.length > 0;
  // Only the fail-safe's hold (scoring could not answer): it waits `risk_unavailable`.
  const unscored = byRisk && fraudHolds.every((h) => h.source === "risk_unavailable");
  const held = moveReferral(
    tx.sql,
    referral,
    "held",
    unscored ? "risk_unavailable" : byRisk ? "fraud_rule_hold" : "risk_hold",
    input.eventId,
    nowMs,
    {
      campaign,
      ...(byRisk ? { decidedBy: { actor: "system", note: riskHoldNote(fraudHolds) } } : {}),
    },
  );
  const base = {
    referralId: input.referralId,
    referrerId: input.referrerId,
    ruleId: input.ruleId,
    ruleVersion: input.ruleVersion,
    eventId: input.eventId,
  };
  for (const party of ["referee", "referrer"] as const) {
    const reward = input[party];
    if (!reward) continue;
    // The referee's budgets are kept on the held row, asked once it is approved.
    const budgeted =
      party === "referee" && input.refereeStart ? refereeRow(input.refereeStart, "held") : {};
    insertReferralReward(
      tx.sql,
      {
        ...base,
        party,
        reward,
        status: "held",
        ...budgeted,
        ...(party === "referrer" ? { referrerTerms: input.referrerTerms } : {}),
      },
      nowMs,
    );
  }
  if (referral.autoApproveAfterHours !== null) {
    schedule(
      tx.sql,
      "referral_auto_approve",
      referral.referralId,
      nowMs + referral.autoApproveAfterHours * HOUR_MS,
    );
  }
  tx.enqueue(referralProjection(held, null, qualification));
  return held;
}

export interface ReviewDecision {
  decision: "approve" | "reject";
  /** The operator (admin key or console user); `system` for the auto-approve delay. */
  actor: string;
  note: string | null;
}

export type ReviewOutcome =
  | { status: "decided" | "unchanged"; referral: StoredReferral }
  | { status: "refused"; state: ReferralState; detail: string }
  | { status: "not_found" };

const APPROVALS: readonly string[] = ["hold_approved", "auto_approved", "risk_hold_released"];
const REJECTIONS: readonly string[] = ["hold_rejected", "referrer_banned"];

/** Whether the referral's history already holds this decision (a repeat changes nothing). */
function alreadyDecided(tx: WalletTx, referral: StoredReferral, decision: "approve" | "reject") {
  const done = decision === "approve" ? APPROVALS : REJECTIONS;
  return readReferralHistory(tx.sql, referral.referralId).some((h) => done.includes(h.reason));
}

/**
 * An operator's (or the delay's) decision on the user's referral.
 *
 * @example
 * decideReferral(tx, { decision: "approve", actor: "ops@example.com", note: "same household, checked" }, earn, nowMs)
 * // { status: "decided", referral: { state: "qualified", reason: "hold_approved", … } }
 */
export function decideReferral(
  tx: WalletTx,
  input: ReviewDecision,
  earn: EarnTerms,
  nowMs: number,
  reason: ReviewReason | "referrer_banned" = input.decision === "approve"
    ? "hold_approved"
    : "hold_rejected",
): ReviewOutcome {
  const referral = findReferral(tx.sql);
  if (!referral) return { status: "not_found" };
  if (input.decision === "approve") {
    if (referral.state !== "held") {
      return alreadyDecided(tx, referral, "approve")
        ? { status: "unchanged", referral }
        : {
            status: "refused",
            state: referral.state,
            detail: "only a held referral can be approved",
          };
    }
    // The risk system's holds are decided in its review first (referral-risk-holds.ts): their
    // release approves it, or hands it back to this review.
    const fraudHolds = referralRiskHolds(tx.sql, referral.referralId);
    if (fraudHolds.length > 0) {
      return {
        status: "refused",
        state: referral.state,
        detail: `a fraud hold covers this referral (${riskHoldNote(fraudHolds)}): decide it in the risk review first`,
      };
    }
    return { status: "decided", referral: approve(tx, referral, input, earn, nowMs, reason) };
  }
  if (referral.state === "rejected") return { status: "unchanged", referral };
  if (decideTransition(referral.state, "rejected").action !== "move") {
    return {
      status: "refused",
      state: referral.state,
      detail: `a ${referral.state} referral cannot be rejected`,
    };
  }
  return { status: "decided", referral: reject(tx, referral, input, nowMs, reason) };
}

/** Approves a held referral (see decideReferral; a released fraud hold, referral-risk-holds.ts). */
export function approve(
  tx: WalletTx,
  referral: StoredReferral,
  input: ReviewDecision,
  earn: EarnTerms,
  nowMs: number,
  reason: ReviewReason | "referrer_banned",
): StoredReferral {
  unschedule(tx.sql, "referral_auto_approve", referral.referralId);
  const rewards = referralRewardsOf(tx.sql, referral.referralId);
  const eventId = rewards[0]?.eventId ?? null;
  const by = { actor: input.actor, note: input.note };
  let moved = moveReferral(tx.sql, referral, "qualified", reason, eventId, nowMs, {
    decidedBy: by,
  });
  const terms = findReferralTerms(tx.sql, referral.referralId);
  const occurredAtMs =
    tx.sql
      .exec<{ occurred_at_ms: number }>(
        `SELECT occurred_at_ms FROM events WHERE event_id = ?`,
        eventId ?? "",
      )
      .toArray()[0]?.occurred_at_ms ?? nowMs;
  let owesReferrer = false;
  for (const row of rewards) {
    if (row.status !== "held") continue;
    if (row.party === "referee") {
      // Under the rule's budgets: asked after commit (referee-budget.ts), credited on grant.
      if (approveRefereeRow(tx, row.referralId, row, nowMs) === "waiting") continue;
      creditParty(
        tx,
        {
          referralId: row.referralId,
          party: "referee",
          ruleId: row.ruleId,
          ruleVersion: row.ruleVersion,
          eventId: row.eventId,
          occurredAtMs,
          reward: row.reward,
          // Points wait until the bonuses are confirmed, as at an unheld qualification.
          pendingUntilMs: terms
            ? pointsPendingUntilMs(confirmationInputs(tx.sql, moved, terms, nowMs))
            : null,
        },
        earn,
        nowMs,
      );
      setReferralRewardStatus(tx.sql, row.referralId, "referee", "posted", nowMs);
    } else {
      setReferralRewardStatus(tx.sql, row.referralId, "referrer", "owed", nowMs);
      schedule(tx.sql, "referral_reward", referral.referralId, nowMs);
      owesReferrer = true;
    }
  }
  const after = referralRewardsOf(tx.sql, referral.referralId);
  if (!owesReferrer && rewardedNow(after)) {
    moved = moveReferral(tx.sql, moved, "rewarded", rewardedReason(after), eventId, nowMs);
  }
  tx.enqueue(referralProjection(moved, null));
  // The bonuses confirm as the campaign says, and a refund or chargeback of the qualifying
  // event processed while the referral was held applies now (referral-money.ts).
  settleReferralConfirmation(tx, nowMs);
  if (eventId !== null) {
    replayFollowUps(tx, eventId, processedFollowUpsOf(tx.sql, eventId), nowMs);
  }
  return findReferral(tx.sql) ?? moved;
}

/** Rejects the referral (a state that allows it); see decideReferral. */
export function reject(
  tx: WalletTx,
  referral: StoredReferral,
  input: ReviewDecision,
  nowMs: number,
  reason: ReviewReason | "referrer_banned",
): StoredReferral {
  unschedule(tx.sql, "referral_auto_approve", referral.referralId);
  unschedule(tx.sql, "referral_reward", referral.referralId);
  const rewards = referralRewardsOf(tx.sql, referral.referralId);
  for (const row of rewards) {
    if (row.status === "held" || row.status === "owed") {
      setReferralRewardStatus(
        tx.sql,
        row.referralId,
        row.party as ReferralParty,
        "cancelled",
        nowMs,
      );
    }
    // An owed credit may be in flight to the referrer's wallet: a reversal follows it.
    if (row.status === "owed" && row.party === "referrer") oweRejectedReversal(tx, referral, nowMs);
    // The referee's reward awaiting the rule's budgets: whatever they granted is released.
    if (row.status === "awaiting_budget" && row.party === "referee") {
      setReferralRewardStatus(tx.sql, row.referralId, "referee", "cancelled", nowMs);
      retargetRefereeBudget(tx, row.referralId, nowMs);
    }
  }
  const moved = moveReferral(
    tx.sql,
    referral,
    "rejected",
    reason,
    rewards[0]?.eventId ?? null,
    nowMs,
    { decidedBy: { actor: input.actor, note: input.note } },
  );
  tx.enqueue(referralProjection(moved, null));
  return moved;
}

/**
 * The schedule's `referral_auto_approve` rows due by `asOfMs`: each held referral is approved
 * as `auto_approved` by `system` (runDue, inside its transaction).
 */
export function autoApproveDue(
  tx: WalletTx,
  asOfMs: number,
  earn: EarnTerms,
  nowMs: number,
): number {
  let approved = 0;
  for (const referralId of dueRefs(tx.sql, "referral_auto_approve", asOfMs, 10)) {
    unschedule(tx.sql, "referral_auto_approve", referralId);
    const outcome = decideReferral(
      tx,
      { decision: "approve", actor: "system", note: "auto-approve delay ended" },
      earn,
      nowMs,
      "auto_approved",
    );
    if (outcome.status === "decided") approved++;
  }
  return approved;
}
