import { faultPoint } from "#durable-objects/shared/faults";
import { assert } from "#shared/assert";
import { errorFields, type Logger } from "#shared/observability/logger";
import type { BudgetBinding } from "../../budget/index";
import { dueAsOf, SyncRounds } from "../core/sync-rounds";
import type { WalletTx } from "../core/wallet-tx";
import { dueRefs, postpone, unschedule } from "../schedule/schedule-store";
import { settleBudgets } from "./budget-asks";
import { type BudgetRequest, nextGrantStep, retarget } from "./decide-grant";
import { settleEventReward } from "./event-store";
import { wakeWaitingEvents } from "./events";
import { type EarnTerms, postReward } from "./post-reward";
import { findReward, type RewardRow, saveReward } from "./reward-store";

/** Rewards per round, rounds per sync, and the wait after a budget could not be asked. */
const MAX_GRANTS_PER_ROUND = 50;
const MAX_GRANT_ROUNDS = 4;
export const GRANT_RETRY_MS = 30_000;

/** What the sync needs from the wallet object. */
export interface GrantSyncPorts {
  sql: SqlStorage;
  env: BudgetBinding;
  log: Logger;
  /** The object's clock: the sync awaits other objects, so each step reads the time afresh. */
  clock: () => number;
  userId(): string;
  /** The object's id: a fault point (shared/faults.ts) fires only in the wallet aimed at. */
  objectId: { toString(): string };
  /** How points granted now are held (read before the first commit that posts any). */
  earnTerms(): Promise<EarnTerms>;
  /** Runs `work` in one storage transaction of the wallet (its `commit`). */
  commit<T>(work: (tx: WalletTx) => T): T;
}

/**
 * The second step of a budgeted reward (events/decide-grant.ts says why two steps): after the
 * event's transaction committed, ask each of the reward's budget objects, settle on what the
 * tightest granted, and then — in one transaction that re-reads the reward — post that value
 * and record the event's outcome. Later changes (a refund lowering what the budgets hold) go
 * the same way without posting. Runs after commit and from the alarm; one sync at a time per
 * object; a budget that cannot be asked is retried later, and the refunds waiting for the
 * reward wait with it.
 */
export class GrantSync {
  private readonly rounds = new SyncRounds((asOfMs) => this.round(asOfMs), MAX_GRANT_ROUNDS);

  constructor(private readonly ports: GrantSyncPorts) {}

  /** `asOfMs`: what is due is looked up as of then, when later than the clock (`dueAsOf`). */
  sync(asOfMs?: number): Promise<void> {
    return this.rounds.sync(asOfMs);
  }

  private async round(asOfMs: number | undefined): Promise<boolean> {
    const { sql, log, clock } = this.ports;
    const due = dueRefs(sql, "grant", dueAsOf(clock(), asOfMs), MAX_GRANTS_PER_ROUND + 1);
    let terms: EarnTerms | null = null;
    for (const rewardKey of due.slice(0, MAX_GRANTS_PER_ROUND)) {
      const reward = findReward(sql, rewardKey);
      if (!reward || reward.seq === reward.syncedSeq) {
        unschedule(sql, "grant", rewardKey);
        continue;
      }
      try {
        const requests = await this.settle(reward);
        if (requests === null) continue;
        // test/sim: the budgets hold the grant, the wallet dies before posting it; the retry
        // asks them again for the same value (saved before they were asked).
        faultPoint("wallet.grant.after_budget", this.ports.objectId);
        if (reward.granted === null) terms ??= await this.ports.earnTerms();
        this.ports.commit((tx) => this.record(tx, reward, requests, terms));
      } catch (error) {
        log.error("wallet.grant_request_failed", {
          rewardKey,
          ruleId: reward.ruleId,
          ...errorFields(error),
        });
        postpone(sql, "grant", rewardKey, clock() + GRANT_RETRY_MS);
      }
    }
    return due.length > MAX_GRANTS_PER_ROUND;
  }

  /**
   * Asks and lowers until the budgets agree on one value (events/budget-asks.ts); returns the
   * settled requests, or null when the reward changed meanwhile (the newer change is still due).
   */
  private settle(start: RewardRow): Promise<BudgetRequest[] | null> {
    return settleBudgets(
      this.ports,
      start.rewardKey,
      retarget(start.budgets, start.desired),
      start.desired,
      (requests) => this.saveRequests(start, requests),
    );
  }

  /** Saves the requests about to be sent; false when the reward moved on meanwhile. */
  private saveRequests(start: RewardRow, requests: BudgetRequest[]): boolean {
    return this.ports.commit((tx) => {
      const now = findReward(tx.sql, start.rewardKey);
      if (!now || now.seq !== start.seq) return false;
      now.budgets = requests;
      saveReward(tx.sql, now, this.ports.clock());
      return true;
    });
  }

  private record(
    tx: WalletTx,
    start: RewardRow,
    requests: BudgetRequest[],
    terms: EarnTerms | null,
  ): void {
    const nowMs = this.ports.clock();
    const reward = findReward(tx.sql, start.rewardKey);
    if (!reward || reward.seq !== start.seq) return;
    const step = nextGrantStep(requests, reward.desired);
    const granted = step.action === "settled" ? step.granted : 0;
    reward.budgets = requests;
    reward.syncedSeq = reward.seq;
    unschedule(tx.sql, "grant", reward.rewardKey);
    if (reward.granted === null) {
      // The first answer: the member gets what the budgets granted, and the budgets hold it.
      reward.granted = granted;
      reward.posted = granted;
      reward.desired = granted;
      saveReward(tx.sql, reward, nowMs);
      const event = { eventId: reward.eventId, occurredAtMs: occurredAtOf(tx.sql, reward.eventId) };
      assert(terms !== null, "a first grant is posted with the program's earn terms");
      const outcome = postReward(tx, reward, granted, event, terms, nowMs);
      settleEventReward(
        tx.sql,
        reward.eventId,
        { ruleId: reward.ruleId, unit: reward.unit },
        outcome,
      );
      // Refunds and chargebacks of this event waited for it to settle.
      wakeWaitingEvents(tx, nowMs);
    } else {
      saveReward(tx.sql, reward, nowMs);
    }
  }
}

function occurredAtOf(sql: SqlStorage, eventId: string): number {
  return sql
    .exec<{ at: number }>(`SELECT occurred_at_ms AS at FROM events WHERE event_id = ?`, eventId)
    .one().at;
}
