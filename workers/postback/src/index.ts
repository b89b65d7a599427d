import { Hono } from "hono";
import type { PostbackEnv } from "#shared/env";
import { drainingUnreadBody } from "#shared/http/drain-body";
import { AppError, problemResponse } from "#shared/http/errors";
import { handlePostback } from "./intake";

/** The postback worker: server-to-server conversion callbacks from affiliate networks. */
export const app = new Hono<{ Bindings: PostbackEnv }>();

// Networks post back with POST (generic, Impact) or GET query strings (Admitad, CJ).
app.on(["GET", "POST"], "/postback/:network", handlePostback);
app.get("/healthz", (c) => c.json({ ok: true, worker: "postback" }));
app.notFound(() => problemResponse(new AppError("not_found", "no such route")));
app.onError((error) => {
  if (!(error instanceof AppError))
    console.error("postback worker error", { error: String(error) });
  return problemResponse(error);
});

export default {
  // A body answered unread (a 404, a 413) is read out, so a keep-alive connection survives.
  fetch: drainingUnreadBody(app.fetch),
} satisfies ExportedHandler<PostbackEnv>;
