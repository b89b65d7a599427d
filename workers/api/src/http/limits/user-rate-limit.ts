import { createMiddleware } from "hono/factory";
import { checkLimit, tooManyRequests } from "#shared/limits/rate-limit";
import type { ApiContext } from "../../auth";

/** Methods that change something: they count against the stricter write limit too. */
const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Per-user rate limits on the user API (`/v1/*`, after `requireUser`): every request counts
 * against API_USER_LIMITER, and every write (claims, destinations, redemptions, step-up: all
 * user writes) also against the stricter API_USER_WRITE_LIMITER. Over either: 429 with
 * Retry-After, rendered by the app's one error mapper. Limits live in wrangler.toml
 * (`[[ratelimits]]`); docs/operations.md "Rate limits".
 *
 * @example
 * app.use("/v1/*", requireUser);
 * app.use("/v1/*", userRateLimit);
 */
export const userRateLimit = createMiddleware<ApiContext>(async (c, next) => {
  const userId = c.get("userId");
  const all = await checkLimit(c.env.API_USER_LIMITER, `user:${userId}`);
  if (!all.ok) {
    throw tooManyRequests(
      "too many requests for this user; try again in a minute",
      all.retryAfterSec,
    );
  }
  if (WRITE_METHODS.has(c.req.method)) {
    const writes = await checkLimit(c.env.API_USER_WRITE_LIMITER, `user-write:${userId}`);
    if (!writes.ok) {
      throw tooManyRequests(
        "too many changes for this user; try again in a minute",
        writes.retryAfterSec,
      );
    }
  }
  await next();
});
