import { mulDivRound } from "#shared/money/rounding";
import { factsOf } from "#shared/rules/facts";
import {
  type AppliedEffect,
  type CompiledRuleSet,
  evaluate,
  localParts,
  zoneOffsetMs,
} from "#shared/rules/index";
import type { WalletTx } from "../core/wallet-tx";
import { POINTS_UNIT } from "../ledger/posting";
import { confirmPointsSource } from "../points/earn";
import { restorePoints, rollbackPoints } from "../points/rollback";
import type { QualificationScores } from "../referrals/qualification-scoring";
import {
  referralEventConfirmed,
  restoreReferralFor,
  reverseReferralFor,
} from "../referrals/referral-money";
import { qualifyReferral } from "../referrals/referral-rewards";
import { findReferral } from "../referrals/referral-store";
import { schedule } from "../schedule/schedule-store";
import type { TierPolicy } from "../tiers/tier-policy";
import { readTier } from "../tiers/tiers";
import { openRequests } from "./decide-grant";
import {
  countOfTypeBetween,
  type EventReward,
  findEvent,
  latestChargebackFor,
  openChargebackFor,
  type StoredEvent,
  signedUpAtMs,
  sumRefundedFor,
} from "./event-store";
import {
  type EarnTerms,
  postReward,
  recordPointsTake,
  restoreTake,
  takeCashback,
} from "./post-reward";
import { planRewards } from "./reward-plan";
import {
  findReward,
  insertReward,
  moveTake,
  pointsTakenByRule,
  type RewardRow,
  rewardKeyOf,
  rewardsOfEvent,
  saveReward,
  takesOfCause,
} from "./reward-store";
import { readSegments } from "./segments";
import { countSpend, recountSpend } from "./spend";

/**
 * What one processed event earns through the live rules (docs/rules.md), inside the wallet's
 * storage transaction: the engine is evaluated on the event's facts, and what each rule gives
 * in one unit is one reward keyed by (event, rule, unit) — points a lot, cashback a posting to
 * confirmed — so processing the same event twice, or a redelivered one, earns once. A reward
 * whose rule has budgets is recorded as awaiting them and posted by the grant sync once the
 * budget objects answered (events/grant-sync.ts), at what they granted.
 *
 * Refunds and chargebacks take back what their original earned: a partial refund its share of
 * the original amount (the refund that completes it takes all that is left), a chargeback all
 * of it; a chargeback resolved in the member's favour restores exactly what the chargeback
 * took. Each take is keyed by the event that caused it, so it can never be applied twice. A
 * refund gives its share of the budgets back at once; a chargeback keeps the budgets held until
 * it is resolved, so a restore never needs a budget that was given to someone else meanwhile.
 */

/** The live rules as one processing run sees them: one version, compiled once. */
export interface LiveProgram {
  version: number;
  timeZone: string;
  compiled: CompiledRuleSet;
}

/** The loyalty program's settings one processing run applies (shared/loyalty/). */
export interface ProgramTerms {
  /** How points earned in this run are held. */
  earn: EarnTerms;
  /** What qualifying spend counts towards; null when the program has no tiers. */
  tierPolicy: TierPolicy | null;
}

/** Start of the local calendar month that contains `atMs` in `timeZone`, as epoch ms. */
export function monthStartMs(atMs: number, timeZone: string): number {
  const { year, month } = localParts(atMs, timeZone);
  const localMidnight = Date.UTC(year, month - 1, 1);
  // The offset at the instant itself; a second pass settles a DST change at the boundary.
  const first = localMidnight - zoneOffsetMs(localMidnight, timeZone);
  return localMidnight - zoneOffsetMs(first, timeZone);
}

export function rewardEvent(
  tx: WalletTx,
  stored: StoredEvent,
  userId: string,
  program: LiveProgram | null,
  terms: ProgramTerms,
  nowMs: number,
  /** Scoring's answers to referral qualifications this wake (referrals/qualification-scoring.ts). */
  scores: QualificationScores,
): EventReward[] {
  const originalId = String(stored.data.originalEventId);
  switch (stored.type) {
    case "refund.completed": {
      const refundedMinor = Number(stored.data.amountMinor ?? 0);
      recountSpend(tx, originalId, { refundedMinor }, terms.tierPolicy, nowMs);
      // A refund of a referral's qualifying event takes its bonuses back (referrals/).
      reverseReferralFor(tx, stored, nowMs);
      return rollBackForRefund(tx, stored, nowMs);
    }
    case "purchase.confirmed":
      // The return window closed at the operator: the purchase's pending points are spendable.
      confirmPointsSource(tx, { sourceType: "event", sourceId: originalId, nowMs });
      // A referral qualified by it may now confirm its bonuses.
      referralEventConfirmed(tx, originalId, nowMs);
      return [];
    case "chargeback.created":
      recountSpend(tx, originalId, { chargedBack: true }, terms.tierPolicy, nowMs);
      reverseReferralFor(tx, stored, nowMs);
      return rollBack(tx, stored, originalId, { num: 1, den: 1 }, nowMs);
    case "chargeback.resolved": {
      const won = stored.data.outcome === "user_won";
      if (won) recountSpend(tx, originalId, { chargedBack: false }, terms.tierPolicy, nowMs);
      if (won) restoreReferralFor(tx, stored, nowMs);
      return won
        ? restoreAfterChargeback(tx, stored, nowMs)
        : releaseAfterChargeback(tx, stored, nowMs);
    }
    default: {
      // Evaluated at the tier the member held when it happened; an upgrade this purchase
      // brings applies from the next event on.
      const rewards = program
        ? earnFromRules(tx, stored, userId, program, terms.earn, nowMs, scores)
        : [];
      countSpend(tx, stored, terms.tierPolicy, nowMs);
      return rewards;
    }
  }
}

/**
 * The live rules on one stored event, with the facts the wallet knows now: the tier, the
 * segments, the account's age, this month's and all-time counts of the type, and the state of
 * the member's referral. Schedules and budget periods are judged at the event's time, but
 * never ahead of when it arrived: a backend cannot date an event into a campaign that has not
 * started.
 */
export function evaluateStored(
  tx: WalletTx,
  stored: StoredEvent,
  userId: string,
  program: LiveProgram,
  nowMs: number,
): AppliedEffect[] {
  const fromMs = monthStartMs(stored.occurredAtMs, program.timeZone);
  const facts = factsOf(
    {
      id: stored.eventId,
      type: stored.type,
      userId,
      occurredAtMs: stored.occurredAtMs,
      data: stored.data,
    },
    {
      tier: readTier(tx.sql, nowMs)?.tier,
      segments: readSegments(tx.sql),
      signedUpAtMs: signedUpAtMs(tx.sql) ?? undefined,
      referralState: findReferral(tx.sql)?.state,
    },
    {
      countOfKindThisMonth: countOfTypeBetween(tx.sql, stored.type, fromMs, stored.occurredAtMs),
      firstOfKindEver: countOfTypeBetween(tx.sql, stored.type, 0, stored.occurredAtMs) === 0,
    },
  );
  return evaluate(program.compiled, facts, {
    nowMs: Math.min(stored.occurredAtMs, stored.receivedAtMs),
  }).applied;
}

function earnFromRules(
  tx: WalletTx,
  stored: StoredEvent,
  userId: string,
  program: LiveProgram,
  earn: EarnTerms,
  nowMs: number,
  scores: QualificationScores,
): EventReward[] {
  const applied = evaluateStored(tx, stored, userId, program, nowMs);
  // A referral campaign's rule: the referral qualifies and its parties are rewarded
  // (referrals/referral-rewards.ts); its effect has no value of its own for planRewards.
  const budgetsOf = (ruleId: string) => program.compiled.rules.get(ruleId)?.budgets;
  qualifyReferral(tx, stored, applied, earn, nowMs, scores, budgetsOf);
  const { plans, skipped } = planRewards(applied, budgetsOf);
  const rewards: EventReward[] = skipped.map((s) => ({ ...s, kind: "skipped" as const }));
  for (const plan of plans) {
    const rewardKey = rewardKeyOf(stored.eventId, plan.ruleId, plan.unit);
    // Processing is once per event; a reward already there was made by an earlier run.
    if (findReward(tx.sql, rewardKey)) continue;
    const budgeted = plan.budgets.length > 0;
    const row: RewardRow = {
      rewardKey,
      eventId: stored.eventId,
      ruleId: plan.ruleId,
      ruleVersion: plan.ruleVersion,
      unit: plan.unit,
      asked: plan.asked,
      desired: plan.asked,
      granted: budgeted ? null : plan.asked,
      posted: budgeted ? 0 : plan.asked,
      taken: 0,
      budgets: openRequests(plan.budgets),
      seq: 1,
      syncedSeq: budgeted ? 0 : 1,
    };
    insertReward(tx.sql, row, nowMs);
    if (budgeted) {
      schedule(tx.sql, "grant", rewardKey, nowMs);
      rewards.push({
        ruleId: plan.ruleId,
        ruleVersion: plan.ruleVersion,
        kind: "awaiting_budget",
        asked: plan.asked,
        ...(plan.unit === POINTS_UNIT ? {} : { currency: plan.unit }),
      });
      continue;
    }
    rewards.push(postReward(tx, row, plan.asked, stored, earn, nowMs));
  }
  return rewards;
}

function rollBackForRefund(tx: WalletTx, refund: StoredEvent, nowMs: number): EventReward[] {
  const originalId = String(refund.data.originalEventId);
  const original = findEvent(tx.sql, originalId);
  const originalMinor = Number(original?.data.amountMinor ?? 0);
  const refundMinor = Number(refund.data.amountMinor ?? 0);
  // A refund of nothing takes nothing (and must not post an empty rollback).
  if (!original || originalMinor <= 0 || refundMinor <= 0) return [];
  // Refunds processed before this one (this one is not processed yet, so not counted).
  const before = sumRefundedFor(tx.sql, originalId);
  const whole = before + refundMinor >= originalMinor;
  const fraction = whole ? { num: 1, den: 1 } : { num: refundMinor, den: originalMinor };
  const dispute = openChargebackFor(tx.sql, originalId);
  const taken = dispute
    ? refundDuringDispute(tx, refund, originalId, dispute, fraction, nowMs)
    : rollBack(tx, refund, originalId, fraction, nowMs);
  // A refund is final: its share of the budgets goes back now (an open chargeback keeps the
  // rest held until it is resolved).
  releaseHeld(tx, originalId, nowMs, dispute);
  return taken;
}

/**
 * A refund while a chargeback is open: the chargeback already took everything the member held,
 * so the refund's share of each cashback reward comes out of what the chargeback holds and
 * becomes the refund's, final — a won dispute then restores only the rest, and the budgets hold
 * only that. Points go through their rollback as for any refund.
 */
function refundDuringDispute(
  tx: WalletTx,
  refund: StoredEvent,
  originalId: string,
  chargebackId: string,
  fraction: { num: number; den: number },
  nowMs: number,
): EventReward[] {
  const rows = rewardsOfEvent(tx.sql, originalId);
  const held = new Map(
    takesOfCause(tx.sql, chargebackId)
      .filter((t) => t.restoredAtMs === null)
      .map((t) => [t.rewardKey, t]),
  );
  const rewards: EventReward[] = [];
  for (const row of rows) {
    const take = held.get(row.rewardKey);
    if (row.unit === POINTS_UNIT || !take) continue;
    const disputed = take.amount + take.debt;
    const share =
      fraction.num >= fraction.den
        ? disputed
        : Math.min(mulDivRound(row.posted, fraction.num, fraction.den, "floor"), disputed);
    if (share <= 0) continue;
    moveTake(
      tx.sql,
      take,
      {
        takeKey: `evt:${refund.eventId}:take:${row.ruleId}:${row.unit}`,
        causeEventId: refund.eventId,
      },
      share,
      nowMs,
    );
    rewards.push({
      ruleId: row.ruleId,
      ruleVersion: row.ruleVersion,
      kind: "cashback_rollback",
      amountMinor: share,
      currency: row.unit,
      detail: `taken from what chargeback ${chargebackId} holds`,
    });
  }
  return [...rollBackPoints(tx, refund, originalId, fraction, rows, nowMs), ...rewards];
}

function rollBack(
  tx: WalletTx,
  cause: StoredEvent,
  originalId: string,
  fraction: { num: number; den: number },
  nowMs: number,
): EventReward[] {
  const rows = rewardsOfEvent(tx.sql, originalId);
  const rewards: EventReward[] = [];
  for (const row of rows) {
    if (row.unit === POINTS_UNIT) continue;
    const taken = takeCashback(tx, row, cause.eventId, fraction, nowMs);
    if (taken) rewards.push(taken);
  }
  return [...rollBackPoints(tx, cause, originalId, fraction, rows, nowMs), ...rewards];
}

function rollBackPoints(
  tx: WalletTx,
  cause: StoredEvent,
  originalId: string,
  fraction: { num: number; den: number },
  rows: readonly RewardRow[],
  nowMs: number,
): EventReward[] {
  const rollbackKey = `evt:${cause.eventId}:rollback`;
  const result = rollbackPoints(tx, {
    key: rollbackKey,
    sourceType: "event",
    sourceId: originalId,
    fraction,
    nowMs,
  });
  if (result.status === "not_found") return [];
  if (result.status === "created" || result.status === "exists") {
    const drawn = pointsTakenByRule(tx.sql, rollbackKey);
    for (const row of rows) {
      if (row.unit === POINTS_UNIT)
        recordPointsTake(tx, row, cause.eventId, drawn.get(row.ruleId) ?? 0, nowMs);
    }
    return [
      {
        ruleId: null,
        ruleVersion: null,
        kind: "points_rollback",
        points: result.takenPoints + result.debtPoints,
        detail:
          result.debtPoints > 0
            ? `${result.debtPoints} points already spent became debt`
            : undefined,
      },
    ];
  }
  return [
    {
      ruleId: null,
      ruleVersion: null,
      kind: "skipped",
      detail: `rollback refused: ${result.status}`,
    },
  ];
}

/**
 * The original's budgeted rewards ask their budgets to hold only what the member still has,
 * plus what an open chargeback (`openChargeback`) took and a won dispute would give back (the
 * grant sync sends the requests after commit).
 */
function releaseHeld(
  tx: WalletTx,
  originalId: string,
  nowMs: number,
  openChargeback: string | null,
): void {
  const disputed = new Map<string, number>();
  if (openChargeback) {
    for (const take of takesOfCause(tx.sql, openChargeback))
      if (take.restoredAtMs === null)
        disputed.set(take.rewardKey, (disputed.get(take.rewardKey) ?? 0) + take.amount + take.debt);
  }
  for (const row of rewardsOfEvent(tx.sql, originalId)) {
    if (row.budgets.length === 0 || row.granted === null) continue;
    const held = Math.max(row.posted - row.taken + (disputed.get(row.rewardKey) ?? 0), 0);
    if (held === row.desired) continue;
    row.desired = held;
    row.seq += 1;
    saveReward(tx.sql, row, nowMs);
    schedule(tx.sql, "grant", row.rewardKey, nowMs);
  }
}

function restoreAfterChargeback(tx: WalletTx, resolved: StoredEvent, nowMs: number): EventReward[] {
  const originalId = String(resolved.data.originalEventId);
  const chargeback = latestChargebackFor(tx.sql, originalId);
  if (!chargeback) return [];
  const rewards: EventReward[] = [];
  const result = restorePoints(tx, { rollbackKey: `evt:${chargeback}:rollback`, nowMs });
  if (result.status === "created" || result.status === "exists") {
    rewards.push({
      ruleId: null,
      ruleVersion: null,
      kind: "points_restored",
      points: result.restoredPoints + result.debtCancelledPoints,
    });
  }
  const rows = new Map(rewardsOfEvent(tx.sql, originalId).map((r) => [r.rewardKey, r]));
  for (const take of takesOfCause(tx.sql, chargeback)) {
    const row = rows.get(take.rewardKey);
    if (!row) continue;
    const restored = restoreTake(tx, row, take, resolved.eventId, nowMs);
    if (restored) rewards.push(restored);
  }
  return rewards;
}

/** A chargeback the member lost is final: the budgets it kept held go back now. */
function releaseAfterChargeback(tx: WalletTx, resolved: StoredEvent, nowMs: number): EventReward[] {
  releaseHeld(tx, String(resolved.data.originalEventId), nowMs, null);
  return [];
}
