import type { WalletTx } from "../core/wallet-tx";
import { dueRefs, unschedule } from "../schedule/schedule-store";
import { decideTransition } from "./referral-states";
import { findReferral, moveReferral, referralProjection } from "./referral-store";

/**
 * The program's qualification window (docs/referrals.md, "Qualification window"): a referral
 * still `signed_up` when its window ends moves to `expired` (final), recorded with the reason
 * `qualification_window_passed`; a qualifying event that happens after the end does not
 * qualify it (decide-qualification.ts). The schedule (`referral_expire`) wakes the wallet at the
 * end; a referral that qualified, is held or was rejected meanwhile is left as it is.
 */

/** Expires the wallet's referral when its window ended by `asOfMs` (runDue). */
export function expireDueReferrals(tx: WalletTx, asOfMs: number, nowMs: number): void {
  for (const referralId of dueRefs(tx.sql, "referral_expire", asOfMs, 10)) {
    unschedule(tx.sql, "referral_expire", referralId);
    const referral = findReferral(tx.sql);
    if (referral?.referralId !== referralId || referral.state !== "signed_up") continue;
    if (referral.qualifyByMs === null || referral.qualifyByMs > asOfMs) continue;
    if (decideTransition(referral.state, "expired").action !== "move") continue;
    const moved = moveReferral(
      tx.sql,
      referral,
      "expired",
      "qualification_window_passed",
      null,
      nowMs,
    );
    tx.enqueue(referralProjection(moved, null));
  }
}
