import { mulDivRound } from "#shared/money/rounding";
import type { WalletTx } from "../core/wallet-tx";
import { readBalance } from "../ledger/ledger-store";
import { POINTS_UNIT } from "../ledger/posting";
import { earnPoints } from "../points/earn";
import type { Validity } from "../points/validity";
import { creditLegs, restoreLegs, takeLegs } from "./cashback-legs";
import type { EventReward } from "./event-store";
import {
  insertTake,
  markTakeRestored,
  type RewardRow,
  saveReward,
  type TakeRow,
} from "./reward-store";

/**
 * Posting one reward of an event and taking it back, inside the caller's transaction. Points
 * become a lot keyed by (event, rule); cashback one posting to confirmed keyed by the reward.
 * Both name the rule version that produced them. Every take is a row of its own, keyed by the
 * event that caused it, so a refund or chargeback takes once and a restore gives back exactly
 * what its chargeback took.
 */

/** How points earned now are held: the program's validity and pending period. */
export interface EarnTerms {
  validity: Validity;
  /** Days before earned points become spendable (0: at once). */
  pendingDays: number;
  timeZone: string;
}

const DAY_MS = 86_400_000;

export function postReward(
  tx: WalletTx,
  row: RewardRow,
  value: number,
  event: { eventId: string; occurredAtMs: number },
  terms: EarnTerms,
  nowMs: number,
): EventReward {
  const base = { ruleId: row.ruleId, ruleVersion: row.ruleVersion };
  const money = row.unit === POINTS_UNIT ? {} : { currency: row.unit };
  const asked = value < row.asked ? { asked: row.asked } : {};
  if (value <= 0) {
    return { ...base, ...money, ...asked, kind: "skipped", detail: "the rule's budget is used up" };
  }
  const rule = { id: row.ruleId, version: row.ruleVersion };
  if (row.unit === POINTS_UNIT) {
    const earned = earnPoints(tx, {
      key: `evt:${event.eventId}:${row.ruleId}`,
      sourceType: "event",
      sourceId: event.eventId,
      ruleId: row.ruleId,
      ruleVersion: row.ruleVersion,
      points: value,
      pendingUntilMs:
        terms.pendingDays > 0 ? event.occurredAtMs + terms.pendingDays * DAY_MS : null,
      validity: terms.validity,
      nowMs,
      earnedAtMs: event.occurredAtMs,
      timeZone: terms.timeZone,
    });
    if (earned.status !== "created" && earned.status !== "exists") {
      return { ...base, kind: "skipped", detail: `points refused: ${earned.status}` };
    }
    return { ...base, ...asked, kind: "points", points: earned.points };
  }
  tx.post(
    {
      key: `${row.rewardKey}:credit`,
      kind: "event_cashback",
      txnId: null,
      memo: `event ${event.eventId}`,
      rule,
      legs: creditLegs(value, row.unit, readBalance(tx.sql, "debt", row.unit)),
    },
    nowMs,
  );
  tx.owesBalances(nowMs);
  return { ...base, ...money, ...asked, kind: "cashback", amountMinor: value };
}

/**
 * Takes a share of a cashback reward back for `cause` (a refund: its share of the original
 * amount; the refund that completes it, or a chargeback: all that is left). Returns the
 * reward as taken, or null when there is nothing to take.
 */
export function takeCashback(
  tx: WalletTx,
  row: RewardRow,
  cause: string,
  fraction: { num: number; den: number },
  nowMs: number,
): EventReward | null {
  const held = row.posted - row.taken;
  const share =
    fraction.num >= fraction.den
      ? held
      : Math.min(mulDivRound(row.posted, fraction.num, fraction.den, "floor"), held);
  if (share <= 0) return null;
  const take = takeLegs(share, row.unit, readBalance(tx.sql, "confirmed", row.unit));
  const takeKey = `evt:${cause}:take:${row.ruleId}:${row.unit}`;
  tx.post(
    {
      key: takeKey,
      kind: "event_cashback_rollback",
      txnId: null,
      memo: `event ${cause} takes back from ${row.eventId}`,
      rule: { id: row.ruleId, version: row.ruleVersion },
      legs: take.legs,
    },
    nowMs,
  );
  tx.owesBalances(nowMs);
  insertTake(
    tx.sql,
    {
      takeKey,
      rewardKey: row.rewardKey,
      causeEventId: cause,
      amount: take.takenMinor,
      debt: take.debtMinor,
      restoredAtMs: null,
    },
    nowMs,
  );
  row.taken += share;
  saveReward(tx.sql, row, nowMs);
  return {
    ruleId: row.ruleId,
    ruleVersion: row.ruleVersion,
    kind: "cashback_rollback",
    amountMinor: share,
    currency: row.unit,
    ...(take.debtMinor > 0 ? { detail: `${take.debtMinor} already withdrawn became debt` } : {}),
  };
}

/** Records what a points rollback drew from one points reward's lot. */
export function recordPointsTake(
  tx: WalletTx,
  row: RewardRow,
  cause: string,
  drawnPoints: number,
  nowMs: number,
): void {
  if (drawnPoints <= 0) return;
  insertTake(
    tx.sql,
    {
      takeKey: `evt:${cause}:take:${row.ruleId}:${row.unit}`,
      rewardKey: row.rewardKey,
      causeEventId: cause,
      amount: drawnPoints,
      debt: 0,
      restoredAtMs: null,
    },
    nowMs,
  );
  row.taken += drawnPoints;
  saveReward(tx.sql, row, nowMs);
}

/**
 * Gives back what one take took (a chargeback the member won). Cashback is posted back here;
 * points are restored by the points module from the rollback's own draws.
 */
export function restoreTake(
  tx: WalletTx,
  row: RewardRow,
  take: TakeRow,
  cause: string,
  nowMs: number,
): EventReward | null {
  if (take.restoredAtMs !== null) return null;
  markTakeRestored(tx.sql, take.takeKey, nowMs);
  row.taken -= take.amount + take.debt;
  saveReward(tx.sql, row, nowMs);
  // A take a refund emptied while its chargeback was open has nothing left to give back.
  if (row.unit === POINTS_UNIT || take.amount + take.debt === 0) return null;
  tx.post(
    {
      key: `evt:${cause}:restore:${row.ruleId}:${row.unit}`,
      kind: "event_cashback_restore",
      txnId: null,
      memo: `event ${cause} restores to ${row.eventId}`,
      rule: { id: row.ruleId, version: row.ruleVersion },
      legs: restoreLegs(
        { takenMinor: take.amount, debtMinor: take.debt },
        row.unit,
        readBalance(tx.sql, "debt", row.unit),
      ),
    },
    nowMs,
  );
  tx.owesBalances(nowMs);
  return {
    ruleId: row.ruleId,
    ruleVersion: row.ruleVersion,
    kind: "cashback_restored",
    amountMinor: take.amount + take.debt,
    currency: row.unit,
  };
}
