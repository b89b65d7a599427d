/** Notifications: the pipeline from notification events to channels (docs/notifications.md). */
export { adaptersFor } from "./channels/index";
export { outboxAdapter } from "./channels/outbox";
export { type ProviderEnv, providerAdaptersFor } from "./channels/providers";
export { NOTIFY_SIGNATURE_HEADER, signNotification } from "./channels/webhook";
export {
  consumeNotificationDeadLetters,
  consumeNotifications,
  type NotifyQueueMessage,
  noticeAsEvent,
} from "./consumer";
export { notificationAdminRoutes } from "./dead-letters-routes";
export { sweepLostDigestFlushes } from "./digest-sweep";
export { sweepUnopenedPushes } from "./escalation";
export { readPreferences, withDefaults, writePreferences } from "./preferences-store";
export { recordReceipt } from "./receipts";
export { queueFor, routeEvents } from "./router";
