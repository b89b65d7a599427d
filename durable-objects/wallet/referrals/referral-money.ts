import type { ReferralPartyReward } from "#shared/rules/index";
import type { WalletTx } from "../core/wallet-tx";
import {
  findEvent,
  latestChargebackFor,
  openChargebackFor,
  processedFollowUpsOf,
  type StoredEvent,
  signedUpAtMs,
  sumRefundedFor,
} from "../events/event-store";
import { sourceConfirmedAtMs } from "../points/lot-store";
import { schedule, unschedule } from "../schedule/schedule-store";
import {
  type ConfirmationDecision,
  type ConfirmationInputs,
  decideConfirmation,
} from "./decide-confirmation";
import { rewardedNow } from "./decide-referee-budget";
import {
  decideReversal,
  type Fraction,
  type ReversalDecision,
  reversalShare,
} from "./decide-reversal";
import type { ReferralParty } from "./party-credit";
import { findPartyTake } from "./party-money-store";
import { applyPartyOperation, type PartyOperation } from "./party-operations";
import type { ReversalReason } from "./reasons";
import { retargetRefereeBudget } from "./referee-budget";
import {
  findReferralReward,
  type ReferralRewardRow,
  referralRewardsOf,
  setReferralRewardTaken,
  settleReferrerReward,
} from "./referral-reward-store";
import { decideTransition } from "./referral-states";
import {
  findReferral,
  moveReferral,
  referralProjection,
  type StoredReferral,
} from "./referral-store";
import {
  findReferralTerms,
  markReferralConfirmed,
  type StoredReferralTerms,
} from "./referral-terms-store";
import {
  findReferrerOp,
  lowerReferrerOpAmount,
  oweReferrerOp,
  referrerReverseKey,
} from "./referrer-ops-store";

/**
 * The referral's money after qualification, in the referee's wallet (docs/referrals.md,
 * "After qualification"), inside the transaction of whatever caused it:
 *
 * - **Confirmation** (`settleReferralConfirmation`): when the campaign's conditions hold
 *   (decide-confirmation.ts: account age, the qualifying event confirmed), the referee's bonus
 *   is confirmed here and the referrer's confirmation is owed to the referrer's wallet; before
 *   that, the schedule (`referral_confirm`) wakes the wallet at the account-age date, and a
 *   `purchase.confirmed` naming the qualifying event looks again.
 * - **Reversal** (`reverseReferralFor`): a refund or chargeback naming the qualifying event
 *   takes back both bonuses (decide-reversal.ts), the referee's here and the referrer's by an
 *   operation owed to their wallet; a whole reversal moves the referral to `reversed`. A refund
 *   while a chargeback is open finds both bonuses already taken: its share moves out of what
 *   the chargeback took, on each side (the referee's take here; a `reverse` naming the
 *   chargeback to the referrer's wallet, and the chargeback's expected take lowered), nothing
 *   posted — as event rewards do (events/rewards.ts refundDuringDispute).
 * - **Restore** (`restoreReferralFor`): a chargeback resolved for the member gives back what it
 *   still holds, both parties, and the referral is `rewarded` again (unless the qualifying
 *   event was refunded in whole meanwhile: it stays `reversed`).
 *
 * The referrer's operations are delivered after commit, in order, behind the credit
 * (referral-reward-sync.ts), so the referrer's wallet sees credit → confirm → reverse → restore
 * as the referee's wallet decided them.
 */

/**
 * Referrer reward statuses under which the referrer's wallet holds nothing of this referral, so
 * no operation is owed to it: `capped` (the campaign's monthly cap refused it), `held` (waiting
 * for an operator) and `cancelled` (a ban or a rejection), statuses the caps and holds slices add.
 */
const NOTHING_CREDITED: ReadonlySet<string> = new Set(["capped", "held", "cancelled"]);

/**
 * Confirms the bonuses when the campaign's conditions hold as of `asOfMs`, or schedules the
 * next look. `nowMs` stamps what is written (`asOfMs` may run ahead: an operator's clock
 * override in development, as runDue allows).
 *
 * @example
 * commit((tx) => settleReferralConfirmation(tx, nowMs))
 * // { action: "wait", why: "account_age", untilMs } — scheduled as `referral_confirm`
 */
export function settleReferralConfirmation(
  tx: WalletTx,
  asOfMs: number,
  nowMs: number = asOfMs,
): ConfirmationDecision | null {
  const referral = findReferral(tx.sql);
  if (!referral) return null;
  const terms = findReferralTerms(tx.sql, referral.referralId);
  if (!terms) return null;
  const decision = decideConfirmation(confirmationInputs(tx.sql, referral, terms, asOfMs));
  if (decision.action === "wait" && decision.untilMs !== null) {
    schedule(tx.sql, "referral_confirm", referral.referralId, decision.untilMs);
    return decision;
  }
  unschedule(tx.sql, "referral_confirm", referral.referralId);
  if (decision.action !== "confirm") return decision;
  const op = (party: "referee" | "referrer"): PartyOperation => ({
    kind: "confirm",
    referralId: referral.referralId,
    party,
  });
  applyPartyOperation(tx, op("referee"), nowMs);
  oweReferrer(tx, referral, op("referrer"), nowMs);
  markReferralConfirmed(tx.sql, referral.referralId, nowMs);
  return decision;
}

/** The facts decideConfirmation needs, as the referee's wallet knows them now. */
export function confirmationInputs(
  sql: SqlStorage,
  referral: StoredReferral,
  terms: StoredReferralTerms,
  nowMs: number,
): ConfirmationInputs {
  return {
    state: referral.state,
    terms,
    accountCreatedAtMs: signedUpAtMs(sql) ?? referral.attributedAtMs,
    eventConfirmedAtMs: sourceConfirmedAtMs(sql, "event", terms.eventId),
    confirmedAtMs: terms.confirmedAtMs,
    nowMs,
  };
}

/** A `purchase.confirmed` named `originalId`: the bonuses may be confirmable now. */
export function referralEventConfirmed(tx: WalletTx, originalId: string, nowMs: number): void {
  const referral = findReferral(tx.sql);
  if (!referral) return;
  const terms = findReferralTerms(tx.sql, referral.referralId);
  if (terms?.eventId !== originalId) return;
  settleReferralConfirmation(tx, nowMs);
}

/**
 * A refund (`refund.completed`) or a chargeback (`chargeback.created`) of the qualifying
 * event: both bonuses give back what the campaign says.
 *
 * @example
 * // inside the refund's processing (events/rewards.ts)
 * reverseReferralFor(tx, refund, nowMs) // the referee's take posted, the referrer's owed
 */
export function reverseReferralFor(
  tx: WalletTx,
  cause: StoredEvent,
  nowMs: number,
  /** Refunds of the original before this one; absent: those processed (events run in order). */
  refundedBeforeMinor?: number,
  /** The chargeback open when `cause` came; absent: the one open now (events run in order). */
  openChargeback?: string | null,
): void {
  const originalId = String(cause.data.originalEventId);
  const found = qualifiedBy(tx, originalId);
  if (!found) return;
  const { referral, terms } = found;
  const decision = reversalOf(
    tx,
    originalId,
    terms,
    cause,
    refundedBeforeMinor ?? sumRefundedFor(tx.sql, originalId),
  );
  if (decision.action !== "reverse") return;
  // A refund while a chargeback is open: both bonuses are taken already; the refund's share
  // moves out of what the chargeback took (BUG-SIM-5, docs/testing.md).
  const dispute =
    cause.type === "refund.completed"
      ? openChargeback === undefined
        ? openChargebackFor(tx.sql, originalId)
        : openChargeback
      : null;
  const op = (party: "referee" | "referrer"): PartyOperation => ({
    kind: "reverse",
    referralId: referral.referralId,
    party,
    causeEventId: cause.eventId,
    fraction: decision.fraction,
    ...(dispute ? { takeOfEventId: dispute } : {}),
  });
  // A referee's reward still awaiting the rule's budgets holds nothing yet: the reversal is
  // applied to it once it is credited (replayRefereeFollowUps), and noted then.
  if (takeFromReferee(tx, referral.referralId, cause.eventId, decision.fraction, nowMs, dispute)) {
    retargetRefereeBudget(tx, referral.referralId, nowMs);
  }
  const referrerShare = dispute
    ? moveReferrerShare(tx, referral.referralId, cause.eventId, dispute, decision.fraction, nowMs)
    : noteTaken(tx, referral.referralId, "referrer", decision.fraction, nowMs);
  oweReferrer(tx, referral, op("referrer"), nowMs, referrerShare);
  const reason: ReversalReason = !decision.whole
    ? "refund_partially_reversed"
    : cause.type === "chargeback.created"
      ? "chargeback_reversed"
      : "refund_reversed";
  if (decision.whole) {
    if (decideTransition(referral.state, "reversed").action !== "move") return;
    const moved = moveReferral(tx.sql, referral, "reversed", reason, cause.eventId, nowMs);
    // The referral is unscheduled for confirmation until a restore.
    unschedule(tx.sql, "referral_confirm", referral.referralId);
    tx.enqueue(referralProjection(moved, referrerEarned(tx, referral.referralId)));
    return;
  }
  // A partial take leaves the referral where it is; its history says what happened (only while
  // its rewards stand: a reversed referral has nothing left to take).
  if (referral.state !== "qualified" && referral.state !== "rewarded") return;
  const noted = moveReferral(tx.sql, referral, referral.state, reason, cause.eventId, nowMs);
  tx.enqueue(referralProjection(noted, referrerEarned(tx, referral.referralId)));
}

/**
 * `chargeback.resolved` in the member's favour: what the latest chargeback of the qualifying
 * event took comes back to both parties, and the referral is `rewarded` again.
 */
export function restoreReferralFor(
  tx: WalletTx,
  resolved: StoredEvent,
  nowMs: number,
  /** The chargeback it resolves; absent: the latest processed one. */
  chargebackEventId?: string,
  /** Refunds of the original before it; absent: those processed (events run in order). */
  refundedBeforeMinor?: number,
): void {
  const originalId = String(resolved.data.originalEventId);
  const found = qualifiedBy(tx, originalId);
  if (!found) return;
  const chargeback = chargebackEventId ?? latestChargebackFor(tx.sql, originalId);
  if (!chargeback) return;
  const { referral } = found;
  const op = (party: "referee" | "referrer"): PartyOperation => ({
    kind: "restore",
    referralId: referral.referralId,
    party,
    causeEventId: resolved.eventId,
    takeOfEventId: chargeback,
  });
  if (restoreToReferee(tx, referral.referralId, resolved.eventId, chargeback, nowMs)) {
    retargetRefereeBudget(tx, referral.referralId, nowMs);
  }
  // What the chargeback's reversal expected to take from the referrer.
  const reversal = findReferrerOp(tx.sql, referrerReverseKey(referral.referralId, chargeback));
  if (oweReferrer(tx, referral, op("referrer"), nowMs) && reversal?.amount) {
    noteRestored(tx, referral.referralId, "referrer", reversal.amount, nowMs);
  }
  if (referral.state !== "reversed") return;
  // Refunded in whole (during the dispute or before it): nothing came back, and the refund's
  // reversal stands.
  const original = Number(findEvent(tx.sql, originalId)?.data.amountMinor ?? 0);
  const refunded = refundedBeforeMinor ?? sumRefundedFor(tx.sql, originalId);
  if (original > 0 && refunded >= original) return;
  // `rewarded` only when neither party's reward is still on its way (the referrer's owed, the
  // referee's awaiting its budgets); until then `qualified`, and the last reward to land moves
  // it on (referral-rewards.ts settleRewarded).
  const to = rewardedNow(referralRewardsOf(tx.sql, referral.referralId)) ? "rewarded" : "qualified";
  const moved = moveReferral(tx.sql, referral, to, "chargeback_won", resolved.eventId, nowMs);
  tx.enqueue(referralProjection(moved, referrerEarned(tx, referral.referralId)));
  // Restored rewards may be due for confirmation (the account age passed meanwhile).
  settleReferralConfirmation(tx, nowMs);
}

/**
 * A late signup's look-back qualified the referral on `qualifyingId`, an event processed before
 * the referral existed: its follow-ups processed since (`later`, oldest first) are applied now
 * as they would have been in order — refunds and chargebacks take the new bonuses back, a won
 * chargeback restores them, a confirmation confirms — so the end state does not depend on the
 * order the events arrived in.
 */
export function replayFollowUps(
  tx: WalletTx,
  qualifyingId: string,
  later: readonly StoredEvent[],
  nowMs: number,
): void {
  walkFollowUps(qualifyingId, later, {
    reverse: (event, refundedBeforeMinor, openChargeback) =>
      reverseReferralFor(tx, event, nowMs, refundedBeforeMinor, openChargeback),
    restore: (event, chargeback, refundedBeforeMinor) =>
      restoreReferralFor(tx, event, nowMs, chargeback, refundedBeforeMinor),
    confirmed: () => referralEventConfirmed(tx, qualifyingId, nowMs),
  });
}

/**
 * The referee's reward was credited late (referee-budget.ts: it waited for the rule's budgets)
 * while refunds, chargebacks and restores of the qualifying event were processed: they are
 * applied to the referee's bonus now, in the order they were processed, with the shares they
 * would have taken then, by the referee's half of the reversal and restore above — each keyed
 * by its cause, so one applied before is `exists` and noted once. The referrer's side and the
 * referral's state moved when they were processed.
 */
export function replayRefereeFollowUps(tx: WalletTx, qualifyingId: string, nowMs: number): void {
  const referral = findReferral(tx.sql);
  if (!referral) return;
  const terms = findReferralTerms(tx.sql, referral.referralId);
  if (terms?.eventId !== qualifyingId) return;
  const referralId = referral.referralId;
  walkFollowUps(qualifyingId, processedFollowUpsOf(tx.sql, qualifyingId), {
    reverse: (event, refundedBeforeMinor, openChargeback) => {
      const decision = reversalOf(tx, qualifyingId, terms, event, refundedBeforeMinor);
      if (decision.action !== "reverse") return;
      const dispute = event.type === "refund.completed" ? openChargeback : null;
      takeFromReferee(tx, referralId, event.eventId, decision.fraction, nowMs, dispute);
    },
    restore: (event, chargeback) => {
      restoreToReferee(tx, referralId, event.eventId, chargeback, nowMs);
    },
  });
}

/** What a replay does with each follow-up of the qualifying event (walkFollowUps). */
interface FollowUpSteps {
  /**
   * A refund or chargeback, with the refunds of the original before it and the chargeback
   * still open then (null: none).
   */
  reverse(event: StoredEvent, refundedBeforeMinor: number, openChargeback: string | null): void;
  /** A chargeback won by the member, with the chargeback it resolves and the refunds before. */
  restore(event: StoredEvent, chargebackEventId: string, refundedBeforeMinor: number): void;
  /** A `purchase.confirmed`. */
  confirmed?(): void;
}

/**
 * The follow-ups of `qualifyingId` among `events` (oldest first), each handed to its step
 * with what came before it: the refunds so far, the latest chargeback.
 */
function walkFollowUps(
  qualifyingId: string,
  events: readonly StoredEvent[],
  steps: FollowUpSteps,
): void {
  let refundedBeforeMinor = 0;
  let chargeback: string | null = null;
  let open: string | null = null;
  for (const event of events) {
    if (String(event.data.originalEventId) !== qualifyingId) continue;
    switch (event.type) {
      case "refund.completed":
        steps.reverse(event, refundedBeforeMinor, open);
        refundedBeforeMinor += Number(event.data.amountMinor ?? 0);
        break;
      case "chargeback.created":
        steps.reverse(event, refundedBeforeMinor, open);
        chargeback = event.eventId;
        open = event.eventId;
        break;
      case "chargeback.resolved":
        if (event.data.outcome === "user_won" && chargeback !== null) {
          steps.restore(event, chargeback, refundedBeforeMinor);
        }
        open = null;
        break;
      case "purchase.confirmed":
        steps.confirmed?.();
        break;
    }
  }
}

/** What a refund or chargeback (`cause`) of the qualifying event takes, by the campaign's terms. */
function reversalOf(
  tx: WalletTx,
  originalId: string,
  terms: StoredReferralTerms,
  cause: StoredEvent,
  refundedBeforeMinor: number,
): ReversalDecision {
  const original = findEvent(tx.sql, originalId);
  return decideReversal(
    cause.type === "chargeback.created"
      ? { kind: "chargeback" }
      : {
          kind: "refund",
          originalMinor: Number(original?.data.amountMinor ?? 0),
          refundedBeforeMinor,
          refundMinor: Number(cause.data.amountMinor ?? 0),
        },
    terms.partialRefund,
  );
}

/**
 * The referee's half of a reversal: the share taken from the referee's bonus in this wallet
 * and noted (`taken`). False when nothing was taken: a reward awaiting its budgets holds
 * nothing yet, and one taken before under this cause is `exists`. A refund during the open
 * chargeback `dispute` moves its share out of the chargeback's take: already taken, so
 * `taken` stays as it is (the restore notes less).
 */
function takeFromReferee(
  tx: WalletTx,
  referralId: string,
  causeEventId: string,
  fraction: Fraction,
  nowMs: number,
  dispute: string | null = null,
): boolean {
  const applied = applyPartyOperation(
    tx,
    {
      kind: "reverse",
      referralId,
      party: "referee",
      causeEventId,
      fraction,
      ...(dispute ? { takeOfEventId: dispute } : {}),
    },
    nowMs,
  );
  if (applied.status !== "applied") return false;
  if (!applied.moved) noteTaken(tx, referralId, "referee", fraction, nowMs);
  return true;
}

/**
 * The referrer's half of a refund during the open chargeback `dispute`, in the referee's view:
 * the refund's share (of the referrer's reward, never more than the chargeback's reversal
 * expected to take; a whole refund all of it) comes out of that expectation, so a won dispute
 * notes only the rest restored; `taken` stays (the money was already taken). Returns the
 * share, the refund's operation's expected take. Once per refund: a repeat finds its operation.
 */
function moveReferrerShare(
  tx: WalletTx,
  referralId: string,
  causeEventId: string,
  dispute: string,
  fraction: Fraction,
  nowMs: number,
): number {
  const own = findReferrerOp(tx.sql, referrerReverseKey(referralId, causeEventId));
  if (own) return own.amount ?? 0;
  const row = findReferralReward(tx.sql, referralId, "referrer");
  if (!row || NOTHING_CREDITED.has(row.status)) return 0;
  // Points are not moved: the refund goes through their rollback as any refund's does.
  if ("points" in row.reward) return noteTaken(tx, referralId, "referrer", fraction, nowMs);
  const disputeKey = referrerReverseKey(referralId, dispute);
  const held = findReferrerOp(tx.sql, disputeKey)?.amount ?? 0;
  const credited = amountOf(row);
  const share = reversalShare(credited, credited - held, fraction);
  if (share > 0) lowerReferrerOpAmount(tx.sql, disputeKey, share);
  return share;
}

/**
 * The referee's half of a restore: what the chargeback took from the referee's bonus comes
 * back and is noted. False when nothing came back (nothing was taken, or it was restored).
 */
function restoreToReferee(
  tx: WalletTx,
  referralId: string,
  causeEventId: string,
  chargebackEventId: string,
  nowMs: number,
): boolean {
  const take = findPartyTake(tx.sql, referralId, "referee", chargebackEventId);
  const applied = applyPartyOperation(
    tx,
    {
      kind: "restore",
      referralId,
      party: "referee",
      causeEventId,
      takeOfEventId: chargebackEventId,
    },
    nowMs,
  );
  if (applied.status !== "applied" || !take) return false;
  noteRestored(tx, referralId, "referee", take.taken + take.debt, nowMs);
  return true;
}

/** The referral that `originalId` qualified, with its terms; null when it qualified none. */
function qualifiedBy(
  tx: WalletTx,
  originalId: string,
): { referral: StoredReferral; terms: StoredReferralTerms } | null {
  const referral = findReferral(tx.sql);
  // A held referral has credited nothing yet (its approval replays what happened meanwhile);
  // a rejected one never will.
  if (!referral || referral.state === "held" || referral.state === "rejected") return null;
  const terms = findReferralTerms(tx.sql, referral.referralId);
  if (terms?.eventId !== originalId) return null;
  return { referral, terms };
}

/**
 * Owes the referrer's wallet one operation when the referrer has a reward in this referral;
 * the sync delivers it (schedule `referral_reward`). True when owed.
 */
function oweReferrer(
  tx: WalletTx,
  referral: StoredReferral,
  op: PartyOperation,
  nowMs: number,
  amount: number | null = null,
): boolean {
  const reward = findReferralReward(tx.sql, referral.referralId, "referrer");
  if (!reward || NOTHING_CREDITED.has(reward.status)) return false;
  oweReferrerOp(tx.sql, referral.referrerId, op, nowMs, amount);
  schedule(tx.sql, "referral_reward", referral.referralId, nowMs);
  return true;
}

/** The cause naming the reversal owed when a referral is rejected with its referrer credit owed. */
export const REJECTED_CAUSE = "referral_rejected";

const WHOLE: Fraction = { num: 1, den: 1 };

/**
 * A referral rejected (an operator, a ban) while its referrer credit was owed: the credit may
 * already be on its way to the referrer's wallet (an RPC in flight cannot be called back), so a
 * whole `reverse` operation is owed behind it (cause `referral_rejected`, key
 * `referral:<id>:referrer:reverse:referral_rejected`). The sync delivers it after the credit it
 * was sending, if any: the referrer's wallet takes the credit back if it landed and answers
 * `nothing` if it never did. Never lost, never kept.
 */
export function oweRejectedReversal(tx: WalletTx, referral: StoredReferral, nowMs: number): void {
  const op: PartyOperation = {
    kind: "reverse",
    referralId: referral.referralId,
    party: "referrer",
    causeEventId: REJECTED_CAUSE,
    fraction: WHOLE,
  };
  oweReferrerOp(tx.sql, referral.referrerId, op, nowMs);
  schedule(tx.sql, "referral_reward", referral.referralId, nowMs);
}

/**
 * The referrer's wallet acknowledged a credit for a referral rejected meanwhile: it landed, so
 * the referrer row records it as delivered and wholly taken (the reversal owed at rejection
 * takes it back); the referral stays `rejected` and its referrer earned nothing.
 */
export function noteLateReferrerCredit(
  tx: WalletTx,
  referralId: string,
  credited: ReferralPartyReward,
  nowMs: number,
): void {
  settleReferrerReward(tx.sql, referralId, { status: "delivered", credited }, nowMs);
  noteTaken(tx, referralId, "referrer", WHOLE, nowMs);
}

/**
 * The referee's view of what each party still holds (`taken` on referral_rewards), for the
 * projection's `earned`: a reversal adds the share it expects to take; returns it.
 */
function noteTaken(
  tx: WalletTx,
  referralId: string,
  party: ReferralParty,
  fraction: Fraction,
  nowMs: number,
): number {
  const row = findReferralReward(tx.sql, referralId, party);
  if (!row) return 0;
  const share = reversalShare(amountOf(row), row.taken, fraction);
  setReferralRewardTaken(tx.sql, referralId, party, row.taken + share, nowMs);
  return share;
}

/** A restore gives back what the chargeback's reversal noted. */
function noteRestored(
  tx: WalletTx,
  referralId: string,
  party: ReferralParty,
  share: number,
  nowMs: number,
): void {
  const row = findReferralReward(tx.sql, referralId, party);
  if (!row) return;
  setReferralRewardTaken(tx.sql, referralId, party, Math.max(row.taken - share, 0), nowMs);
}

function amountOf(row: ReferralRewardRow): number {
  return "points" in row.reward ? row.reward.points : row.reward.amountMinor;
}

/** What the referrer keeps of a delivered reward, for the projection; null: nothing. */
export function referrerEarned(
  tx: WalletTx,
  referralId: string,
): { unit: string; amount: number } | null {
  const row = findReferralReward(tx.sql, referralId, "referrer");
  if (row?.status !== "delivered") return null;
  const left = amountOf(row) - row.taken;
  if (left <= 0) return null;
  return "points" in row.reward
    ? { unit: "points", amount: left }
    : { unit: row.reward.currency, amount: left };
}
