import type { RiskObservationsBinding } from "#shared/fraud/observation-message";
import { type ScoringSwitch, scoringEnabled } from "#shared/fraud/scoring-switch";
import type { LedgerEventMessage, UserNoticeMessage } from "#shared/messages";
import type { NotificationEventMessage } from "#shared/notify/message";
import { errorFields, type Logger } from "#shared/observability/logger";
import type { PayoutDispatchMessage } from "#shared/payouts/types";
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
  LEDGER_EVENTS: Queue<LedgerEventMessage>;
  PAYOUTS: Queue<PayoutDispatchMessage>;
  NOTICES: Queue<UserNoticeMessage>;
  /** Critical and transactional notification events (the wallet publishes no promotional ones). */
  NOTIFY_TRANSACTIONAL: Queue<NotificationEventMessage>;
}

/**
 * Sends the outbox in order and deletes what was sent. A failure leaves the rows for the alarm
 * to retry; consumers are idempotent, so a row sent twice is harmless.
 */
export async function sendOutbox(
  sql: SqlStorage,
  queues: OutboxQueues,
  log: Logger,
): Promise<void> {
  try {
    for (let round = 0; round < MAX_FLUSH_ROUNDS; round++) {
      const rows = readOutbox(sql, OUTBOX_BATCH_ROWS);
      if (rows.length === 0) return;
      const { events, dispatch, notices, risk, notify } = groupByQueue(rows);
      if (events.length > 0) await queues.LEDGER_EVENTS.sendBatch(events);
      if (dispatch.length > 0) await queues.PAYOUTS.sendBatch(dispatch);
      if (notices.length > 0) await queues.NOTICES.sendBatch(notices);
      if (notify.length > 0) await queues.NOTIFY_TRANSACTIONAL.sendBatch(notify);
      // Scoring switched off (docs/fraud.md "Turning scoring off"): deleted with the rest, unsent.
      if (risk.length > 0 && scoringEnabled(queues)) await queues.RISK_OBSERVATIONS.sendBatch(risk);
      deleteOutboxThrough(sql, rows.at(-1)?.seq ?? 0);
    }
  } catch (error) {
    // The rows stay in the outbox; the alarm retries (consumers are idempotent).
    log.error("wallet.outbox_flush_failed", errorFields(error));
  }
}

/**
 * One flush at a time: a concurrent one would send the same rows twice (harmless, since
 * projections are versioned, but wasteful). The flag is cleared in `.finally`, which runs
 * after the assignment even when there is nothing to send and the flush ends at once.
 */
export class OutboxFlusher {
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly queues: OutboxQueues,
    private readonly log: Logger,
  ) {}

  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = sendOutbox(this.sql, this.queues, this.log).finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }
}
