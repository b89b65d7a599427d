import type { OpenAPIHono } from "@hono/zod-openapi";
import { ProblemSchema } from "../common-schemas";

type Registry = OpenAPIHono["openAPIRegistry"];
/** Whatever a client sends with these is bounded, documented body or not. */
const BODY_METHODS = new Set(["post", "put", "patch"]);

const RETRY_AFTER = {
  "Retry-After": {
    description: "Seconds to wait before trying again",
    schema: { type: "integer" as const, minimum: 1 },
  },
};

/** What any user operation may answer when a limit or cap refuses it. */
export const USER_LIMIT_RESPONSE = {
  description:
    "over a limit: the user's request or write rate (too_many_requests), or a per-user cap " +
    "(claim_cap_reached, destination_change_cap_reached); Retry-After says when to try again",
  headers: RETRY_AFTER,
  content: { "application/problem+json": { schema: ProblemSchema } },
};

/** What any operation that takes a body answers when the body is over API_MAX_BODY_BYTES. */
export const BODY_TOO_LARGE_RESPONSE = {
  description: "the body is larger than the api reads (API_MAX_BODY_BYTES, 64 KiB by default)",
  content: { "application/problem+json": { schema: ProblemSchema } },
};

/**
 * The limits are middleware on every route (http/limits/), so the contract documents them in
 * one place rather than on each route: a 429 (with Retry-After) on every user operation and a
 * 413 on every operation with a request body. Call after the features are mounted and before
 * the document is served.
 *
 * @example
 * documentLimits(app.openAPIRegistry);
 * app.doc31("/openapi.json", OPENAPI_CONFIG);
 */
export function documentLimits(registry: Registry): void {
  for (const definition of registry.definitions) {
    if (definition.type !== "route") continue;
    const route = definition.route;
    const responses = { ...route.responses };
    if (route.security?.some((requirement) => "userJwt" in requirement)) {
      responses[429] = USER_LIMIT_RESPONSE;
    }
    if (route.request?.body || BODY_METHODS.has(route.method)) {
      responses[413] = BODY_TOO_LARGE_RESPONSE;
    }
    route.responses = responses;
  }
}
