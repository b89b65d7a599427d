import { assertNever } from "#shared/assert";
import { releaseHeldTransaction } from "../conversions/review-holds";
import type { WalletTx } from "../core/wallet-tx";
import type { EarnTerms } from "../events/post-reward";
import { releaseRiskHeldPayouts } from "../payouts/redeem/risk-release";
import { afterReferralHoldReleased } from "../referrals/referral-risk-holds";
import type { StoredHold } from "./hold-store";

/**
 * What follows when a risk hold ends (released by an operator, by itself or because scoring
 * came back), inside the same transaction, per kind: the redeem path's held payouts may go,
 * a held transaction may confirm, a held referral may be rewarded. Upheld holds change
 * nothing here (the operator decides the payout, transaction or referral on its own page).
 * `earn` (the program's terms for points) lets a released referral be rewarded at once;
 * without it, the schedule's next run rewards it.
 */
export function afterHoldEnded(
  tx: WalletTx,
  hold: StoredHold,
  nowMs: number,
  earn: EarnTerms | null = null,
): void {
  if (hold.status !== "released") return;
  switch (hold.kind) {
    case "payouts":
      // The payouts it held go (queued for dispatch) unless other holds still cover them.
      releaseRiskHeldPayouts(tx, hold, nowMs);
      return;
    case "transaction":
      // The held transaction confirms as usual: now if due, else at its date (upheld: it
      // stays pending for the operator to reject).
      releaseHeldTransaction(tx, hold, nowMs);
      return;
    case "referral":
      // The held referral is rewarded once, or goes back to the program's own review
      // (upheld: it stays held for the referral review's reject).
      afterReferralHoldReleased(tx, hold, earn, nowMs);
      return;
    case "step_up":
      // Nothing waits on it: the redeem path refuses while it is active and, passing a fresh
      // step-up, releases it itself (payouts/step-up/step-up-holds.ts).
      return;
    default:
      assertNever(hold.kind, "hold kind");
  }
}
