import type { WalletTx } from "../../core/wallet-tx";
import { eraseFinishedPayoutSnapshots, unfinishedPayoutsTo } from "../lifecycle/payout-store";
import { decideErasure } from "./decide-destination";
import { eraseDestinationDetails, findDestination } from "./destination-store";

/**
 * Erases a removed destination's sealed details once the last payout that used it is final
 * (paid, failed and credited back, or cancelled), together with the copies those final
 * payouts kept. Called when a destination is removed and whenever a payout finishes, inside
 * that transaction. True when something was erased.
 *
 * @example
 * eraseIfSettled(tx, "dst_123", nowMs) // true: removed and no payout in flight
 */
export function eraseIfSettled(tx: WalletTx, destinationId: string, nowMs: number): boolean {
  const decision = decideErasure(
    findDestination(tx.sql, destinationId),
    unfinishedPayoutsTo(tx.sql, destinationId),
  );
  if (decision !== "erase") return false;
  eraseDestinationDetails(tx.sql, destinationId, nowMs);
  eraseFinishedPayoutSnapshots(tx.sql, destinationId);
  return true;
}
