import { assert } from "#shared/assert";
import type { WalletTx } from "../core/wallet-tx";
import { pointsEarnedEvent } from "../notify/notification-events";
import { decideActivation } from "./decide-activation";
import { firstNoticeAtMs } from "./decide-notice";
import { isTimeZone } from "./local-calendar";
import {
  findLotOfRule,
  insertLot,
  type LotRow,
  lotsOfSource,
  recordSourceConfirmed,
  sourceConfirmedAtMs,
} from "./lot-store";
import { PointsChange } from "./points-change";
import { reschedulePoints } from "./points-schedule";
import type { EarnPointsInput, EarnPointsResult } from "./types";
import { expiresAtMs, validityProblem } from "./validity";

const MAX_KEY_CHARS = 150;
const MAX_REF_CHARS = 200;

/** Pure: why an earn is refused, or null. */
export function earnProblem(input: EarnPointsInput): string | null {
  if (!input.key || input.key.length > MAX_KEY_CHARS)
    return `key must be 1..${MAX_KEY_CHARS} chars`;
  for (const [name, value] of [
    ["sourceType", input.sourceType],
    ["sourceId", input.sourceId],
    ["ruleId", input.ruleId],
  ] as const) {
    if (!value || value.length > MAX_REF_CHARS) return `${name} must be 1..${MAX_REF_CHARS} chars`;
  }
  if (!Number.isSafeInteger(input.ruleVersion) || input.ruleVersion < 0) {
    return "ruleVersion must be a non-negative integer";
  }
  if (!Number.isSafeInteger(input.points) || input.points <= 0) {
    return "points must be a positive integer";
  }
  if (input.pendingUntilMs !== null && !Number.isSafeInteger(input.pendingUntilMs)) {
    return "pendingUntilMs must be an integer or null";
  }
  if (input.earnedAtMs !== undefined && !Number.isSafeInteger(input.earnedAtMs)) {
    return "earnedAtMs must be an integer";
  }
  if (input.timeZone !== undefined && !isTimeZone(input.timeZone)) {
    return `unknown time zone ${input.timeZone}`;
  }
  return validityProblem(input.validity);
}

/**
 * Earns one lot of points inside the caller's storage transaction (the events feature calls it
 * while applying an event). Idempotent on (sourceType, sourceId, ruleId). A lot with no pending
 * period — or whose source was already confirmed — is active at once, and active points repay
 * outstanding points debt first. The expiry is fixed now, unless the validity counts from the
 * activation.
 *
 * @example
 * commit((tx) => earnPoints(tx, { key: "evt_1:rule_a", sourceType: "event", sourceId: "evt_1",
 *   ruleId: "rule_a", ruleVersion: 3, points: 120, pendingUntilMs: null,
 *   validity: { period: "12M" }, nowMs }))
 * // { status: "created", lotId: "lot_1", points: 120, activatedAtMs: nowMs, expiresAtMs: … }
 */
export function earnPoints(tx: WalletTx, input: EarnPointsInput): EarnPointsResult {
  const problem = earnProblem(input);
  if (problem !== null) return { status: "invalid", reason: problem };
  const existing = findLotOfRule(tx.sql, input.sourceType, input.sourceId, input.ruleId);
  if (existing) {
    return existing.earned === input.points
      ? {
          status: "exists",
          lotId: existing.lotId,
          points: existing.earned,
          activatedAtMs: existing.activatedAtMs,
          expiresAtMs: existing.expiresAtMs,
        }
      : { status: "exists_with_different_amount", lotId: existing.lotId, points: existing.earned };
  }

  const timeZone = input.timeZone ?? "UTC";
  const earnedAtMs = input.earnedAtMs ?? input.nowMs;
  const activation = decideActivation(
    { activatedAtMs: null, pendingUntilMs: input.pendingUntilMs },
    {
      sourceConfirmedAtMs: sourceConfirmedAtMs(tx.sql, input.sourceType, input.sourceId),
      nowMs: input.nowMs,
    },
  );
  // Never active before it was earned (a pending period already over when the earn arrives).
  const activatedAtMs = activation.activate ? Math.max(activation.atMs, earnedAtMs) : null;
  const fromActivation = input.validity.from === "activation";
  const lotExpiresAtMs = fromActivation
    ? activatedAtMs === null
      ? null
      : expiresAtMs(activatedAtMs, input.validity, timeZone)
    : expiresAtMs(earnedAtMs, input.validity, timeZone);
  const lot = insertLot(tx.sql, {
    sourceType: input.sourceType,
    sourceId: input.sourceId,
    ruleId: input.ruleId,
    ruleVersion: input.ruleVersion,
    earnKey: input.key,
    earned: input.points,
    remaining: input.points,
    spent: 0,
    expired: 0,
    reversed: 0,
    earnedAtMs,
    pendingUntilMs: input.pendingUntilMs,
    activatedAtMs,
    expiresAtMs: lotExpiresAtMs,
    validity: input.validity,
    timeZone,
    noticeSentDays: null,
    nextNoticeAtMs: lotExpiresAtMs === null ? null : firstNoticeAtMs(lotExpiresAtMs, input.nowMs),
  });

  const change = new PointsChange(tx, input.nowMs);
  const touched = change.touch(lot);
  if (activatedAtMs === null) {
    change.move("points_pending", input.points);
  } else {
    change.move("points_active", input.points);
    change.repayFrom(touched, `earn:${input.key}`, input.points);
  }
  change.commit(`points:earn:${input.key}`, "points_earn", {
    id: input.ruleId,
    version: input.ruleVersion,
  });
  reschedulePoints(tx.sql, input.nowMs);
  // Told once per lot; a repeated earn finds the lot and returns above.
  tx.enqueue(
    pointsEarnedEvent(
      tx.userId(),
      {
        lotId: lot.lotId,
        points: lot.earned,
        sourceType: input.sourceType,
        ruleId: input.ruleId,
      },
      input.nowMs,
    ),
  );
  return {
    status: "created",
    lotId: lot.lotId,
    points: lot.earned,
    activatedAtMs: lot.activatedAtMs,
    expiresAtMs: lot.expiresAtMs,
  };
}

/**
 * Activates one pending lot at `atMs` inside `change`: its remaining points move from pending
 * to active (repaying points debt first), and a validity counted from the activation starts.
 */
export function activateLot(change: PointsChange, lot: LotRow, atMs: number): void {
  assert(lot.activatedAtMs === null, `lot ${lot.lotId} is already active`);
  const touched = change.touch(lot);
  touched.activatedAtMs = atMs;
  if (touched.validity.from === "activation") {
    touched.expiresAtMs = expiresAtMs(atMs, touched.validity, touched.timeZone);
    touched.nextNoticeAtMs = firstNoticeAtMs(touched.expiresAtMs, change.nowMs);
  }
  if (touched.remaining > 0) {
    change.move("points_pending", -touched.remaining);
    change.move("points_active", touched.remaining);
    change.repayFrom(touched, `activate:${touched.lotId}`, touched.remaining);
  }
}

/**
 * The source of pending points was confirmed (the return window closed, the network approved):
 * its pending lots become active now, and an earn arriving later for it is active at once.
 * Idempotent: the first confirmation time is kept.
 *
 * @example
 * commit((tx) => confirmPointsSource(tx, { sourceType: "event", sourceId: "evt_1", nowMs }))
 * // { activatedLots: 1 }
 */
export function confirmPointsSource(
  tx: WalletTx,
  input: { sourceType: string; sourceId: string; nowMs: number },
): { activatedLots: number } {
  recordSourceConfirmed(tx.sql, input.sourceType, input.sourceId, input.nowMs);
  const confirmedAtMs = sourceConfirmedAtMs(tx.sql, input.sourceType, input.sourceId);
  let activatedLots = 0;
  for (const lot of lotsOfSource(tx.sql, input.sourceType, input.sourceId)) {
    const decision = decideActivation(lot, {
      sourceConfirmedAtMs: confirmedAtMs,
      nowMs: input.nowMs,
    });
    if (!decision.activate) continue;
    const change = new PointsChange(tx, input.nowMs);
    activateLot(change, lot, decision.atMs);
    change.commit(`points:${lot.lotId}:activate`, "points_activate");
    activatedLots++;
  }
  reschedulePoints(tx.sql, input.nowMs);
  return { activatedLots };
}
