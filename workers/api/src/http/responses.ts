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
