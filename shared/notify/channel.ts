import type { NotificationCategory, NotificationChannel, NotificationType } from "./catalog";
import type { NotificationVarValue } from "./message";

/** A message rendered from its template, ready for a channel. */
export interface RenderedMessage {
  locale: string;
  /** E-mail subject; push title; ignored by SMS. */
  title: string;
  /** Plain text body. */
  body: string;
  /** Where a tap or click leads (push, e-mail), when the type has one. */
  url?: string;
  /**
   * The signed one-click opt-out link of a promotional message (no login needed): e-mail puts
   * it in `List-Unsubscribe` (RFC 2369, one-click per RFC 8058) and at the foot of the text.
   */
  unsubscribeUrl?: string;
  /**
   * E-mail open tracking (the operator's `emailTracking.opens`): the signed 1×1 pixel the
   * e-mail's HTML part loads (shared/notify/receipt-links.ts).
   */
  openPixelUrl?: string;
  /** Web Push: the signed URL the service worker posts `shown` and `clicked` receipts to. */
  receiptUrl?: string;
}

/** A Web Push subscription as the browser's PushManager gives it (RFC 8030 / 8291). */
export interface PushSubscriptionKeys {
  endpoint: string;
  /** Base64url P-256 public key of the subscriber (65 bytes uncompressed). */
  p256dh: string;
  /** Base64url 16-byte authentication secret. */
  auth: string;
}

/** Where one delivery goes, per channel. Opened from the wallet at send time, never queued. */
export type Recipient =
  | { channel: "webhook" }
  | { channel: "email"; address: string }
  | { channel: "sms"; phone: string }
  | { channel: "push"; subscription: PushSubscriptionKeys };

/**
 * Messages to the operator rather than to a user, sent through the same adapters outside the
 * notification pipeline (operator alerts' e-mail, docs/alerts.md).
 */
export type OperatorMessageType = "operator_alert";

export interface ChannelDelivery {
  /** Idempotency key for the provider: unique per (event id, channel, recipient). */
  deliveryId: string;
  eventId: string;
  userId: string;
  type: NotificationType | OperatorMessageType;
  category: NotificationCategory;
  message: RenderedMessage;
  recipient: Recipient;
  /**
   * The event's variables, for channels that hand them on (the signed webhook lets the
   * operator's backend render its own message; the dev outbox keeps them, so a test reads a
   * step-up `code`).
   */
  vars?: Readonly<Record<string, NotificationVarValue>>;
}

export interface ChannelSendResult {
  /** The provider's id for the message, for receipts. */
  providerRef?: string;
  /** The hand-over is itself the delivery receipt (a 2xx from the operator's webhook). */
  delivered?: boolean;
}

/**
 * A failed hand-over. `retryable` false (a 4xx from the provider, a push subscription that is
 * gone) sends the delivery straight to the dead letters instead of retrying it.
 */
export class ChannelError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** 404/410 from a push service: the subscription should be removed. */
    readonly gone = false,
  ) {
    super(message);
    this.name = "ChannelError";
  }
}

/**
 * One adapter per channel (webhook, e-mail provider, Web Push, SMS provider, dev outbox).
 * `send` resolves once the provider accepted the message and throws ChannelError otherwise.
 * Sending the same `deliveryId` twice must not reach the user twice: providers that take an
 * idempotency key get it; the pipeline records deliveries before and after.
 */
export interface ChannelAdapter {
  readonly channel: NotificationChannel;
  send(delivery: ChannelDelivery): Promise<ChannelSendResult>;
}
