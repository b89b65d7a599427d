import type { WalletTx } from "../core/wallet-tx";
import { pointsExpiringEvent } from "../notify/notification-events";
import { decideActivation } from "./decide-activation";
import { decideExpiry } from "./decide-expiry";
import { decideNotice } from "./decide-notice";
import { activateLot } from "./earn";
import {
  lotsDueForNotice,
  lotsDueToActivate,
  lotsDueToExpire,
  saveLot,
  sourceConfirmedAtMs,
} from "./lot-store";
import { PointsChange } from "./points-change";
import { reschedulePoints } from "./points-schedule";

/** Lots per run for each step: a run is bounded; the alarm comes back for the rest at once. */
export const MAX_LOTS_PER_RUN = 200;

export interface PointsRun {
  activated: number;
  expiredLots: number;
  expiredPoints: number;
  notices: number;
  more: boolean;
}

/**
 * Activates the lots whose pending period has ended by `asOfMs` (an indexed range: cost is
 * proportional to what is due), each at its period's end.
 */
export function activateDue(
  tx: WalletTx,
  asOfMs: number,
  nowMs: number,
): { activated: number; more: boolean } {
  const lots = lotsDueToActivate(tx.sql, asOfMs, MAX_LOTS_PER_RUN);
  let activated = 0;
  for (const lot of lots) {
    const decision = decideActivation(lot, {
      sourceConfirmedAtMs: sourceConfirmedAtMs(tx.sql, lot.sourceType, lot.sourceId),
      nowMs: asOfMs,
    });
    if (!decision.activate) continue;
    const change = new PointsChange(tx, nowMs);
    activateLot(change, lot, decision.atMs);
    change.commit(`points:${lot.lotId}:activate`, "points_activate");
    activated++;
  }
  reschedulePoints(tx.sql, nowMs);
  return { activated, more: lots.length === MAX_LOTS_PER_RUN };
}

/**
 * Expires what is left of every lot due by `asOfMs`: one posting per lot, keyed by the lot, so
 * a repeated run finds nothing left and writes nothing. Spent points were drawn from the lot
 * already, so they cannot expire.
 */
export function expireDue(
  tx: WalletTx,
  asOfMs: number,
  nowMs: number,
): { expiredLots: number; expiredPoints: number; more: boolean } {
  const lots = lotsDueToExpire(tx.sql, asOfMs, MAX_LOTS_PER_RUN);
  let expiredPoints = 0;
  const steps = decideExpiry(lots, asOfMs);
  for (const step of steps) {
    const lot = lots.find((l) => l.lotId === step.lotId);
    if (!lot) continue;
    const change = new PointsChange(tx, nowMs);
    const touched = change.touch(lot);
    touched.remaining -= step.points;
    touched.expired += step.points;
    touched.nextNoticeAtMs = null;
    change.move(step.from === "pending" ? "points_pending" : "points_active", -step.points);
    change.move("points_expired", step.points);
    change.commit(`points:${lot.lotId}:expire`, "points_expire");
    expiredPoints += step.points;
  }
  reschedulePoints(tx.sql, nowMs);
  return { expiredLots: steps.length, expiredPoints, more: lots.length === MAX_LOTS_PER_RUN };
}

/**
 * Publishes the `points_expiring` events due by `asOfMs` (through the outbox, so they leave
 * only if this transaction commits): one per lot and mark, its id naming both
 * (`<lot>:expiring:<days>`), and the lot remembers the mark, so a repeated run sends none again.
 */
export function sendExpiryNotices(
  tx: WalletTx,
  asOfMs: number,
  nowMs: number,
): { notices: number; more: boolean } {
  const lots = lotsDueForNotice(tx.sql, asOfMs, MAX_LOTS_PER_RUN);
  let notices = 0;
  for (const lot of lots) {
    if (lot.remaining === 0 || lot.expiresAtMs === null) {
      lot.nextNoticeAtMs = null;
      saveLot(tx.sql, lot);
      continue;
    }
    const decision = decideNotice(lot.expiresAtMs, lot.noticeSentDays, asOfMs);
    if (decision.sendDays !== null) {
      tx.enqueue(
        pointsExpiringEvent(
          tx.userId(),
          { lotId: lot.lotId, remaining: lot.remaining, expiresAtMs: lot.expiresAtMs },
          decision.sendDays,
          nowMs,
        ),
      );
      lot.noticeSentDays = decision.sendDays;
      notices++;
    }
    lot.nextNoticeAtMs = decision.nextAtMs;
    saveLot(tx.sql, lot);
  }
  reschedulePoints(tx.sql, nowMs);
  return { notices, more: lots.length === MAX_LOTS_PER_RUN };
}
