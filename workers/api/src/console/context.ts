import type { ApiEnv } from "#shared/env";
import type { ApiVariables } from "../auth";
import type { LiveSession } from "../features/operators/index";
import type { AdminApi } from "./admin-api";

/** What every console handler can read from its context. */
export type ConsoleVariables = ApiVariables & {
  /** The signed-in operator's session; set on every page behind sign-in. */
  session: LiveSession;
  /** The admin API, called in-process as the signed-in operator. */
  api: AdminApi;
};
export type ConsoleContext = { Bindings: ApiEnv; Variables: ConsoleVariables };
