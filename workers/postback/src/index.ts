import { Hono } from "hono";
import type { PostbackEnv } from "#shared/env";
import { drainingUnreadBody } from "#shared/http/drain-body";
import { AppError, problemResponse } from "#shared/http/errors";
import { createLogger, errorFields, requestIdOf } from "#shared/observability/logger";
import { handlePostback, type PostbackVariables } from "./intake";

/** The postback worker: server-to-server conversion callbacks from affiliate networks. */
export const app = new Hono<{ Bindings: PostbackEnv; Variables: PostbackVariables }>();

// One id per request: on the log lines and on the queue message, so the consumer logs it too.
app.use(async (c, next) => {
  c.set("requestId", requestIdOf(c.req.raw));
  await next();
});

// Networks post back with POST (generic, Impact) or GET query strings (Admitad, CJ).
app.on(["GET", "POST"], "/postback/:network", handlePostback);
app.get("/healthz", (c) => c.json({ ok: true, worker: "postback" }));
app.notFound(() => problemResponse(new AppError("not_found", "no such route")));
app.onError((error, c) => {
  if (!(error instanceof AppError)) {
    createLogger({ worker: "postback", requestId: c.get("requestId") }).error(
      "postback.failed",
      errorFields(error),
    );
  }
  return problemResponse(error);
});

export default {
  // A body answered unread (a 404, a 413) is read out, so a keep-alive connection survives.
  fetch: drainingUnreadBody(app.fetch),
} satisfies ExportedHandler<PostbackEnv>;
