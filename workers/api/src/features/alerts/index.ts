/**
 * Operator alerts (docs/alerts.md): rules over the platform's own signals evaluated by the
 * ten-minute cron, alerts kept in D1 with dedup and auto-resolve, delivery to a primary contact
 * with one escalation, and the admin routes the console's Alerts page uses.
 */
export { runAlerts } from "./evaluate";
export { alertAdminRoutes } from "./routes";
