import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { AppError } from "#shared/http/errors";
import type { ApiContext } from "../../auth";

/**
 * The largest body the api reads by default: every JSON body of the api (catalog upserts,
 * campaigns, claims, destinations, redemptions, webhooks) is a single object of a few KiB; no
 * route takes a bulk import (merchant sync fetches its feed itself, bounded on its own).
 */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
/** API_MAX_BODY_BYTES may not lift the bound past this. */
const CEILING_MAX_BODY_BYTES = 1024 * 1024;

/**
 * The routes whose body is a whole document rather than one small object: a rule set (up to
 * 2,000 rules, docs/rules.md) is saved as one draft, through the API or the console's draft
 * editor (a form that carries the same JSON). They may take up to the ceiling.
 */
const LARGE_BODY_ROUTES: ReadonlySet<string> = new Set([
  "PUT /admin/v1/rules/draft",
  "POST /console/rules/draft",
]);

/**
 * Pure: the bound for one request: API_MAX_BODY_BYTES, or the ceiling for a route that takes
 * a whole document (LARGE_BODY_ROUTES).
 *
 * @example
 * maxBodyBytesFor("PUT", "/admin/v1/rules/draft", undefined) // 1048576
 * maxBodyBytesFor("PUT", "/admin/v1/offers/x", undefined) // 65536
 */
export function maxBodyBytesFor(method: string, path: string, raw: string | undefined): number {
  const bound = maxBodyBytes(raw);
  return LARGE_BODY_ROUTES.has(`${method.toUpperCase()} ${path}`)
    ? Math.max(bound, CEILING_MAX_BODY_BYTES)
    : bound;
}

/**
 * Pure: the bound from API_MAX_BODY_BYTES; anything that is not a positive whole number of
 * bytes gives the default.
 *
 * @example
 * maxBodyBytes(undefined) // 65536
 * maxBodyBytes("131072") // 131072
 */
export function maxBodyBytes(raw: string | undefined): number {
  const value = Number(raw);
  if (raw === undefined || raw.trim() === "" || !Number.isInteger(value) || value <= 0) {
    return DEFAULT_MAX_BODY_BYTES;
  }
  return Math.min(value, CEILING_MAX_BODY_BYTES);
}

/**
 * Bounds every request body before anything parses it (hono's bodyLimit: a declared
 * Content-Length over the bound is refused unread, a chunked body is counted as it streams and
 * refused at the bound). Refusals are 413 problems through the app's one error mapper; the
 * worker's drainingUnreadBody reads out what was left on the wire.
 *
 * @example
 * app.use("*", bodySizeLimit);
 */
export const bodySizeLimit = createMiddleware<ApiContext>(async (c, next) => {
  // No body (every GET): nothing to bound.
  if (!c.req.raw.body) return next();
  const maxSize = maxBodyBytesFor(c.req.method, c.req.path, c.env.API_MAX_BODY_BYTES);
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError("payload_too_large", `request bodies are limited to ${maxSize} bytes`);
    },
  })(c, next);
});
