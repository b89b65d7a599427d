import { observationMessage } from "#shared/fraud/observation-message";
import type { WalletTx } from "../core/wallet-tx";
import { returnObservation } from "../risk/observations";
import type { StoredTxn } from "./types";

/**
 * Inside `settle`: a transaction whose status just became `cancelled` (before confirmation:
 * `cancelled`; after: `returned_after_confirmation`) is reported to the user's risk object as a
 * `return` observation, through the outbox in the same storage transaction (docs/fraud.md
 * "Return abuse"). The merchant comes from the click while the wallet still has it.
 */
export function reportReturn(
  tx: WalletTx,
  txn: StoredTxn,
  historyEvent: string | null,
  nowMs: number,
): void {
  if (historyEvent !== "cancelled" && historyEvent !== "returned_after_confirmation") return;
  const merchantId = txn.clickId ? (tx.click(txn.clickId)?.merchantId ?? null) : null;
  tx.enqueue(
    observationMessage(returnObservation(tx.userId(), txn, historyEvent, merchantId, nowMs)),
  );
}
