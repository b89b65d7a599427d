import { env } from "cloudflare:workers";
import type { ErrorCode } from "#shared/http/errors";
import { createApp } from "#workers/api/src/app";
import type { ContractValidator, ContractVerdict, Exchange } from "./contract-validator";
import { ADMIN_HEADERS, api } from "./helpers";
import { userJwt } from "./payout-helpers";

/** Who sends a request: the operator's backend, a user (by id), or nobody. */
export type Caller = "admin" | { user: string; device?: string } | "anonymous";

/** One request of a contract table. */
export interface ContractRequest {
  method: "GET" | "PUT" | "POST" | "DELETE" | "PATCH";
  /** Path and query. */
  path: string;
  as: Caller;
  /** A JSON body, serialised as sent. */
  body?: unknown;
  /** A body sent as is, for requests that are not JSON on purpose. */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Bindings that differ from the test runtime's, for the one request (a fresh app serves it). */
  env?: Record<string, string>;
}

/** A row: the request, the status the server must answer, and what the document must say. */
export interface ContractRow<Ctx> {
  name: string;
  /** Builds the request, after any setup it needs (setup may call the api unchecked). */
  request: (ctx: Ctx) => Promise<ContractRequest> | ContractRequest;
  status: number;
  /** For an error: the problem code the body must carry. */
  problem?: ErrorCode;
  /**
   * Whether the document accepts the request. Default true: a request the server takes, or
   * refuses for a reason of state (not found, no funds), must be one the document allows;
   * a request the server refuses as malformed must be one the document refuses too.
   */
  requestValid?: boolean;
  /** Reads what later rows need from the response body. */
  keep?: (body: unknown, ctx: Ctx) => void;
}

export interface ContractResult {
  response: Response;
  body: unknown;
  verdict: ContractVerdict;
}

async function headersFor(request: ContractRequest): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  if (request.body !== undefined || request.rawBody !== undefined) {
    headers["content-type"] = "application/json";
  }
  if (request.as === "admin") headers.authorization = ADMIN_HEADERS.authorization;
  if (typeof request.as === "object") {
    headers.authorization = `Bearer ${await userJwt(request.as.user, request.as.device)}`;
  }
  return { ...headers, ...request.headers };
}

function parseBody(text: string, contentType: string | null): unknown {
  if (text === "") return undefined;
  if (/json/i.test(contentType ?? "")) return JSON.parse(text);
  return text;
}

/**
 * Sends the request to the real api worker and checks both sides against the document.
 *
 * @example
 * const { response, verdict } = await exchange(validator, {
 *   method: "GET", path: "/v1/me/wallet", as: { user: "u-1" },
 * });
 * expect(verdict.responseErrors).toEqual([]);
 */
export async function exchange(
  validator: ContractValidator,
  request: ContractRequest,
): Promise<ContractResult> {
  const headers = await headersFor(request);
  const sentBody =
    request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
  const init: RequestInit = { method: request.method, headers, body: sentBody };
  const response = request.env
    ? await createApp().fetch(new Request(`https://api.test${request.path}`, init), {
        ...env,
        ...request.env,
      })
    : await api(request.path, init);
  const contentType = response.headers.get("content-type");
  const text = await response.text();
  const body = parseBody(text, contentType);
  let requestBody: unknown = request.body;
  if (request.rawBody !== undefined) {
    try {
      requestBody = JSON.parse(request.rawBody);
    } catch {
      requestBody = request.rawBody;
    }
  }
  const seen: Exchange = {
    method: request.method,
    url: request.path,
    requestHeaders: headers,
    requestBody,
    status: response.status,
    contentType,
    responseBody: body,
  };
  return { response, body, verdict: validator.verdict(seen) };
}
