import type { RiskObservationMessage } from "#shared/fraud/observation-message";
import type { LedgerEventMessage, LedgerQueueMessage, UserNoticeMessage } from "#shared/messages";
import type { NotificationEventMessage } from "#shared/notify/message";
import type { PayoutDispatchMessage } from "#shared/payouts/types";

/**
 * What the wallet publishes, and where each message goes. Rows in the outbox name their queue:
 * projections (ledger_events), payout dispatch requests (payouts), user notices (notices) or
 * what the user did for their risk object to score (risk: destination changes, claims, sign-ins)
 * or notification events (notify: what the user may be told about, shared/notify/message.ts).
 */
export type OutboxMessage =
  | LedgerEventMessage
  | PayoutDispatchMessage
  | UserNoticeMessage
  | RiskObservationMessage
  | NotificationEventMessage;
export type OutboxQueue = "ledger_events" | "payouts" | "notices" | "risk" | "notify";

/**
 * Pure: the queue a message is delivered to.
 *
 * @example
 * queueOf({ kind: "payout_dispatch", payoutId: "pay_1", userId: "u" }) // "payouts"
 */
export function queueOf(message: OutboxMessage): OutboxQueue {
  switch (message.kind) {
    case "payout_dispatch":
      return "payouts";
    case "notice":
      return "notices";
    case "risk_observation":
      return "risk";
    case "notification":
      return "notify";
    default:
      return "ledger_events";
  }
}

export interface OutboxRow {
  seq: number;
  body: string;
  queue: string;
}

/**
 * Pure: a batch of outbox rows split by queue, each keeping the rows' order. A ledger-events
 * row holds one event (every row written before bundled rows existed, and a lone event) or a
 * bundle of one user's events (outbox-store.ts `bundleOutboxRows`).
 */
export function groupByQueue(rows: readonly OutboxRow[]): {
  events: Array<{ body: LedgerQueueMessage }>;
  dispatch: Array<{ body: PayoutDispatchMessage }>;
  notices: Array<{ body: UserNoticeMessage }>;
  risk: Array<{ body: RiskObservationMessage }>;
  notify: Array<{ body: NotificationEventMessage }>;
} {
  const on = (queue: OutboxQueue) =>
    rows.filter((r) => r.queue === queue).map((r) => ({ body: JSON.parse(r.body) }));
  return {
    events: on("ledger_events"),
    dispatch: on("payouts"),
    notices: on("notices"),
    risk: on("risk"),
    notify: on("notify"),
  };
}
