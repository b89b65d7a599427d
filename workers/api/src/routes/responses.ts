import { ProblemSchema } from "../schemas";

/** Problem responses every route can return; listed once so each route stays short. */
export const problemResponses = {
  400: {
    description: "invalid request",
    content: { "application/problem+json": { schema: ProblemSchema } },
  },
  401: {
    description: "missing or bad credentials",
    content: { "application/problem+json": { schema: ProblemSchema } },
  },
  404: {
    description: "not found",
    content: { "application/problem+json": { schema: ProblemSchema } },
  },
} as const;

export const jsonBody = <T>(schema: T, description = "OK") => ({
  description,
  content: { "application/json": { schema } },
});
