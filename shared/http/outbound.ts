import { readBoundedText } from "./bounded-body";

/**
 * One outbound request, bounded: a timeout over headers and body together, and an answer read
 * as a stream that stops (and is cancelled) past `maxBytes`, so a slow or huge answer from a
 * network, a feed or a payout processor can neither hold a worker nor fill its memory. The
 * processor adapters (shared/payouts/processors/http-transport.ts) and the network report and
 * feed fetchers (shared/networks/core/report-http.ts) both send through here and word the
 * failure for their own callers.
 */

/** How a worker sends: `fetch` in production, a Durable Object stub or a fake in tests. */
export type OutboundFetch = (request: Request) => Promise<Response>;

export interface OutboundLimits {
  /** Answers larger than this are refused, never buffered. */
  maxBytes: number;
  /** Headers and body together. */
  timeoutMs: number;
}

/**
 * The answer, or why there is none. A failure after the status arrived keeps it, so a caller
 * can still tell a refused request (401 with a huge page) from an unreadable answer.
 */
export type OutboundAnswer =
  | { ok: true; status: number; text: string }
  | { ok: false; failure: "timeout"; status: number | null }
  | { ok: false; failure: "request_failed"; status: null; error: unknown }
  | { ok: false; failure: "too_large" | "not_utf8"; status: number }
  | { ok: false; failure: "read_failed"; status: number; error: unknown };

/**
 * Sends `request` with a timeout and reads its answer as UTF-8 within `maxBytes`. The timeout
 * holds even when the fetcher ignores the abort signal (a fake, a stub); the request is
 * aborted when it fires. An abort of the request's own signal is passed on.
 *
 * @example
 * const answer = await fetchBounded((r) => fetch(r), new Request(url, { headers }),
 *   { maxBytes: 32 * 1024 * 1024, timeoutMs: 30_000 });
 * if (!answer.ok && answer.failure === "timeout") throw new Error(`no answer in 30 s`);
 */
export async function fetchBounded(
  fetcher: OutboundFetch,
  request: Request,
  { maxBytes, timeoutMs }: OutboundLimits,
): Promise<OutboundAnswer> {
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(request.signal.reason);
  if (request.signal.aborted) onCallerAbort();
  else request.signal.addEventListener("abort", onCallerAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve("timeout");
    }, timeoutMs);
  });
  let status: number | null = null;
  try {
    let response: Response | "timeout";
    try {
      response = await Promise.race([
        fetcher(new Request(request, { signal: controller.signal })),
        timedOut,
      ]);
    } catch (error) {
      return { ok: false, failure: "request_failed", status: null, error };
    }
    if (response === "timeout") return { ok: false, failure: "timeout", status: null };
    status = response.status;
    // An answer has no connection of ours to keep alive: an oversized one is cancelled at once.
    const body = await Promise.race([
      readBoundedText(response.headers, response.body, maxBytes, "cancel"),
      timedOut,
    ]);
    if (body === "timeout") return { ok: false, failure: "timeout", status };
    if (!body.ok) return { ok: false, failure: body.reason, status };
    return { ok: true, status, text: body.text };
  } catch (error) {
    return { ok: false, failure: "read_failed", status: status ?? 0, error };
  } finally {
    clearTimeout(timer);
    request.signal.removeEventListener("abort", onCallerAbort);
  }
}
