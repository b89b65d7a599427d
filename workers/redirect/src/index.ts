import { Hono } from "hono";
import type { RedirectEnv } from "#shared/env";
import { drainingUnreadBody } from "#shared/http/drain-body";
import { htmlPage } from "#shared/http/pages";
import { createLogger, errorFields, requestIdOf } from "#shared/observability/logger";
import { handleClick } from "./click";
import { handleReferralLink } from "./referral-link";

/** The redirect worker: tracked click links, served from the edge. */
export const app = new Hono<{ Bindings: RedirectEnv }>();

app.get("/c/:token", handleClick);
app.get("/r/:code", handleReferralLink);
app.get("/healthz", (c) => c.json({ ok: true, worker: "redirect" }));
app.notFound(() => htmlPage(404, "Not found", "There is nothing at this address."));
app.onError((error, c) => {
  // The logger is made here, not per request: the click path allocates nothing it does not use.
  createLogger({ worker: "redirect", requestId: requestIdOf(c.req.raw) }).error(
    "redirect.failed",
    errorFields(error),
  );
  return htmlPage(503, "Something went wrong", "Please go back to the app and try again.");
});

export default {
  // Clicks are GETs (no body: straight through); anything posted here is read out unread.
  fetch: drainingUnreadBody(app.fetch),
} satisfies ExportedHandler<RedirectEnv>;
