import { assert } from "#shared/assert";
import type { ClaimProjection } from "#shared/messages";
import { findClick } from "../clicks/click-store";
import type { StoredClick, StoredTxn } from "../conversions/types";
import { applyPosting, readBalancesAtSeq } from "../ledger/ledger-store";
import type { Posting, PostingResult } from "../ledger/posting";
import type { OutboxMessage } from "../outbox/outbox-message";
import {
  bundleOutboxRows,
  insertOutboxRows,
  outboxRowOf,
  type PendingOutboxRow,
} from "../outbox/outbox-store";
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
 * Per unit of work, to spare the storage a statement each time (docs/benchmarks.md "The
 * wallet's SQL per conversion"): the bound user is read once, a click once, and the outbox
 * messages are written together at `close()`, in the order they were enqueued, in the same
 * transaction, each user's ledger events as one row (`bundleOutboxRows`).
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
  /** The user the object is bound to, once read or bound in this unit of work. */
  private boundUser: string | null = null;
  /** Clicks read in this unit of work (a click never changes inside one). */
  private readonly clicks = new Map<string, StoredClick | null>();
  /** Outbox messages enqueued, written at `close()`. */
  private readonly outbox: PendingOutboxRow[] = [];

  constructor(readonly sql: SqlStorage) {}

  bindUser(userId: string): void {
    if (this.boundUser === null) {
      bindUser(this.sql, userId);
      this.boundUser = userId;
    } else {
      assert(this.boundUser === userId, "wallet object addressed with another user id");
    }
  }

  userId(): string {
    this.boundUser ??= boundUserId(this.sql);
    return this.boundUser;
  }

  /** The stored click, read once per unit of work (clicks are recorded in units of their own). */
  click(clickId: string): StoredClick | null {
    let click = this.clicks.get(clickId);
    if (click === undefined) {
      click = findClick(this.sql, clickId);
      this.clicks.set(clickId, click);
    }
    return click;
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

  /**
   * Queues a message; it is written to the outbox at `close()`, inside the same transaction.
   * Serialised now, so a caller that changes the object afterwards cannot change what was sent.
   */
  enqueue(message: OutboxMessage): void {
    this.outbox.push(outboxRowOf(message));
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
    const { ledgerSeq, balances } = readBalancesAtSeq(this.sql);
    this.enqueue({ kind: "balances", userId: this.userId(), ledgerSeq, atMs, balances });
  }

  /**
   * Ends the unit of work: queues the balances if a transaction's projection owes them, and
   * writes every queued message to the outbox, the ledger events as one bundled row (a
   * conversion's transaction and balances projections: one row where there were two).
   */
  close(): void {
    if (this.balancesOwedAtMs !== null) this.publishBalances(this.balancesOwedAtMs);
    this.balancesOwedAtMs = null;
    insertOutboxRows(this.sql, bundleOutboxRows(this.outbox));
    this.outbox.length = 0;
  }
}
