import type { WalletTx } from "../core/wallet-tx";
import type { TierPolicy } from "../tiers/tier-policy";
import { recordQualifyingSpend } from "../tiers/tiers";
import { findEvent, type StoredEvent, sumRefundedFor } from "./event-store";

/**
 * What events count towards the member's tier (docs/loyalty.md "Tiers"): a purchase the
 * operator's backend reports and an order whose cashback confirmed, at the order amount in
 * the program's currency. The tier keeps one figure per source as a target — the amount after
 * refunds — so a refund lowers it, a chargeback sets it to nothing, and a chargeback the
 * member wins puts it back; a repeated or reordered message sets the same value.
 */

const QUALIFYING_TYPES: ReadonlySet<string> = new Set(["purchase.completed", "cashback.confirmed"]);

/** Counts a new qualifying event. */
export function countSpend(
  tx: WalletTx,
  event: StoredEvent,
  policy: TierPolicy | null,
  nowMs: number,
): void {
  if (!policy || !QUALIFYING_TYPES.has(event.type)) return;
  setSpend(tx, event, amountOf(event), policy, nowMs);
}

/**
 * Recounts the original a refund or chargeback names, after it: `refundedMinor` more refunded
 * (this refund is not processed yet, so not in the sum), or nothing at all while `chargedBack`.
 */
export function recountSpend(
  tx: WalletTx,
  originalId: string,
  change: { refundedMinor: number } | { chargedBack: boolean },
  policy: TierPolicy | null,
  nowMs: number,
): void {
  const original = findEvent(tx.sql, originalId);
  if (!policy || !original || !QUALIFYING_TYPES.has(original.type)) return;
  const refunded = sumRefundedFor(tx.sql, originalId);
  const amountMinor =
    "chargedBack" in change
      ? change.chargedBack
        ? 0
        : amountOf(original) - refunded
      : amountOf(original) - refunded - change.refundedMinor;
  setSpend(tx, original, Math.max(amountMinor, 0), policy, nowMs);
}

function amountOf(event: StoredEvent): number {
  const amount = event.data.amountMinor;
  return typeof amount === "number" && Number.isSafeInteger(amount) && amount > 0 ? amount : 0;
}

function setSpend(
  tx: WalletTx,
  event: StoredEvent,
  amountMinor: number,
  policy: TierPolicy,
  nowMs: number,
): void {
  // Spend in another currency than the program's does not count (nothing to convert it by).
  if (event.data.currency !== policy.currency) return;
  recordQualifyingSpend(tx, {
    sourceType: "event",
    sourceId: event.eventId,
    amountMinor,
    currency: policy.currency,
    atMs: event.occurredAtMs,
    nowMs,
    policy,
  });
}
