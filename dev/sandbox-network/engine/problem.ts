import type { z } from "zod";
import { fieldsFromZod, type ProblemField } from "#shared/http/errors";

/**
 * HTTP pieces both sandboxes (the network's API and control app, the payout processor) answer
 * with, so their error documents and request-body rules cannot drift apart.
 */

/**
 * RFC 9457 problem document, the same shape Boomerang's workers answer with.
 *
 * @example
 * problem(401, "unauthorized", "a valid Bearer token is required", { headers: { "www-authenticate": "Bearer" } })
 */
export function problem(
  status: number,
  code: string,
  detail: string,
  extra: { errors?: readonly ProblemField[]; headers?: Record<string, string> } = {},
): Response {
  const errors = extra.errors ?? [];
  return new Response(
    JSON.stringify({
      type: `https://boomerang.dev/problems/${code}`,
      title: code,
      status,
      code,
      detail,
      ...(errors.length > 0 ? { errors } : {}),
    }),
    { status, headers: { "content-type": "application/problem+json", ...extra.headers } },
  );
}

/** A request the sandbox refuses: 400 with every bad field, unless `status`/`code` say otherwise. */
export class SandboxBadRequest extends Error {
  constructor(
    message: string,
    readonly fields: ProblemField[] = [],
    readonly status = 400,
    readonly code = "invalid_request",
  ) {
    super(message);
  }
}

/**
 * A request body as JSON; an empty body is `{}`, so a control call may omit it.
 *
 * @example
 * jsonBody(await request.text()) // throws SandboxBadRequest when the text is not JSON
 */
export function jsonBody(text: string): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SandboxBadRequest("the body is not valid JSON");
  }
}

/**
 * `value` through `schema`, or a `SandboxBadRequest` naming every bad field.
 *
 * @example
 * const body = validate(FaultsBody, jsonBody(await request.text()));
 */
export function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new SandboxBadRequest(
    "the request did not pass validation",
    fieldsFromZod(result.error.issues),
  );
}
