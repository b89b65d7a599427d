import { ProblemSchema } from "./common-schemas";

/** One problem response: `application/problem+json` with the shared `Problem` component. */
export const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/** Problem responses every route can return; listed once so each route stays short. */
export const problemResponses = {
  400: problem("invalid request: bad JSON, failed validation (every bad field is listed)"),
  401: problem("missing or bad credentials"),
  403: problem("not allowed"),
  404: problem("not found"),
  415: problem("the body is not application/json"),
  500: problem("unexpected error (no details are exposed)"),
} as const;

export const jsonBody = <T>(schema: T, description = "OK") => ({
  description,
  content: { "application/json": { schema } },
});

/** Route security requirements, named once. */
export const ADMIN_SECURITY = [{ adminKey: [] }];
export const USER_SECURITY = [{ userJwt: [] }];

/**
 * Refusals a route lists beside `problemResponses` when its handler can give them; the
 * problem's `code` says which (e.g. `insufficient_funds`, `idempotency_conflict`).
 */
export const CONFLICT_RESPONSE = {
  409: problem("refused in the current state, or an Idempotency-Key reused for another request"),
} as const;
export const UNPROCESSABLE_RESPONSE = {
  422: problem("valid, but below a minimum or in a currency that cannot be used here"),
} as const;
export const TOO_MANY_RESPONSE = {
  429: problem("too many requests of this kind; try again later"),
} as const;
export const UNAVAILABLE_RESPONSE = {
  503: problem("a dependency (payout processor, key ring, notifier) is unavailable; retry later"),
} as const;
