import { DurableObject } from "cloudflare:workers";
import { parseKeyRing } from "#shared/crypto/sealed";
import type { ApiEnv } from "#shared/env";
import type { LedgerEventMessage, UserNoticeMessage } from "#shared/messages";
import type { CashbackTerms } from "#shared/money/cashback";
import { computeCashback } from "#shared/money/cashback";
import type { PayoutPolicy } from "#shared/payouts/policy";
import type { PayoutDispatchMessage } from "#shared/payouts/types";
import { MS_PER_DAY } from "#shared/time/clock";
import type { ReserveResult } from "../campaign-budget/budget-object";
import { budgetOf } from "../campaign-budget/client";
import {
  desiredBoostMinor,
  effectiveBoostMinor,
  openBoosts,
  owedBoosts,
  recordGrant,
  repriceBoosts,
  type TxnBoost,
} from "./boosts";
import {
  CLAIM_REVIEW_AFTER_DAYS,
  type ClaimCheck,
  type ClaimInput,
  checkClaim,
  findClaim,
  insertClaim,
  listClaims,
  matchClaims,
  moveDueClaimsToReview,
  type StoredClaim,
  sameClaimDetails,
} from "./claims";
import { ATTRIBUTION_WINDOW_DAYS, decideConversion, eventVersion } from "./decide-conversion";
import {
  applyPosting,
  auditLedger,
  type BalanceRow,
  type InvariantReport,
  lastLedgerSeq,
  type Posting,
  type PostingResult,
  readBalance,
  readBalances,
} from "./ledger";
import type { StoredPayout } from "./payouts";
import { type Holding, reconcileLegs, settledStatus, targetHolding } from "./position";
import {
  type AdminPayoutAction,
  type DestinationResult,
  type DestinationView,
  type DispatchClaim,
  type NewDestination,
  type ProcessorView,
  type RedeemInput,
  type RedeemResult,
  Redemptions,
  type WalletPorts,
} from "./redemptions";
import { applySchema } from "./schema";
import {
  appendHistory,
  findClick,
  findTxn,
  findTxnByOrder,
  insertClick,
  insertTxn,
  listTxns,
  readHistory,
  saveTxn,
} from "./txn-store";
import type { ConversionEvent, ConversionResult, StoredClick, StoredTxn } from "./types";

/** Bounds, so no single request or alarm does unbounded work. */
const MAX_CLICKS_PER_CALL = 500;
const MAX_DUE_PER_RUN = 500;
const OUTBOX_BATCH = 100;
const OUTBOX_RETRY_MS = 30_000;
/** Page bound for reads; callers ask for one row more than they show to know if more exist. */
const MAX_PAGE = 201;
/** Clicks are kept a week past the attribution window, then pruned by the alarm. */
const CLICK_RETENTION_MS = (ATTRIBUTION_WINDOW_DAYS + 7) * MS_PER_DAY;
const MAX_PRUNED_PER_RUN = 1_000;
/** Boost requests to campaign budgets: per round, rounds per call, and the wait after a failure. */
const MAX_BOOST_TXNS_PER_ROUND = 50;
const MAX_BOOST_ROUNDS = 4;
const BOOST_RETRY_MS = 30_000;

export interface RollupChunk {
  chunkId: number;
  counts: Array<{ offerId: string; day: string; clicks: number }>;
}

export interface LedgerEntryView {
  seq: number;
  bucket: string;
  currency: string;
  amountMinor: number;
  balanceAfterMinor: number;
  kind: string;
  txnId: string | null;
  idempotencyKey: string;
  createdAtMs: number;
}

/**
 * One object per user: the single writer for that user's clicks, transactions and ledger.
 * A thin RPC shell: decisions live in pure functions (decide-conversion.ts, ledger.ts);
 * this class loads state, runs them inside `transactionSync`, and publishes projections.
 *
 * Nothing between reading state and writing it awaits anything but storage, so requests
 * cannot interleave inside a mutation.
 */
export class WalletDurableObject extends DurableObject<ApiEnv> {
  private readonly sql: SqlStorage;
  private flushing: Promise<void> | null = null;
  private boosting: Promise<void> | null = null;
  /** Set when a write owes a boost request while a sync is running, so it runs one more round. */
  private boostAgain = false;
  /**
   * Set inside a `mutate` transaction once a transaction's projection is queued: the balances
   * are queued once, at its end, rather than once per transaction touched.
   */
  private balancesOwedAtMs: number | null = null;

  constructor(ctx: DurableObjectState, env: ApiEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => applySchema(ctx.storage));
  }

  // ---- clicks ------------------------------------------------------------------------------

  /**
   * Stores clicks (idempotent on click id) and returns the rollup chunk the caller must add
   * to D1 and then acknowledge. An unacknowledged chunk is returned again unchanged, which
   * is what makes the D1 rollup exactly-once under redelivery.
   */
  async recordClicks(userId: string, clicks: StoredClick[]): Promise<RollupChunk | null> {
    if (clicks.length > MAX_CLICKS_PER_CALL) throw new RangeError("too many clicks in one call");
    let pruneNewlyScheduled = false;
    const chunk = this.ctx.storage.transactionSync(() => {
      this.bindUser(userId);
      for (const click of clicks) insertClick(this.sql, click);
      pruneNewlyScheduled = this.schedulePrune();
      return this.openRollupChunk();
    });
    if (pruneNewlyScheduled) await this.armAlarm();
    return chunk;
  }

  /** Keeps one prune row due when the oldest click leaves retention; true if it was added. */
  private schedulePrune(): boolean {
    const oldest = this.sql
      .exec<{ t: number | null }>(`SELECT MIN(clicked_at_ms) AS t FROM clicks`)
      .one().t;
    const existing = this.sql
      .exec(`SELECT 1 FROM schedule WHERE kind = 'prune_clicks'`)
      .toArray().length;
    if (oldest === null) {
      this.sql.exec(`DELETE FROM schedule WHERE kind = 'prune_clicks'`);
      return false;
    }
    this.schedule("prune_clicks", "clicks", oldest + CLICK_RETENTION_MS);
    return existing === 0;
  }

  /** Deletes clicks past retention whose rollup is done; bounded per run. */
  private pruneClicks(asOfMs: number): number {
    const due = this.sql
      .exec(`SELECT 1 FROM schedule WHERE kind = 'prune_clicks' AND due_at_ms <= ?`, asOfMs)
      .toArray().length;
    if (due === 0) return 0;
    const pruned = this.sql
      .exec(
        `DELETE FROM clicks WHERE click_id IN (
           SELECT c.click_id FROM clicks c JOIN rollup_chunks r ON r.chunk_id = c.rollup_chunk
           WHERE c.clicked_at_ms < ? AND r.acked = 1 ORDER BY c.clicked_at_ms LIMIT ?)
         RETURNING click_id`,
        asOfMs - CLICK_RETENTION_MS,
        MAX_PRUNED_PER_RUN,
      )
      .toArray().length;
    this.sql.exec(
      `DELETE FROM rollup_chunks WHERE acked = 1
       AND chunk_id NOT IN (SELECT DISTINCT rollup_chunk FROM clicks WHERE rollup_chunk IS NOT NULL)`,
    );
    this.schedulePrune();
    return pruned;
  }

  /** Marks a chunk as added to D1; returns the next chunk if more clicks are waiting. */
  ackRollupChunk(chunkId: number): RollupChunk | null {
    return this.ctx.storage.transactionSync(() => {
      this.sql.exec(`UPDATE rollup_chunks SET acked = 1 WHERE chunk_id = ?`, chunkId);
      return this.openRollupChunk();
    });
  }

  private openRollupChunk(): RollupChunk | null {
    let chunk = this.sql
      .exec<{ chunk_id: number }>(
        `SELECT chunk_id FROM rollup_chunks WHERE acked = 0 ORDER BY chunk_id LIMIT 1`,
      )
      .toArray()[0]?.chunk_id;
    if (chunk === undefined) {
      const waiting = this.sql
        .exec<{ n: number }>(`SELECT COUNT(*) AS n FROM clicks WHERE rollup_chunk IS NULL`)
        .one().n;
      if (waiting === 0) return null;
      chunk = this.sql
        .exec<{ chunk_id: number }>(
          `INSERT INTO rollup_chunks (acked) VALUES (0) RETURNING chunk_id`,
        )
        .one().chunk_id;
      this.sql.exec(`UPDATE clicks SET rollup_chunk = ? WHERE rollup_chunk IS NULL`, chunk);
    }
    const counts = this.sql
      .exec<{ offer_id: string; day: string; clicks: number }>(
        `SELECT offer_id, strftime('%Y-%m-%d', clicked_at_ms / 1000, 'unixepoch') AS day,
                COUNT(*) AS clicks
         FROM clicks WHERE rollup_chunk = ? GROUP BY offer_id, day ORDER BY offer_id, day`,
        chunk,
      )
      .toArray()
      .map((r) => ({ offerId: r.offer_id, day: r.day, clicks: r.clicks }));
    return { chunkId: chunk, counts };
  }

  // ---- conversions -------------------------------------------------------------------------

  async applyConversion(
    event: ConversionEvent,
    nowMs: number = Date.now(),
  ): Promise<ConversionResult> {
    const result = this.mutate(() => this.applyConversionSync(event, nowMs));
    await this.afterWrite();
    return result;
  }

  private applyConversionSync(event: ConversionEvent, nowMs: number): ConversionResult {
    this.bindUser(event.userId);
    let existing = findTxnByOrder(this.sql, event.networkId, event.orderId);
    // A rejection for a click that had not arrived yet is not final: once the click is here
    // (a lagging clicks queue, a replay from its dead-letter queue), the order is judged
    // again. The rejected row never moved money, so it is replaced; its history stays.
    let supersededVersion = 0;
    if (
      existing?.status === "rejected" &&
      existing.rejectReason === "click_not_found" &&
      findClick(this.sql, event.clickId)
    ) {
      appendHistory(
        this.sql,
        existing.txnId,
        "click_arrived_judged_again",
        event.source ?? "postback",
        null,
        nowMs,
      );
      this.sql.exec(`DELETE FROM transactions WHERE txn_id = ?`, existing.txnId);
      supersededVersion = existing.version;
      existing = null;
    }
    const click = existing ? null : findClick(this.sql, event.clickId);
    const decision = decideConversion({ existing, click, event, nowMs });
    const source = event.source ?? "postback";
    const detail = JSON.stringify({
      postbackId: event.postbackId,
      status: event.status,
      saleAmountMinor: event.saleAmountMinor,
      commissionMinor: event.commissionMinor,
      atMs: eventVersion(event).atMs,
    });

    switch (decision.action) {
      case "retry_later":
        return { outcome: "retry_later", txn: null, reason: "click_not_arrived_yet" };
      case "duplicate":
      case "stale":
      case "ignore": {
        const why = decision.action === "ignore" ? decision.why : decision.action;
        if (existing) appendHistory(this.sql, existing.txnId, why, source, detail, nowMs);
        const outcome = decision.action === "ignore" ? "ignored" : decision.action;
        return {
          outcome,
          txn: existing,
          reason: decision.action === "ignore" ? decision.why : null,
        };
      }
      case "reject": {
        // Not priced: a rejected order earns nothing, and shows nothing it would have earned.
        const txn = this.newTxn(event, null, nowMs, null);
        txn.version = supersededVersion + 1;
        txn.status = "rejected";
        txn.rejectReason = decision.reason;
        insertTxn(this.sql, txn);
        appendHistory(this.sql, txn.txnId, "rejected", source, decision.reason, nowMs);
        this.publishTxn(txn);
        return { outcome: "rejected", txn, reason: decision.reason };
      }
      case "create": {
        const txn = this.newTxn(event, click, nowMs, decision.expectedConfirmAtMs);
        // Versions keep rising across a re-judged order, so its projection moves forward.
        txn.version = supersededVersion + 1;
        insertTxn(this.sql, txn);
        appendHistory(this.sql, txn.txnId, "created", source, detail, nowMs);
        this.settle(txn, nowMs, source);
        for (const claim of matchClaims(this.sql, txn.networkId, txn.orderId, txn.txnId, nowMs)) {
          appendHistory(this.sql, txn.txnId, "claim_matched", source, claim.claimId, nowMs);
          this.publishClaim(claim);
        }
        return { outcome: "created", txn, reason: null };
      }
      case "update": {
        const txn = existing as StoredTxn;
        txn.networkStatus = event.status;
        txn.networkUpdatedAtMs = eventVersion(event).atMs;
        txn.saleAmountMinor = event.saleAmountMinor;
        txn.commissionMinor = event.commissionMinor;
        txn.lineItems = event.lineItems;
        txn.category = event.category;
        const quote = computeCashback(termsOf(txn), event);
        txn.cashbackMinor = quote.cashbackMinor;
        txn.rateBps = quote.rateBps;
        txn.boosts = repriceBoosts(txn.boosts, quote, event.status !== "cancelled");
        txn.version += 1;
        txn.updatedAtMs = nowMs;
        appendHistory(this.sql, txn.txnId, "updated", source, detail, nowMs);
        this.settle(txn, nowMs, source);
        return { outcome: "updated", txn, reason: null };
      }
    }
  }

  private newTxn(
    event: ConversionEvent,
    click: StoredClick | null,
    nowMs: number,
    expectedConfirmAtMs: number | null,
  ): StoredTxn {
    const quote = click ? computeCashback(click.terms, event) : null;
    const boosts = openBoosts(click?.boosts ?? [], quote, event.status !== "cancelled");
    return {
      txnId: event.txnId,
      networkId: event.networkId,
      orderId: event.orderId,
      clickId: event.clickId,
      offerId: event.offerId,
      status: "pending",
      rejectReason: null,
      currency: event.currency,
      saleAmountMinor: event.saleAmountMinor,
      commissionMinor: event.commissionMinor,
      cashbackMinor: quote?.cashbackMinor ?? 0,
      rateBps: quote?.rateBps ?? 0,
      category: event.category,
      lineItems: event.lineItems,
      terms: click?.terms ?? null,
      boosts,
      desiredBoostMinor: desiredBoostMinor(boosts),
      grantedBoostMinor: effectiveBoostMinor(boosts),
      networkStatus: event.status,
      networkUpdatedAtMs: eventVersion(event).atMs,
      windowElapsed: false,
      heldPendingMinor: 0,
      heldConfirmedMinor: 0,
      clickedAtMs: click?.clickedAtMs ?? event.clickAtSec * 1000,
      convertedAtMs: event.occurredAtMs,
      expectedConfirmAtMs,
      confirmedAtMs: null,
      version: 1,
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
    };
  }

  /**
   * Moves the ledger to where this transaction's state says it should be (position.ts),
   * derives its status and boost totals, keeps its confirmation timer and its boost request,
   * saves it and publishes it; `txn` is left equal to the saved row. The posting key carries
   * the version, so each version moves money at most once. `kind` names the posting when the
   * caller knows better (a boost grant).
   */
  private settle(txn: StoredTxn, nowMs: number, source: string, kind?: string): void {
    txn.desiredBoostMinor = desiredBoostMinor(txn.boosts);
    txn.grantedBoostMinor = effectiveBoostMinor(txn.boosts);
    const held = { pendingMinor: txn.heldPendingMinor, confirmedMinor: txn.heldConfirmedMinor };
    const target = targetHolding({
      networkStatus: txn.networkStatus,
      windowElapsed: txn.windowElapsed,
      cashbackMinor: txn.cashbackMinor,
      boostMinor: txn.grantedBoostMinor,
    });
    const legs = reconcileLegs(txn.currency, held, target, {
      confirmedMinor: readBalance(this.sql, "confirmed", txn.currency),
      debtMinor: readBalance(this.sql, "debt", txn.currency),
    });
    if (legs.length > 0) {
      this.post(
        {
          key: `txn:${txn.txnId}:v${txn.version}`,
          kind: kind ?? postingKind(held, target),
          txnId: txn.txnId,
          legs,
        },
        nowMs,
      );
    }
    txn.heldPendingMinor = target.pendingMinor;
    txn.heldConfirmedMinor = target.confirmedMinor;
    const before = txn.status;
    txn.status = settledStatus(txn);
    if (txn.status === "confirmed" && txn.confirmedAtMs === null) txn.confirmedAtMs = nowMs;
    if (before !== txn.status) {
      const event =
        before === "confirmed" && txn.status === "cancelled"
          ? "returned_after_confirmation"
          : txn.status;
      appendHistory(this.sql, txn.txnId, event, source, null, nowMs);
    }
    if (txn.status === "pending" && txn.expectedConfirmAtMs !== null) {
      this.schedule("confirm", txn.txnId, txn.expectedConfirmAtMs);
    } else {
      this.unschedule("confirm", txn.txnId);
    }
    this.keepBoostRequest(txn);
    saveTxn(this.sql, txn);
    this.publishTxn(txn);
  }

  /** Applies a posting that must succeed; anything else is a bug and aborts the transaction. */
  private post(posting: Posting, nowMs: number): PostingResult {
    const result = applyPosting(this.sql, posting, nowMs);
    if (result.status !== "created" && result.status !== "exists") {
      throw new Error(`posting ${posting.key} failed: ${result.status}`);
    }
    return result;
  }

  // ---- confirmation by time ----------------------------------------------------------------

  /**
   * Confirms every pending transaction whose return window closed by `asOfMs`. Work is
   * proportional to what is due (an indexed range over the schedule table), bounded per call.
   */
  async runDue(
    asOfMs: number = Date.now(),
  ): Promise<{ confirmed: number; prunedClicks: number; more: boolean }> {
    const result = this.mutate(() => {
      const due = this.sql
        .exec<{ ref: string }>(
          `SELECT ref FROM schedule WHERE kind = 'confirm' AND due_at_ms <= ?
           ORDER BY due_at_ms LIMIT ?`,
          asOfMs,
          MAX_DUE_PER_RUN + 1,
        )
        .toArray();
      let confirmed = 0;
      const nowMs = Date.now();
      for (const { ref } of due.slice(0, MAX_DUE_PER_RUN)) {
        const txn = findTxn(this.sql, ref);
        if (txn?.status === "pending") {
          txn.windowElapsed = true;
          txn.version += 1;
          txn.updatedAtMs = nowMs;
          this.settle(txn, nowMs, "return_window_elapsed");
          confirmed++;
        } else {
          this.unschedule("confirm", ref);
        }
      }
      const dueClaims = this.sql
        .exec<{ ref: string }>(
          `SELECT ref FROM schedule WHERE kind = 'claim_review' AND due_at_ms <= ? LIMIT ?`,
          asOfMs,
          MAX_DUE_PER_RUN,
        )
        .toArray()
        .map((r) => r.ref);
      for (const claim of moveDueClaimsToReview(this.sql, dueClaims, nowMs)) {
        this.publishClaim(claim);
      }
      for (const claimId of dueClaims) this.unschedule("claim_review", claimId);
      const prunedClicks = this.pruneClicks(asOfMs);
      return { confirmed, prunedClicks, more: due.length > MAX_DUE_PER_RUN };
    });
    await this.afterWrite();
    return result;
  }

  override async alarm(): Promise<void> {
    await this.runDue(Date.now());
  }

  /** Keeps one schedule row per (kind, ref); an existing row moves to `dueAtMs` unless `keepDue`. */
  private schedule(kind: string, ref: string, dueAtMs: number, keepDue = false): void {
    this.sql.exec(
      `INSERT INTO schedule (kind, ref, due_at_ms) VALUES (?, ?, ?)
       ON CONFLICT (kind, ref) DO ${keepDue ? "NOTHING" : "UPDATE SET due_at_ms = excluded.due_at_ms"}`,
      kind,
      ref,
      dueAtMs,
    );
  }

  private unschedule(kind: string, ref: string): void {
    this.sql.exec(`DELETE FROM schedule WHERE kind = ? AND ref = ?`, kind, ref);
  }

  // ---- campaign boosts (boosts.ts) ---------------------------------------------------------

  /**
   * Keeps one 'boost' schedule row while the transaction owes a request to a campaign budget.
   * A new row is due now (afterWrite sends it at once); an existing one keeps its due time,
   * so a budget that keeps failing is retried at BOOST_RETRY_MS, not in a loop.
   */
  private keepBoostRequest(txn: StoredTxn): void {
    if (owedBoosts(txn.boosts).length === 0) this.unschedule("boost", txn.txnId);
    else this.schedule("boost", txn.txnId, Date.now(), true);
  }

  /**
   * Sends the owed boost requests to the campaign budgets and records their answers. Runs
   * after commit (afterWrite) and from the alarm; one sync at a time per object, and a write
   * that lands during a sync gets one more round. Every answer is recorded in its own
   * transaction that re-reads the transaction, so whatever interleaved while the budget was
   * being asked is respected: an answer to a superseded request is dropped.
   */
  private async syncBoosts(): Promise<void> {
    if (this.boosting) {
      this.boostAgain = true;
      return this.boosting;
    }
    this.boosting = (async () => {
      for (let round = 0; round < MAX_BOOST_ROUNDS; round++) {
        this.boostAgain = false;
        const more = await this.syncBoostRound();
        if (!more && !this.boostAgain) return;
      }
    })().finally(() => {
      this.boosting = null;
    });
    return this.boosting;
  }

  /** One round over the due boost rows; true if rows were left for another round. */
  private async syncBoostRound(): Promise<boolean> {
    const due = this.sql
      .exec<{ ref: string }>(
        `SELECT ref FROM schedule WHERE kind = 'boost' AND due_at_ms <= ?
         ORDER BY due_at_ms LIMIT ?`,
        Date.now(),
        MAX_BOOST_TXNS_PER_ROUND + 1,
      )
      .toArray();
    for (const { ref } of due.slice(0, MAX_BOOST_TXNS_PER_ROUND)) {
      const txn = findTxn(this.sql, ref);
      const owed = txn ? owedBoosts(txn.boosts) : [];
      if (!txn || owed.length === 0) {
        this.unschedule("boost", ref);
        continue;
      }
      for (const boost of owed) {
        try {
          const result = await this.askBudget(txn, boost);
          // Only this wallet numbers this reservation's requests, so a stale answer means
          // something is off: log it and retry later rather than loop.
          if (result.status === "stale")
            throw new Error(`stale answer, recorded seq ${result.seq}`);
          this.mutate(() => this.recordBoost(txn.txnId, boost, result, Date.now()));
        } catch (error) {
          console.error("campaign boost request failed", {
            txnId: txn.txnId,
            campaignId: boost.campaignId,
            error: String(error),
          });
          this.sql.exec(
            `UPDATE schedule SET due_at_ms = ? WHERE kind = 'boost' AND ref = ?`,
            Date.now() + BOOST_RETRY_MS,
            txn.txnId,
          );
          break;
        }
      }
    }
    return due.length > MAX_BOOST_TXNS_PER_ROUND;
  }

  private async askBudget(txn: StoredTxn, boost: TxnBoost): Promise<ReserveResult> {
    const budget = budgetOf(this.env, boost.campaignId);
    const request = {
      campaignId: boost.campaignId,
      txnId: txn.txnId,
      userId: this.userId(),
      currency: txn.currency,
      seq: boost.seq,
    };
    const result =
      boost.desiredMinor === 0
        ? await budget.release(request)
        : await budget.reserve({ ...request, desiredMinor: boost.desiredMinor });
    // Transient: the campaign's budget is not configured yet; the schedule retries it.
    if (result.status === "not_configured")
      throw new Error(`campaign ${boost.campaignId}: budget not configured`);
    return result;
  }

  /**
   * Records a budget's answer to one boost request and settles the transaction, so the
   * ledger holds base + granted boost. The posting key carries the new version: a repeated
   * answer finds the request already synced and changes nothing, so a retry never pays twice.
   */
  private recordBoost(txnId: string, asked: TxnBoost, result: ReserveResult, nowMs: number): void {
    const txn = findTxn(this.sql, txnId);
    if (!txn) return;
    // A budget in another currency can grant nothing to this transaction (it is asked no more).
    const grantedMinor = result.status === "currency_mismatch" ? 0 : result.grantedMinor;
    if (result.status !== "currency_mismatch" && result.seq !== asked.seq) return;
    const boosts = recordGrant(txn.boosts, asked.campaignId, asked.seq, grantedMinor);
    if (!boosts) return;
    const before = effectiveBoostMinor(txn.boosts);
    txn.boosts = boosts;
    txn.version += 1;
    txn.updatedAtMs = nowMs;
    appendHistory(
      this.sql,
      txn.txnId,
      asked.desiredMinor === 0 ? "boost_released" : "boost_granted",
      "campaign_budget",
      JSON.stringify({
        campaignId: asked.campaignId,
        status: result.status,
        desiredMinor: asked.desiredMinor,
        grantedMinor,
      }),
      nowMs,
    );
    this.settle(
      txn,
      nowMs,
      "campaign_budget",
      effectiveBoostMinor(boosts) > before ? "cashback_boost" : undefined,
    );
  }

  // ---- projections (outbox) ----------------------------------------------------------------

  private bindUser(userId: string): void {
    const row = this.sql
      .exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'user_id'`)
      .toArray()[0];
    if (!row) this.sql.exec(`INSERT INTO meta (key, value) VALUES ('user_id', ?)`, userId);
    else if (row.value !== userId) throw new Error("wallet object addressed with another user id");
  }

  private userId(): string {
    return this.sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'user_id'`).one()
      .value;
  }

  /**
   * Runs `work` in one storage transaction. Whatever transactions it settles, the balances
   * projection is queued once, at its end, inside the same storage transaction.
   */
  private mutate<T>(work: () => T): T {
    return this.ctx.storage.transactionSync(() => {
      this.balancesOwedAtMs = null;
      const result = work();
      if (this.balancesOwedAtMs !== null) this.publishBalances(this.balancesOwedAtMs);
      this.balancesOwedAtMs = null;
      return result;
    });
  }

  /** Queues the transaction's new state, in the same transaction as the change (see `mutate`). */
  private publishTxn(txn: StoredTxn): void {
    this.enqueue({
      kind: "transaction",
      userId: this.userId(),
      txn: {
        id: txn.txnId,
        networkId: txn.networkId,
        orderId: txn.orderId,
        offerId: txn.offerId,
        clickId: txn.clickId,
        status: txn.status,
        rejectReason: txn.rejectReason,
        currency: txn.currency,
        saleAmountMinor: txn.saleAmountMinor,
        commissionMinor: txn.commissionMinor,
        cashbackMinor: txn.cashbackMinor,
        rateBps: txn.rateBps,
        boostMinor: txn.grantedBoostMinor,
        clickedAtMs: txn.clickedAtMs,
        convertedAtMs: txn.convertedAtMs,
        expectedConfirmAtMs: txn.expectedConfirmAtMs,
        confirmedAtMs: txn.confirmedAtMs,
        version: txn.version,
        updatedAtMs: txn.updatedAtMs,
      },
    });
    this.balancesOwedAtMs = txn.updatedAtMs;
  }

  private publishBalances(atMs: number): void {
    this.enqueue({
      kind: "balances",
      userId: this.userId(),
      ledgerSeq: lastLedgerSeq(this.sql),
      atMs,
      balances: readBalances(this.sql),
    });
  }

  /** The one writer of outbox rows; each row names the queue it is delivered to. */
  private enqueue(message: LedgerEventMessage | PayoutDispatchMessage | UserNoticeMessage): void {
    const queue =
      message.kind === "payout_dispatch"
        ? "payouts"
        : message.kind === "notice"
          ? "notices"
          : "ledger_events";
    this.sql.exec(`INSERT INTO outbox (body, queue) VALUES (?, ?)`, JSON.stringify(message), queue);
  }

  /**
   * After commit: asks campaign budgets for the boosts just owed (their answers settle again
   * and add to the outbox), delivers the outbox, and arms the alarm for whatever is due next,
   * including any boost request that failed.
   */
  private async afterWrite(): Promise<void> {
    try {
      await this.syncBoosts();
    } catch (error) {
      console.error("wallet boost sync failed", { error: String(error) });
    }
    try {
      await this.flushOutbox();
    } finally {
      await this.armAlarm();
    }
  }

  private async flushOutbox(): Promise<void> {
    // One flush at a time: a concurrent one would send the same rows twice (harmless, since
    // projections are versioned, but wasteful). The flag is cleared in `.finally`, which runs
    // after the assignment even when there is nothing to send and the flush ends at once.
    if (this.flushing) return this.flushing;
    this.flushing = this.sendOutbox().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async sendOutbox(): Promise<void> {
    try {
      for (let round = 0; round < 10; round++) {
        const rows = this.sql
          .exec<{ seq: number; body: string; queue: string }>(
            `SELECT seq, body, queue FROM outbox ORDER BY seq LIMIT ?`,
            OUTBOX_BATCH,
          )
          .toArray();
        if (rows.length === 0) return;
        // Rows name their queue: projections, payout dispatch requests or user notices.
        const on = (queue: string) =>
          rows.filter((r) => r.queue === queue).map((r) => ({ body: JSON.parse(r.body) }));
        const events = on("ledger_events") as Array<{ body: LedgerEventMessage }>;
        const dispatch = on("payouts") as Array<{ body: PayoutDispatchMessage }>;
        const notices = on("notices") as Array<{ body: UserNoticeMessage }>;
        if (events.length > 0) await this.env.LEDGER_EVENTS.sendBatch(events);
        if (dispatch.length > 0) await this.env.PAYOUTS.sendBatch(dispatch);
        if (notices.length > 0) await this.env.NOTICES.sendBatch(notices);
        const last = rows.at(-1)?.seq ?? 0;
        this.sql.exec(`DELETE FROM outbox WHERE seq <= ?`, last);
      }
    } catch (error) {
      // The rows stay in the outbox; the alarm retries (consumers are idempotent).
      console.error("wallet outbox flush failed", { error: String(error) });
    }
  }

  private async armAlarm(): Promise<void> {
    const nextDue = this.sql
      .exec<{ due: number | null }>(`SELECT MIN(due_at_ms) AS due FROM schedule`)
      .one().due;
    const outboxWaiting =
      this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM outbox`).one().n > 0;
    const candidates = [nextDue, outboxWaiting ? Date.now() + OUTBOX_RETRY_MS : null].filter(
      (v): v is number => v !== null,
    );
    if (candidates.length === 0) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    await this.ctx.storage.setAlarm(Math.min(...candidates));
  }

  // ---- redemptions and payouts (redemptions.ts) ---------------------------------------------

  private get redemptions(): Redemptions {
    const ports: WalletPorts = {
      sql: this.sql,
      transaction: (fn) => this.ctx.storage.transactionSync(fn),
      post: (posting, nowMs) => this.post(posting, nowMs),
      bindUser: (userId) => this.bindUser(userId),
      userId: () => this.userId(),
      publishBalances: (nowMs) => this.publishBalances(nowMs),
      enqueue: (message) => this.enqueue(message),
      keyRing: () => parseKeyRing(this.env.PAYOUT_DETAILS_KEYS),
    };
    return new Redemptions(ports);
  }

  /** Runs a redemption-state change, then delivers its outbox (dispatch requests, projections). */
  private async changing<T>(work: () => T | Promise<T>): Promise<T> {
    const result = await work();
    await this.afterWrite();
    return result;
  }

  addDestination(
    userId: string,
    destinationId: string,
    input: NewDestination,
    policy: PayoutPolicy,
    nowMs: number = Date.now(),
  ): Promise<DestinationResult> {
    return this.redemptions.addDestination(userId, destinationId, input, policy, nowMs);
  }

  updateDestination(
    userId: string,
    destinationId: string,
    input: NewDestination,
    policy: PayoutPolicy,
    nowMs: number = Date.now(),
  ): Promise<DestinationResult> {
    return this.redemptions.updateDestination(userId, destinationId, input, policy, nowMs);
  }

  removeDestination(destinationId: string, nowMs: number = Date.now()): DestinationResult {
    return this.redemptions.removeDestination(destinationId, nowMs);
  }

  /** Re-seals personal data still under an older key (key rotation); see redemptions.ts. */
  resealDestinations(nowMs: number = Date.now()) {
    return this.redemptions.resealDestinations(nowMs);
  }

  getDestinations(): DestinationView[] {
    return this.redemptions.destinations();
  }

  issueStepUp(
    userId: string,
    deviceId: string | null,
    policy: PayoutPolicy,
    nowMs: number = Date.now(),
  ) {
    return this.redemptions.issueStepUp(userId, deviceId, policy, nowMs);
  }

  revokeStepUp(challengeId: string): void {
    this.redemptions.revokeStepUp(challengeId);
  }

  recordLogin(userId: string, deviceId: string, atMs: number = Date.now()): Promise<void> {
    return this.redemptions.recordLogin(userId, deviceId, atMs);
  }

  redeem(userId: string, input: RedeemInput, nowMs: number = Date.now()): Promise<RedeemResult> {
    return this.changing(() => this.redemptions.redeem(userId, input, nowMs));
  }

  getPayouts(
    before: { createdAtMs: number; payoutId: string } | null,
    limit: number,
  ): StoredPayout[] {
    return this.redemptions.payouts(before, limit);
  }

  getPayout(payoutId: string) {
    return this.redemptions.payout(payoutId);
  }

  claimDispatch(payoutId: string, nowMs: number = Date.now()): Promise<DispatchClaim> {
    return this.changing(() => this.redemptions.claimDispatch(payoutId, nowMs));
  }

  recordPayoutUnavailable(
    payoutId: string,
    attempt: number,
    reason: string,
    nowMs: number = Date.now(),
  ) {
    return this.changing(() =>
      this.redemptions.recordUnavailable(payoutId, attempt, reason, nowMs),
    );
  }

  recordPayoutRejected(
    payoutId: string,
    attempt: number,
    failureCode: string,
    nowMs: number = Date.now(),
  ) {
    return this.changing(() =>
      this.redemptions.recordRejected(payoutId, attempt, failureCode, nowMs),
    );
  }

  markPayoutStuck(payoutId: string, reason: string, nowMs: number = Date.now()) {
    return this.changing(() => this.redemptions.markStuck(payoutId, reason, nowMs));
  }

  applyProcessorState(
    payoutId: string,
    view: ProcessorView,
    source: { eventId: string | null; processorId: string },
    nowMs: number = Date.now(),
  ) {
    return this.changing(() => this.redemptions.applyProcessorState(payoutId, view, source, nowMs));
  }

  adminPayoutAction(
    payoutId: string,
    action: AdminPayoutAction,
    expectedAttempts: number | null = null,
    nowMs: number = Date.now(),
  ) {
    return this.changing(() =>
      this.redemptions.adminAction(payoutId, action, nowMs, expectedAttempts),
    );
  }

  // ---- missing-cashback claims -------------------------------------------------------------

  /**
   * Files a claim for one of the user's clicks; idempotent on `claimId`. Matched at once if
   * the order is already known, else when its postback or report arrives, else sent to
   * review after CLAIM_REVIEW_AFTER_DAYS.
   */
  async fileClaim(
    userId: string,
    input: ClaimInput,
    nowMs: number = Date.now(),
  ): Promise<
    | { status: "created" | "exists"; claim: StoredClaim }
    | { status: "exists_with_different_details"; claim: StoredClaim }
    | { status: "invalid"; reason: Extract<ClaimCheck, { ok: false }>["reason"] }
  > {
    const result = this.ctx.storage.transactionSync(() => {
      this.bindUser(userId);
      const existing = findClaim(this.sql, input.claimId);
      if (existing) {
        return sameClaimDetails(existing, input)
          ? ({ status: "exists", claim: existing } as const)
          : ({ status: "exists_with_different_details", claim: existing } as const);
      }
      const click = findClick(this.sql, input.clickId);
      const check = checkClaim(input, click, nowMs);
      if (!check.ok || !click) {
        return { status: "invalid", reason: check.ok ? "click_not_found" : check.reason } as const;
      }
      const known = findTxnByOrder(this.sql, click.networkId, input.orderId);
      const claim: StoredClaim = {
        ...input,
        offerId: click.offerId,
        networkId: click.networkId,
        // A rejected order is exactly what a claim disputes: it stays open for review.
        status: known && known.status !== "rejected" ? "matched" : "open",
        txnId: known?.txnId ?? null,
        createdAtMs: nowMs,
        updatedAtMs: nowMs,
        reviewDueAtMs: nowMs + CLAIM_REVIEW_AFTER_DAYS * MS_PER_DAY,
      };
      insertClaim(this.sql, claim);
      if (claim.status === "open")
        this.schedule("claim_review", claim.claimId, claim.reviewDueAtMs);
      this.publishClaim(claim);
      return { status: "created", claim } as const;
    });
    await this.afterWrite();
    return result;
  }

  getClaims(limit: number): StoredClaim[] {
    return listClaims(this.sql, pageSize(limit));
  }

  /** The user's recent clicks, newest first, so a claim can name the visit it is about. */
  getClicks(
    limit: number,
  ): Array<{ clickId: string; offerId: string; clickedAtMs: number; currency: string }> {
    return this.sql
      .exec<{ click_id: string; offer_id: string; clicked_at_ms: number; currency: string }>(
        `SELECT click_id, offer_id, clicked_at_ms, currency FROM clicks
         ORDER BY clicked_at_ms DESC, click_id DESC LIMIT ?`,
        pageSize(limit),
      )
      .toArray()
      .map((r) => ({
        clickId: r.click_id,
        offerId: r.offer_id,
        clickedAtMs: r.clicked_at_ms,
        currency: r.currency,
      }));
  }

  private publishClaim(claim: StoredClaim): void {
    this.enqueue({ kind: "claim", userId: this.userId(), claim });
  }

  // ---- reads -------------------------------------------------------------------------------

  getBalances(): BalanceRow[] {
    return readBalances(this.sql);
  }

  listLedger(beforeSeq: number | null, limit: number): LedgerEntryView[] {
    const n = pageSize(limit);
    return this.sql
      .exec<{
        seq: number;
        bucket: string;
        currency: string;
        amount_minor: number;
        balance_after_minor: number;
        kind: string;
        txn_id: string | null;
        idempotency_key: string;
        created_at_ms: number;
      }>(
        `SELECT seq, bucket, currency, amount_minor, balance_after_minor, kind, txn_id,
                idempotency_key, created_at_ms
         FROM entries WHERE seq < ? ORDER BY seq DESC LIMIT ?`,
        beforeSeq ?? Number.MAX_SAFE_INTEGER,
        n,
      )
      .toArray()
      .map((r) => ({
        seq: r.seq,
        bucket: r.bucket,
        currency: r.currency,
        amountMinor: r.amount_minor,
        balanceAfterMinor: r.balance_after_minor,
        kind: r.kind,
        txnId: r.txn_id,
        idempotencyKey: r.idempotency_key,
        createdAtMs: r.created_at_ms,
      }));
  }

  listTransactions(
    after: { convertedAtMs: number; txnId: string } | null,
    limit: number,
  ): StoredTxn[] {
    return listTxns(this.sql, pageSize(limit), after);
  }

  getTransaction(txnId: string) {
    const txn = findTxn(this.sql, txnId);
    return txn ? { txn, history: readHistory(this.sql, txnId) } : null;
  }

  /**
   * Ledger audit plus conservation against the transactions: per currency, the pending
   * bucket equals what transactions hold pending, and confirmed + reserved + paid out − debt
   * equals what they hold confirmed, and reserved equals what unfinished payouts hold. Money
   * cannot appear or vanish between them.
   */
  audit(): InvariantReport {
    const report = auditLedger(this.sql);
    const held = this.sql
      .exec<{ currency: string; pending: number; confirmed: number }>(
        `SELECT currency, SUM(held_pending_minor) AS pending, SUM(held_confirmed_minor) AS confirmed
         FROM transactions GROUP BY currency`,
      )
      .toArray();
    const currencies = new Set([
      ...held.map((h) => h.currency),
      ...readBalances(this.sql).map((b) => b.currency),
    ]);
    for (const currency of currencies) {
      const h = held.find((row) => row.currency === currency) ?? { pending: 0, confirmed: 0 };
      const bal = (bucket: string) => readBalance(this.sql, bucket, currency);
      if (bal("pending") !== h.pending) {
        report.violations.push(
          `${currency}: pending ${bal("pending")} != held by transactions ${h.pending}`,
        );
      }
      // Reserved money is exactly what unfinished payouts hold.
      const open = this.sql
        .exec<{ total: number }>(
          `SELECT COALESCE(SUM(amount_minor), 0) AS total FROM payouts
           WHERE currency = ? AND status NOT IN ('paid', 'failed', 'cancelled')`,
          currency,
        )
        .one().total;
      if (bal("reserved") !== open) {
        report.violations.push(`${currency}: reserved ${bal("reserved")} != open payouts ${open}`);
      }
      const net = bal("confirmed") + bal("reserved") + bal("paid_out") - bal("debt");
      if (net !== h.confirmed) {
        report.violations.push(
          `${currency}: net confirmed ${net} != held by transactions ${h.confirmed}`,
        );
      }
    }
    // Each transaction holds exactly its target: base cashback + granted boost while it
    // stands, nothing once cancelled or rejected.
    const off = this.sql
      .exec<{ txn_id: string; held: number; want: number }>(
        `SELECT txn_id, held_pending_minor + held_confirmed_minor AS held,
                CASE WHEN status IN ('cancelled', 'rejected') THEN 0
                     ELSE cashback_minor + granted_boost_minor END AS want
         FROM transactions
         WHERE held_pending_minor + held_confirmed_minor !=
               CASE WHEN status IN ('cancelled', 'rejected') THEN 0
                    ELSE cashback_minor + granted_boost_minor END
         LIMIT 20`,
      )
      .toArray();
    for (const t of off) {
      report.violations.push(`transaction ${t.txn_id} holds ${t.held}, its target is ${t.want}`);
    }
    return { ok: report.violations.length === 0, violations: report.violations };
  }
}

/** A caller's page size, within 1..MAX_PAGE. */
function pageSize(limit: number): number {
  return Math.min(Math.max(limit, 1), MAX_PAGE);
}

/** Terms for recomputation; rows from before terms were kept fall back to their rate. */
function termsOf(txn: StoredTxn): CashbackTerms {
  return txn.terms ?? { basis: "sale", defaultRateBps: txn.rateBps, categoryRates: {} };
}

/** A name for a ledger movement, for people reading the ledger. */
function postingKind(held: Holding, target: Holding): string {
  if (target.pendingMinor === 0 && target.confirmedMinor === 0) {
    return held.confirmedMinor > 0 ? "cashback_clawback" : "cashback_cancelled";
  }
  if (held.pendingMinor === 0 && held.confirmedMinor === 0) {
    return target.pendingMinor > 0 ? "cashback_pending" : "cashback_confirmed";
  }
  if (held.pendingMinor > 0 && target.pendingMinor === 0 && target.confirmedMinor > 0) {
    return "cashback_confirmed";
  }
  return "cashback_adjusted";
}
