import { every } from "hono/combine";
import { createMiddleware } from "hono/factory";
import { checkLimit, tooManyRequests } from "#shared/limits/rate-limit";
import { type ApiContext, requireUser } from "../../auth";
import { userRateLimit } from "../../http/limits/user-rate-limit";

/** The public catalog's paths: exempt from the user API's required token. */
export const PUBLIC_CATALOG_PATHS = "/v1/catalog/*";

/**
 * Who calls the public catalog. With `Authorization: Bearer <user jwt>`: the user, checked
 * exactly as on the rest of the user API (a bad token is a 401, not a silent downgrade to
 * anonymous) and counted against the user's own limit. Without: anonymous, counted per client
 * IP against API_ANON_LIMITER (wrangler.toml), 429 beyond it.
 *
 * @example
 * app.use("/v1/*", except(PUBLIC_CATALOG_PATHS, requireUser, userRateLimit));
 * app.use(PUBLIC_CATALOG_PATHS, catalogCaller);
 */
export const catalogCaller = createMiddleware<ApiContext>(async (c, next) => {
  if (c.req.header("authorization") !== undefined) {
    return every(requireUser, userRateLimit)(c, next);
  }
  const ip = c.req.header("cf-connecting-ip") ?? "unknown";
  const verdict = await checkLimit(c.env.API_ANON_LIMITER, `anon:${ip}`);
  if (!verdict.ok) {
    throw tooManyRequests(
      "too many catalog requests from this address; try again in a minute",
      verdict.retryAfterSec,
    );
  }
  await next();
});
