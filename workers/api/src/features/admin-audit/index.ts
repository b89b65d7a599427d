/** Admin audit log: the recorder every admin write passes through, and GET /admin/v1/audit-log. */
export { type AuditedApp, auditAdminWrites } from "./recorder";
export { auditAdminRoutes } from "./routes";
export { appendAuditEntry } from "./store";
