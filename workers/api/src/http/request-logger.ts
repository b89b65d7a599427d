import { createMiddleware } from "hono/factory";
import type { ApiEnv } from "#shared/env";
import { createLogger, type Logger, requestIdOf } from "#shared/observability/logger";

/** The header that carries a request's id back to the caller (and into support tickets). */
export const REQUEST_ID_HEADER = "x-request-id";

export type LoggerVariables = { log: Logger; requestId: string };

/**
 * Gives each request a logger bound to its id (`cf-ray`, or one minted here) and returns the
 * id in `x-request-id`, so a caller's report and the log lines meet on one value.
 *
 * @example
 * app.use("*", requestLogger);
 * c.get("log").error("api.unexpected_error", errorFields(error));
 */
export const requestLogger = createMiddleware<{
  Bindings: ApiEnv;
  Variables: LoggerVariables;
}>(async (c, next) => {
  const requestId = requestIdOf(c.req.raw);
  c.set("requestId", requestId);
  c.set("log", createLogger({ worker: "api", requestId }));
  await next();
  c.header(REQUEST_ID_HEADER, requestId);
});
