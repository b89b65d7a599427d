/**
 * Re-sharding the user databases (docs/scaling.md "Re-sharding the user databases"): a move
 * from one `USER_DB_SHARDS` to a multiple of it, run by the operator in budgeted steps.
 */
export { cancelMove, nextAction, runStep, startMove } from "./job";
export { userDbMoveAdminRoutes } from "./routes";
