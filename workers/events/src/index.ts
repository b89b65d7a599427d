import { Hono } from "hono";
import type { EventsEnv } from "#shared/env";
import { drainingUnreadBody } from "#shared/http/drain-body";
import { AppError, problemResponse } from "#shared/http/errors";
import { createLogger, errorFields, requestIdOf } from "#shared/observability/logger";
import { type EventsVariables, handleEvents } from "./intake";

/**
 * The events worker: first-party events from the operator's backends (docs/events.md). Its
 * own small worker, like the redirect and postback workers, so the intake path carries only
 * what it runs: verify, check, hand each user's events to their wallet object, answer.
 */
export const app = new Hono<{ Bindings: EventsEnv; Variables: EventsVariables }>();

app.use(async (c, next) => {
  c.set("requestId", requestIdOf(c.req.raw));
  await next();
});

app.post("/v1/events", handleEvents);
app.get("/healthz", (c) => c.json({ ok: true, worker: "events" }));
app.notFound(() => problemResponse(new AppError("not_found", "no such route")));
app.onError((error, c) => {
  if (!(error instanceof AppError)) {
    createLogger({ worker: "events", requestId: c.get("requestId") }).error(
      "events.failed",
      errorFields(error),
    );
  }
  return problemResponse(error);
});

export default {
  fetch: drainingUnreadBody(app.fetch),
} satisfies ExportedHandler<EventsEnv>;
