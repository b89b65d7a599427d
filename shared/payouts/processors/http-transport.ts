import { assertNever } from "../../assert";
import { readBoundedText } from "../../http/bounded-body";
import { fetchBounded, type OutboundLimits } from "../../http/outbound";
import type { ProcessorFetcher } from "../processor";

/**
 * The HTTP plumbing every processor adapter needs, whatever the processor's wire: one request
 * with a timeout over headers and body, a bounded UTF-8 read of the answer, and the cleaning
 * of whatever text comes back before it is stored or shown to an operator. The sandbox
 * adapter (sandbox.ts) uses it; a real processor's adapter should too, so its results never
 * carry an unbounded body, a stalled connection or an echoed account number.
 */

/** One request's answer, or why there is none (a throw, a timeout, an oversized body). */
export type Exchange = { ok: true; status: number; text: string } | { ok: false; reason: string };

/** Headers and body together within `timeoutMs`; answers past `maxBytes` refused. */
export type ExchangeOptions = OutboundLimits;

/**
 * Sends one request through `fetchBounded` (shared/http/outbound.ts) and words its failure
 * for a processor's results. The timeout holds even when the fetcher ignores the abort signal.
 *
 * @example
 * const answer = await exchange(fetcher, `${base}/v1/payouts/${id}`, { method: "GET" },
 *   { maxBytes: 64 * 1024, timeoutMs: 10_000 });
 * if (!answer.ok) return { kind: "unavailable", reason: answer.reason };
 */
export async function exchange(
  fetcher: ProcessorFetcher,
  url: string,
  init: RequestInit,
  limits: ExchangeOptions,
): Promise<Exchange> {
  let request: Request;
  try {
    request = new Request(url, init);
  } catch (error) {
    return { ok: false, reason: `the request failed: ${describeError(error)}` };
  }
  const answer = await fetchBounded(fetcher, request, limits);
  if (answer.ok) return answer;
  switch (answer.failure) {
    case "timeout":
      return { ok: false, reason: `timed out after ${limits.timeoutMs} ms` };
    case "request_failed":
    case "read_failed":
      return { ok: false, reason: `the request failed: ${describeError(answer.error)}` };
    case "too_large":
    case "not_utf8":
      return {
        ok: false,
        reason: `the processor's ${answer.status} answer: ${boundedReadReason(answer.failure, limits.maxBytes)}`,
      };
    default:
      return assertNever(answer, "outbound failure");
  }
}

/**
 * A body as UTF-8 up to `maxBytes`, with the reason worded for an adapter's results. An
 * incoming webhook's oversized body is read out by default (the sender's connection stays
 * usable, see shared/http/drain-body.ts); pass "cancel" for an answer we fetched.
 */
export async function readBoundedBody(
  headers: Headers,
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  excess: "drain" | "cancel" = "drain",
): Promise<{ ok: true; text: string } | { ok: false; reason: string }> {
  const read = await readBoundedText(headers, body, maxBytes, excess);
  if (read.ok) return read;
  return { ok: false, reason: boundedReadReason(read.reason, maxBytes) };
}

function boundedReadReason(reason: "too_large" | "not_utf8", maxBytes: number): string {
  return reason === "too_large" ? `body larger than ${maxBytes} bytes` : "body is not valid UTF-8";
}

/** What an unexpected HTTP status means for the caller, worded for an operator. */
export function unexpectedStatus(status: number): string {
  if (status === 401 || status === 403) return `the processor refused the API key (${status})`;
  if (status === 429) return "the processor is rate limiting (429); retry later";
  if (status >= 500) return `the processor answered ${status}; retry later`;
  return `the processor answered an unexpected ${status}`;
}

/** JSON, or undefined for anything that is not. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The `message` of a processor's error body, cleaned; a placeholder when there is none. */
export function errorMessageOf(text: string): string {
  const body = parseJson(text);
  if (typeof body === "object" && body !== null && "message" in body) {
    const message = (body as { message: unknown }).message;
    if (typeof message === "string") return sanitizeProcessorText(message);
  }
  return "no reason given";
}

/** How much of a processor's text is kept. */
export const MAX_PROCESSOR_TEXT_CHARS = 200;

/**
 * Processor text is stored and shown to operators: bounded, one line, and long digit runs
 * (account-number-like) masked in case a processor echoes a destination back.
 */
export function sanitizeProcessorText(text: string): string {
  let clean = "";
  for (const char of text.slice(0, MAX_PROCESSOR_TEXT_CHARS)) {
    const code = char.charCodeAt(0);
    clean += code < 0x20 || code === 0x7f ? " " : char;
  }
  return clean.replace(/\d{9,}/g, "[redacted]");
}

/** A thrown error as cleaned text: its class and message, never its stack. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return sanitizeProcessorText(`${error.name}: ${error.message}`);
  return "unknown error";
}
