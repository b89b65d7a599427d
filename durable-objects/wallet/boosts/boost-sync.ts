import { faultPoint } from "#durable-objects/shared/faults";
import { campaignBudgetKey } from "#shared/campaigns/campaign-rule";
import { errorFields, type Logger } from "#shared/observability/logger";
import {
  type BudgetBinding,
  type BudgetReserveResult,
  budgetLayoutOf,
  reserveIn,
} from "../../budget/index";
import { findTxn, saveBoosts } from "../conversions/txn-store";
import type { StoredTxn } from "../conversions/types";
import { dueAsOf, SyncRounds } from "../core/sync-rounds";
import type { WalletTx } from "../core/wallet-tx";
import { dueRefs, postpone, unschedule } from "../schedule/schedule-store";
import { owedBoosts, pinBudgetParts, pinnedParts, type TxnBoost } from "./boosts";
import { recordBoost } from "./record-boost";

/** Boost requests to campaign budgets: per round, rounds per sync, and the wait after a failure. */
const MAX_BOOST_TXNS_PER_ROUND = 50;
const MAX_BOOST_ROUNDS = 4;
export const BOOST_RETRY_MS = 30_000;

/** What the sync needs from the wallet object. */
export interface BoostSyncPorts {
  sql: SqlStorage;
  env: BudgetBinding;
  log: Logger;
  /** The object's clock: the sync awaits other objects, so each step reads the time afresh. */
  clock: () => number;
  userId(): string;
  /** The object's id: a fault point (shared/faults.ts) fires only in the wallet aimed at. */
  objectId: { toString(): string };
  /** Runs `work` in one storage transaction of the wallet (its `commit`). */
  commit(work: (tx: WalletTx) => void): void;
}

/**
 * Sends the owed boost requests to the campaign budgets and records their answers. Runs after
 * commit and from the alarm; one sync at a time per object, and a write that lands during a
 * sync gets one more round. Every answer is recorded in its own transaction that re-reads the
 * transaction, so whatever interleaved while the budget was being asked is respected: an
 * answer to a superseded request is dropped.
 */
export class BoostSync {
  private readonly rounds = new SyncRounds((asOfMs) => this.round(asOfMs), MAX_BOOST_ROUNDS);

  constructor(private readonly ports: BoostSyncPorts) {}

  /** `asOfMs`: what is due is looked up as of then, when later than the clock (`dueAsOf`). */
  sync(asOfMs?: number): Promise<void> {
    return this.rounds.sync(asOfMs);
  }

  private async round(asOfMs: number | undefined): Promise<boolean> {
    const { sql, log, clock } = this.ports;
    const due = dueRefs(sql, "boost", dueAsOf(clock(), asOfMs), MAX_BOOST_TXNS_PER_ROUND + 1);
    for (const ref of due.slice(0, MAX_BOOST_TXNS_PER_ROUND)) {
      const txn = findTxn(sql, ref);
      const owed = txn ? owedBoosts(txn.boosts) : [];
      if (!txn || owed.length === 0) {
        unschedule(sql, "boost", ref);
        continue;
      }
      for (const boost of owed) {
        try {
          const result = await this.askBudget(txn, boost);
          // Only this wallet numbers this reservation's requests, so a stale answer means
          // something is off: log it and retry later rather than loop.
          if (result.status === "stale")
            throw new Error(`stale answer, recorded seq ${result.seq}`);
          // test/sim: the budget holds the grant, the wallet dies before recording it; the
          // retry asks the same request (same seq) and the budget answers it the same.
          faultPoint("wallet.boost.after_budget", this.ports.objectId);
          this.ports.commit((tx) => recordBoost(tx, txn.txnId, boost, result, clock()));
        } catch (error) {
          log.error("wallet.boost_request_failed", {
            txnId: txn.txnId,
            campaignId: boost.campaignId,
            ...errorFields(error),
          });
          postpone(sql, "boost", txn.txnId, clock() + BOOST_RETRY_MS);
          break;
        }
      }
    }
    return due.length > MAX_BOOST_TXNS_PER_ROUND;
  }

  /**
   * A campaign's budget is its rule's campaign/lifetime budget (shared/campaigns/), kept by
   * the generalised budget object; the campaign API configures its limit, so a request
   * carries none. The reservation is keyed by (user, transaction) as it always was, so a
   * campaign budget handed over from before keeps answering the same requests the same way.
   */
  private async askBudget(txn: StoredTxn, boost: TxnBoost): Promise<BudgetReserveResult> {
    const budgetKey = campaignBudgetKey(boost.campaignId);
    const parts = await this.partsOf(txn.txnId, boost, budgetKey);
    const result = await reserveIn(this.ports.env, parts, {
      budgetKey,
      unit: txn.currency,
      holder: this.ports.userId(),
      reference: txn.txnId,
      seq: boost.seq,
      desired: boost.desiredMinor,
    });
    // Transient: the campaign's budget is not configured yet; the schedule retries it.
    if (result.status === "not_configured")
      throw new Error(`campaign ${boost.campaignId}: budget not configured`);
    return result;
  }

  /**
   * The budget layout this boost's requests go to (boosts.ts `pinnedParts`): pinned, or the
   * budget's current one (client.ts caches it per isolate), pinned in the wallet before the
   * first request leaves, so a retry after a lost answer reaches the same object.
   */
  private async partsOf(txnId: string, boost: TxnBoost, budgetKey: string): Promise<number> {
    const pinned = pinnedParts(boost);
    if (pinned !== null) return pinned;
    const parts = await budgetLayoutOf(this.ports.env, budgetKey);
    let chosen = parts;
    this.ports.commit((tx) => {
      const txn = findTxn(tx.sql, txnId);
      if (!txn) return;
      const boosts = pinBudgetParts(txn.boosts, boost.campaignId, parts);
      // Pinned meanwhile (a concurrent round): that pin stands.
      chosen = pinnedParts(boosts.find((b) => b.campaignId === boost.campaignId) ?? boost) ?? parts;
      saveBoosts(tx.sql, txnId, boosts);
    });
    return chosen;
  }
}
