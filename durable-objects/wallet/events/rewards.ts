import { factsOf } from "#shared/rules/facts";
import { type CompiledRuleSet, evaluate, localParts, zoneOffsetMs } from "#shared/rules/index";
import type { WalletTx } from "../core/wallet-tx";
import { earnPoints } from "../points/earn";
import { restorePoints, rollbackPoints } from "../points/rollback";
import { DEFAULT_VALIDITY } from "../points/validity";
import { readTier } from "../tiers/tiers";
import {
  countOfTypeBetween,
  type EventReward,
  findEvent,
  latestChargebackFor,
  type StoredEvent,
  signedUpAtMs,
  sumRefundedFor,
} from "./event-store";

/**
 * What one processed event earns through the live rules (docs/rules.md), inside the wallet's
 * storage transaction: the engine is evaluated on the event's facts, and each applied points
 * effect becomes a lot keyed by (event, rule) — so processing the same event twice, or a
 * redelivered one, earns once. Refunds and chargebacks take back what their original earned:
 * a partial refund its share of the original amount (the refund that completes it takes all
 * that is left), a chargeback all of it; a chargeback resolved in the member's favour restores
 * exactly what the chargeback took. Each rollback is keyed by the event that caused it, so it
 * can never be applied twice.
 *
 * Not yet here: cashback effects and rules with budgets (they need the two-step grant the
 * campaign boosts use); such effects are recorded in the outcome as `skipped`, with why.
 */

/** The live program as one processing run sees it: one version, compiled once. */
export interface LiveProgram {
  version: number;
  timeZone: string;
  compiled: CompiledRuleSet;
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
  nowMs: number,
): EventReward[] {
  switch (stored.type) {
    case "refund.completed":
      return rollBackForRefund(tx, stored, nowMs);
    case "chargeback.created":
      return rollBack(tx, stored, String(stored.data.originalEventId), { num: 1, den: 1 }, nowMs);
    case "chargeback.resolved":
      return restoreAfterChargeback(tx, stored, nowMs);
    default:
      return program ? earnFromRules(tx, stored, userId, program, nowMs) : [];
  }
}

function earnFromRules(
  tx: WalletTx,
  stored: StoredEvent,
  userId: string,
  program: LiveProgram,
  nowMs: number,
): EventReward[] {
  const fromMs = monthStartMs(stored.occurredAtMs, program.timeZone);
  const facts = factsOf(
    {
      id: stored.eventId,
      type: stored.type,
      userId,
      occurredAtMs: stored.occurredAtMs,
      data: stored.data,
    },
    { tier: readTier(tx.sql, nowMs)?.tier, signedUpAtMs: signedUpAtMs(tx.sql) ?? undefined },
    { countOfKindThisMonth: countOfTypeBetween(tx.sql, stored.type, fromMs, stored.occurredAtMs) },
  );
  // Schedules and budget periods are judged at the event's time, but never ahead of when it
  // arrived: a backend cannot date an event into a campaign that has not started.
  const evaluation = evaluate(program.compiled, facts, {
    nowMs: Math.min(stored.occurredAtMs, stored.receivedAtMs),
  });
  const rewards: EventReward[] = [];
  for (const applied of evaluation.applied) {
    const base = { ruleId: applied.ruleId, ruleVersion: applied.ruleVersion };
    if (applied.budgetKeys.length > 0) {
      rewards.push({ ...base, kind: "skipped", detail: "rules with budgets are not applied yet" });
      continue;
    }
    if ((applied.cashbackAskedMinor ?? 0) > 0) {
      rewards.push({ ...base, kind: "skipped", detail: "cashback from events is not applied yet" });
      continue;
    }
    const points = applied.pointsAsked ?? 0;
    if (points <= 0) continue;
    const earned = earnPoints(tx, {
      key: `evt:${stored.eventId}:${applied.ruleId}`,
      sourceType: "event",
      sourceId: stored.eventId,
      ruleId: applied.ruleId,
      ruleVersion: applied.ruleVersion,
      points,
      pendingUntilMs: null,
      validity: DEFAULT_VALIDITY,
      nowMs,
      earnedAtMs: stored.occurredAtMs,
      timeZone: program.timeZone,
    });
    rewards.push(
      earned.status === "created" || earned.status === "exists"
        ? { ...base, kind: "points", points: earned.points }
        : { ...base, kind: "skipped", detail: `points refused: ${earned.status}` },
    );
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
  return rollBack(tx, refund, originalId, fraction, nowMs);
}

function rollBack(
  tx: WalletTx,
  cause: StoredEvent,
  originalId: string,
  fraction: { num: number; den: number },
  nowMs: number,
): EventReward[] {
  const result = rollbackPoints(tx, {
    key: `evt:${cause.eventId}:rollback`,
    sourceType: "event",
    sourceId: originalId,
    fraction,
    nowMs,
  });
  if (result.status === "not_found") return [];
  if (result.status === "created" || result.status === "exists") {
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

function restoreAfterChargeback(tx: WalletTx, resolved: StoredEvent, nowMs: number): EventReward[] {
  if (resolved.data.outcome !== "user_won") return [];
  const chargeback = latestChargebackFor(tx.sql, String(resolved.data.originalEventId));
  if (!chargeback) return [];
  const result = restorePoints(tx, { rollbackKey: `evt:${chargeback}:rollback`, nowMs });
  return result.status === "created" || result.status === "exists"
    ? [
        {
          ruleId: null,
          ruleVersion: null,
          kind: "points_restored",
          points: result.restoredPoints + result.debtCancelledPoints,
        },
      ]
    : [];
}
