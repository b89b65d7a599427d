import type { NotificationType } from "./catalog";

/** A money variable: formatted with the recipient's locale when the message is rendered. */
export interface MoneyVar {
  amountMinor: number;
  currency: string;
}
export type NotificationVarValue = string | number | MoneyVar;

/**
 * A notification event: what a capability publishes when something happened that the user may
 * be told about (never a call to a channel). Queues deliver at least once: `id` is the
 * idempotency key, derived from the source event (`txn_…:confirmed`, `pay_…:paid`), and each
 * delivery is unique per (event id, channel, recipient).
 *
 * Critical and transactional events go on NOTIFY_TRANSACTIONAL, promotional ones on
 * NOTIFY_PROMOTIONAL, so a campaign to a million users never delays a step-up code.
 * Personal contact details never travel here: the consumer asks the user's wallet for them.
 */
export interface NotificationEventMessage {
  kind: "notification";
  id: string;
  userId: string;
  type: NotificationType;
  vars: Record<string, NotificationVarValue>;
  occurredAtMs: number;
  /** The operator's promotional send this message belongs to; absent on other types. */
  campaignId?: string;
  /**
   * A digest's delayed flush (workers/api/src/features/notifications/digests.ts): the router
   * closes this digest and sends one message listing its events; `id` is
   * `${firstEventId}:digest`.
   */
  digestId?: string;
  /**
   * An escalation (workers/api/src/features/notifications/escalation.ts): this event's
   * transactional push was not opened in time, so it goes again by e-mail only. Same `id`, so
   * the e-mail delivery is the one held while the push was outstanding, sent once.
   */
  escalation?: true;
}
