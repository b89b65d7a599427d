import { assert } from "#shared/assert";
import type { ClaimProjection } from "#shared/messages";
import type { StoredTxn } from "../conversions/types";
import { applyPosting, lastLedgerSeq, readBalances } from "../ledger/ledger-store";
import type { Posting, PostingResult } from "../ledger/posting";
import type { OutboxMessage } from "../outbox/outbox-message";
import { insertOutbox } from "../outbox/outbox-store";
import { transactionProjection } from "../outbox/projections";
import { bindUser, boundUserId } from "./meta-store";

/**
 * What every module writes through while the wallet object holds one storage transaction
 * open: the SQL handle, the user binding, the must-succeed posting and the outbox. The object
 * makes one per `transactionSync` (wallet-object.ts `commit`) and calls `close()` at its end.
 *
 * A transaction's projection owes the balances projection; it is queued once, at `close()`,
 * whatever number of transactions the unit of work settled.
 *
 * @example
 * storage.transactionSync(() => {
 *   const tx = new WalletTx(storage.sql);
 *   applyConversion(tx, event, nowMs);
 *   tx.close();
 * });
 */
export class WalletTx {
  private balancesOwedAtMs: number | null = null;

  constructor(readonly sql: SqlStorage) {}

  bindUser(userId: string): void {
    bindUser(this.sql, userId);
  }

  userId(): string {
    return boundUserId(this.sql);
  }

  /** Applies a posting that must succeed; anything else is a bug and aborts the transaction. */
  post(posting: Posting, nowMs: number): PostingResult {
    const result = applyPosting(this.sql, posting, nowMs);
    assert(
      result.status === "created" || result.status === "exists",
      `posting ${posting.key} failed: ${result.status}`,
    );
    return result;
  }

  enqueue(message: OutboxMessage): void {
    insertOutbox(this.sql, message);
  }

  /** Queues the transaction's new state; the balances follow once, at `close()`. */
  publishTxn(txn: StoredTxn): void {
    this.enqueue(transactionProjection(this.userId(), txn));
    this.balancesOwedAtMs = txn.updatedAtMs;
  }

  /**
   * Money moved outside any transaction (an event's cashback, taken back or restored): the
   * balances projection is owed, and queued once at `close()` like a transaction's.
   */
  owesBalances(atMs: number): void {
    this.balancesOwedAtMs = atMs;
  }

  publishClaim(claim: ClaimProjection["claim"]): void {
    this.enqueue({ kind: "claim", userId: this.userId(), claim });
  }

  publishBalances(atMs: number): void {
    this.enqueue({
      kind: "balances",
      userId: this.userId(),
      ledgerSeq: lastLedgerSeq(this.sql),
      atMs,
      balances: readBalances(this.sql),
    });
  }

  /** Ends the unit of work: queues the balances if a transaction's projection owes them. */
  close(): void {
    if (this.balancesOwedAtMs !== null) this.publishBalances(this.balancesOwedAtMs);
    this.balancesOwedAtMs = null;
  }
}
