import type { WalletTx } from "../core/wallet-tx";
import { processedRollbacksOf } from "../events/event-store";
import { restoreReferralFor, reverseReferralFor } from "./referral-money";

/**
 * A referral that qualifies late — its signup processed after the qualifying event (a look-back
 * in referral-rewards.ts), or a held referral approved by an operator — may qualify on an event
 * whose refunds or chargebacks were processed already, when there was no referral reward to
 * take back. They are applied now, in the order they were processed, so the end state is the
 * one the events would have led to in order: credited, then reversed (and restored on a won
 * chargeback). Each operation is keyed by its causing event, so catching up twice is harmless.
 *
 * @example
 * // signup ← processed after: deposit D (≥ minimum), refund of all of D
 * catchUpRollbacks(tx, "D", nowMs) // both bonuses reversed, the referral `reversed`
 */
export function catchUpRollbacks(tx: WalletTx, qualifyingEventId: string, nowMs: number): void {
  let refundedBeforeMinor = 0;
  for (const event of processedRollbacksOf(tx.sql, qualifyingEventId)) {
    switch (event.type) {
      case "refund.completed":
        reverseReferralFor(tx, event, nowMs, refundedBeforeMinor);
        refundedBeforeMinor += Number(event.data.amountMinor ?? 0);
        break;
      case "chargeback.created":
        reverseReferralFor(tx, event, nowMs);
        break;
      case "chargeback.resolved":
        if (event.data.outcome === "user_won") restoreReferralFor(tx, event, nowMs);
        break;
    }
  }
}
