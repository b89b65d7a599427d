import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { html } from "hono/html";
import { AppError } from "#shared/http/errors";
import { checkLimit, tooManyRequests } from "#shared/limits/rate-limit";
import { verifyUnsubscribeToken } from "#shared/notify/unsubscribe";
import type { ApiContext } from "../../auth";
import { readUserPreferences, writePreferences } from "./preferences-store";
import { defaultPreferencesFor, readNotificationSettings } from "./settings-store";

/**
 * The signed one-click unsubscribe link (shared/notify/unsubscribe.ts): public, no login.
 * `GET` shows a page with one button (mail scanners follow links, so a GET changes nothing);
 * `POST` (the button, or a mail client's RFC 8058 one-click `List-Unsubscribe=One-Click`)
 * turns the user's promotional messages off. A malformed token is a 400 problem, a forged,
 * re-pointed or expired one a 403; neither writes anything.
 */
export const UNSUBSCRIBE_PATH = "/v1/notifications/unsubscribe";

/** Anonymous callers are limited per IP, as the public catalog is. */
export const unsubscribeCaller = createMiddleware<ApiContext>(async (c, next) => {
  const ip = c.req.header("cf-connecting-ip") ?? "unknown";
  const verdict = await checkLimit(c.env.API_ANON_LIMITER, `anon:${ip}`);
  if (!verdict.ok) {
    throw tooManyRequests("too many requests from this address", verdict.retryAfterSec);
  }
  await next();
});

async function claimsOf(c: { env: ApiContext["Bindings"] }, token: string | undefined) {
  const key = c.env.NOTIFY_LINK_KEY;
  if (!key) throw new AppError("unavailable", "unsubscribe links are not configured");
  if (!token) throw new AppError("bad_request", "the link has no token");
  const check = await verifyUnsubscribeToken(key, token, Date.now());
  if (check.ok) return check.claims;
  if (check.reason === "malformed")
    throw new AppError("bad_request", "this is not an unsubscribe link");
  throw new AppError("forbidden", "this unsubscribe link is not valid");
}

const page = (title: string, body: ReturnType<typeof html>) => html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="robots" content="noindex" />
    <title>${title}</title>
  </head>
  <body>
    <main>
      <h1>${title}</h1>
      ${body}
    </main>
  </body>
</html>`;

/** Mounted at the root (`UNSUBSCRIBE_PATH`). */
export const unsubscribeRoutes = new Hono<ApiContext>()
  .get(UNSUBSCRIBE_PATH, async (c) => {
    const token = c.req.query("token");
    const claims = await claimsOf(c, token);
    if (claims.category !== "promotional") {
      throw new AppError("bad_request", "only promotional messages can be unsubscribed from");
    }
    return c.html(
      page(
        "Unsubscribe from promotional messages",
        html`<p>Stop offers and promotions? Messages about your cashback, payouts and account
            security keep coming.</p>
          <form method="post" action="${UNSUBSCRIBE_PATH}?token=${encodeURIComponent(token ?? "")}">
            <input type="hidden" name="List-Unsubscribe" value="One-Click" />
            <button type="submit">Unsubscribe</button>
          </form>`,
      ),
    );
  })
  .post(UNSUBSCRIBE_PATH, async (c) => {
    const claims = await claimsOf(c, c.req.query("token"));
    if (claims.category !== "promotional") {
      throw new AppError("bad_request", "only promotional messages can be unsubscribed from");
    }
    const { settings } = await readNotificationSettings(c.env.DB);
    const { prefs } = await readUserPreferences(
      c.env,
      claims.userId,
      defaultPreferencesFor(settings),
    );
    if (prefs.promotionalOptIn) {
      await writePreferences(
        c.env,
        claims.userId,
        { ...prefs, promotionalOptIn: false },
        Date.now(),
      );
    }
    return c.html(
      page(
        "You are unsubscribed",
        html`<p>You will no longer receive promotional messages. You can opt in again in your
          notification settings.</p>`,
      ),
    );
  });
