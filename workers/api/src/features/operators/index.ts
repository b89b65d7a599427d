/** Console operators: the admin API that manages them, and sign-in for the console. */
export { operatorAdminRoutes } from "./routes";
export {
  createSession,
  findLiveSession,
  type LiveSession,
  revokeSession,
  SESSION_POLICY,
} from "./session-store";
export { type SignInResult, signInOperator } from "./sign-in";
export { getOperator, type OperatorRow } from "./store";
