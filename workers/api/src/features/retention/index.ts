/**
 * Retention of received postbacks: how long rejected and accepted ones are kept, the bound on
 * rejected ones per source, the cron job that archives old bodies to R2 and deletes expired
 * rows, and the operator's view of one postback (docs/operations.md, "Retention").
 */
export {
  RETENTION_RUN_LIMITS,
  type RetentionReport,
  runPostbackRetention,
} from "./job";
export {
  DEFAULT_POSTBACK_RETENTION,
  type PostbackRetention,
  postbackRetentionOf,
} from "./policy";
export { rawBodyOf } from "./read-body";
export { retentionAdminRoutes } from "./routes";
