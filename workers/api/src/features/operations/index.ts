/** Operations: the operator's views of projections and audit logs, and the notification outbox. */
export { notificationsAdminRoutes } from "./notifications-routes";
export { appendOutboxNotice, NOTICE_KINDS, type NoticeKind } from "./outbox-store";
export { operationsAdminRoutes } from "./routes";
