import { utf8 } from "#shared/crypto/encoding";
import { constantTimeEqual } from "#shared/crypto/hmac";
import { problem } from "../problem";

/** HTTP helpers the formats' report APIs share. */

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** Whether `header` is exactly `expected` (compared in constant time for equal lengths). */
export function sameCredential(header: string | null, expected: string): boolean {
  if (header === null) return false;
  return constantTimeEqual(utf8.encode(header), utf8.encode(expected));
}

export function unauthorized(scheme: string): Response {
  return problem(401, "unauthorized", `a valid ${scheme} credential is required`, {
    headers: { "www-authenticate": `${scheme} realm="sandbox-network"` },
  });
}

export function badRequest(detail: string): Response {
  return problem(400, "invalid_input", detail);
}
