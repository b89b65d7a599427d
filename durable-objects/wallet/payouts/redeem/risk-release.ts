import type { WalletTx } from "../../core/wallet-tx";
import type { StoredHold } from "../../holds/hold-store";
import { heldBy } from "../../holds/holds";
import { tellInitiated } from "../../notify/notify";
import type { StoredPayout } from "../lifecycle/decide-payout";
import { publishPayout } from "../lifecycle/payout-events";
import { findPayout, heldPayoutsFor, logPayout, updatePayout } from "../lifecycle/payout-store";
import { afterRiskHoldEnded, RISK_HOLD_REASONS, riskDetail } from "./decide-risk-hold";

/**
 * What a `payouts` risk hold's end does (holds/hold-ended.ts calls it in the same
 * transaction; docs/fraud.md "Holds"): the payouts it kept waiting go — queued for dispatch,
 * oldest first — unless other active holds still cover them. A payout is dispatched by the one
 * `payout_dispatch` message queued here, and the dispatch claim is atomic, so a release decided
 * twice (or racing the fail-safe's) pays once.
 */

/** Payouts one user-wide hold's end looks at; a user has only a few held at once. */
const MAX_PAYOUTS_PER_RELEASE = 100;

export function releaseRiskHeldPayouts(tx: WalletTx, hold: StoredHold, nowMs: number): number {
  const candidates: Array<StoredPayout | null> =
    hold.subjectRef === null
      ? heldPayoutsFor(tx.sql, RISK_HOLD_REASONS, MAX_PAYOUTS_PER_RELEASE)
      : [findPayout(tx.sql, hold.subjectRef)];
  let queued = 0;
  for (const payout of candidates) {
    if (payout?.status !== "held") continue;
    const remaining = heldBy(tx.sql, "payouts", payout.payoutId);
    const next = afterRiskHoldEnded({ holdReason: payout.holdReason, remaining });
    if (next.action === "keep") continue;
    if (next.action === "relabel") {
      updatePayout(tx.sql, payout.payoutId, { holdReason: next.holdReason }, nowMs);
      logPayout(tx.sql, payout.payoutId, "held", riskDetail(remaining), nowMs);
      publishPayout(tx, payout.payoutId);
      continue;
    }
    tellInitiated(tx, payout, nowMs);
    updatePayout(tx.sql, payout.payoutId, { status: "queued", holdReason: null }, nowMs);
    logPayout(tx.sql, payout.payoutId, "risk_released", `${hold.holdId} (${hold.endedHow})`, nowMs);
    publishPayout(tx, payout.payoutId);
    tx.enqueue({ kind: "payout_dispatch", payoutId: payout.payoutId, userId: tx.userId() });
    queued++;
  }
  return queued;
}
