import type { RiskObservationsBinding } from "#shared/fraud/observation-message";
import { type ScoringSwitch, scoringEnabled } from "#shared/fraud/scoring-switch";
import type { LedgerQueueMessage, UserNoticeMessage } from "#shared/messages";
import type { NotificationEventMessage } from "#shared/notify/message";
import { errorFields, type Logger } from "#shared/observability/logger";
import type { PayoutDispatchMessage } from "#shared/payouts/types";
import {
  bundleLedgerEvents,
  sendBatchCalls,
  unbundleLedgerEvents,
} from "#shared/queues/ledger-bundle";
import { queueFor } from "#shared/queues/shards";
import { groupByQueue } from "./outbox-message";
import { deleteOutboxThrough, readOutbox } from "./outbox-store";

/** Rows per send, and sends per flush: a flush is bounded; the alarm picks up the rest. */
const OUTBOX_BATCH_ROWS = 100;
const MAX_FLUSH_ROUNDS = 10;

/**
 * The queues the outbox delivers to (RISK_OBSERVATIONS: what the user did, for scoring), and
 * the operator's scoring switch: off, the risk rows are dropped unsent.
 */
export interface OutboxQueues extends RiskObservationsBinding, ScoringSwitch {
  /** Shard 0 of the ledger events; shard i is `LEDGER_EVENTS_i` (shared/queues/shards.ts). */
  LEDGER_EVENTS: Queue<LedgerQueueMessage>;
  /** How many ledger-events shards; unset or "1": `LEDGER_EVENTS` only. */
  LEDGER_EVENT_QUEUE_SHARDS?: string;
  /**
   * "0": each ledger event its own message, as before bundles (docs/operations.md "Rolling
   * back past ledger-event bundles"); unset or anything else: one bundle per user and flush.
   */
  LEDGER_EVENT_BUNDLES?: string;
  PAYOUTS: Queue<PayoutDispatchMessage>;
  NOTICES: Queue<UserNoticeMessage>;
  /** Critical and transactional notification events (the wallet publishes no promotional ones). */
  NOTIFY_TRANSACTIONAL: Queue<NotificationEventMessage>;
}

/**
 * Sends the outbox in order and deletes what was sent. A failure leaves the rows for the alarm
 * to retry; consumers are idempotent, so a row sent twice is harmless. `commits` counts the
 * object's storage transactions (the only writers of outbox rows); without it (NaN never
 * equals itself) every round reads again until the outbox is empty.
 */
export async function sendOutbox(
  sql: SqlStorage,
  queues: OutboxQueues,
  log: Logger,
  commits: () => number = () => Number.NaN,
): Promise<void> {
  try {
    for (let round = 0; round < MAX_FLUSH_ROUNDS; round++) {
      const seen = commits();
      const rows = readOutbox(sql, OUTBOX_BATCH_ROWS);
      if (rows.length === 0) return;
      const { events, dispatch, notices, risk, notify } = groupByQueue(rows);
      if (events.length > 0) await sendLedgerEvents(queues, events);
      if (dispatch.length > 0) await queues.PAYOUTS.sendBatch(dispatch);
      if (notices.length > 0) await queues.NOTICES.sendBatch(notices);
      if (notify.length > 0) await queues.NOTIFY_TRANSACTIONAL.sendBatch(notify);
      // Scoring switched off (docs/fraud.md "Turning scoring off"): deleted with the rest, unsent.
      if (risk.length > 0 && scoringEnabled(queues)) await queues.RISK_OBSERVATIONS.sendBatch(risk);
      deleteOutboxThrough(sql, rows.at(-1)?.seq ?? 0);
      // A short read was the whole outbox; only a commit since (while the sends awaited) can
      // have added rows, so without one there is nothing to read again.
      if (rows.length < OUTBOX_BATCH_ROWS && commits() === seen) return;
    }
  } catch (error) {
    // The rows stay in the outbox; the alarm retries (consumers are idempotent).
    log.error("wallet.outbox_flush_failed", errorFields(error));
  }
}

/**
 * Ledger events go to the shard of their user (docs/scaling.md "Queue shards"), each user's as
 * one message per flush (a bundle, shared/queues/ledger-bundle.ts; docs/benchmarks.md "One
 * ledger-events message per flush"): the queue and its consumer handle one message where they
 * handled one per event. A row holds one event or, since a unit of work writes its events as
 * one row (outbox-store.ts `bundleOutboxRows`), a bundle: a user's one row is sent as it is
 * (it was sized as a bundle when written), several are unbundled and bundled again, in order.
 * A wallet's events all name its own user, so a flush is one `sendBatch` to one shard; grouped
 * by user all the same, keeping each user's order. The rows are deleted only after the send
 * returned, as before, so delivery stays at-least-once.
 */
async function sendLedgerEvents(
  queues: OutboxQueues,
  rows: Array<{ body: LedgerQueueMessage }>,
): Promise<void> {
  const byUser = new Map<string, LedgerQueueMessage[]>();
  for (const { body } of rows) byUser.set(body.userId, [...(byUser.get(body.userId) ?? []), body]);
  const byShard = new Map<Queue<LedgerQueueMessage>, Array<{ body: LedgerQueueMessage }>>();
  for (const [userId, bodies] of byUser) {
    const queue = queueFor<LedgerQueueMessage>(queues, "LEDGER_EVENTS", userId);
    const batch = byShard.get(queue) ?? [];
    const messages =
      queues.LEDGER_EVENT_BUNDLES === "0"
        ? unbundleLedgerEvents(bodies)
        : bodies.length === 1
          ? bodies
          : bundleLedgerEvents(userId, unbundleLedgerEvents(bodies));
    for (const body of messages) batch.push({ body });
    byShard.set(queue, batch);
  }
  // Two full bundles fill one `sendBatch` (256 KB a call): larger flushes take several calls.
  for (const [queue, batch] of byShard) {
    for (const call of sendBatchCalls(batch)) await queue.sendBatch(call);
  }
}

/**
 * One flush at a time: a concurrent one would send the same rows twice (harmless, since
 * projections are versioned, but wasteful). The flag is cleared in `.finally`, which runs
 * after the assignment even when there is nothing to send and the flush ends at once.
 */
export class OutboxFlusher {
  private flushing: Promise<void> | null = null;
  private commits = 0;

  constructor(
    private readonly sql: SqlStorage,
    private readonly queues: OutboxQueues,
    private readonly log: Logger,
  ) {}

  /** A storage transaction committed (it may have written outbox rows). */
  committed(): void {
    this.commits++;
  }

  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = sendOutbox(this.sql, this.queues, this.log, () => this.commits).finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }
}
