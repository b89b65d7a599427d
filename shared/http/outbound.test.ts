import { describe, expect, it, test } from "vitest";
import { fetchBounded, type OutboundFetch } from "./outbound";

const URL_ = "https://net.example/report";
const LIMITS = { maxBytes: 64, timeoutMs: 50 };
const never = new Promise<Response>(() => {});
const bytes = (text: string) => new TextEncoder().encode(text);

/** A body that sends `chunks` and then hangs, so only a timeout can end the read. */
function stalledBody(...chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(bytes(chunk));
    },
  });
}

/** An endless body that counts what was pulled from it, so a test can see the read stop. */
function endlessBody(chunkBytes: number): {
  body: ReadableStream<Uint8Array>;
  pulled: () => number;
} {
  let pulled = 0;
  const chunk = new Uint8Array(chunkBytes).fill(0x7a);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += chunk.byteLength;
      controller.enqueue(chunk.slice());
    },
  });
  return { body, pulled: () => pulled };
}

describe("fetchBounded", () => {
  test.each<{ label: string; fetcher: OutboundFetch; expected: unknown }>([
    {
      label: "an answer within the bound",
      fetcher: async () => new Response('{"ok":true}', { status: 200 }),
      expected: { ok: true, status: 200, text: '{"ok":true}' },
    },
    {
      label: "an error status is still an answer",
      fetcher: async () => new Response("down", { status: 503 }),
      expected: { ok: true, status: 503, text: "down" },
    },
    {
      label: "exactly at the bound",
      fetcher: async () => new Response("y".repeat(64)),
      expected: { ok: true, status: 200, text: "y".repeat(64) },
    },
    {
      label: "one byte over the bound",
      fetcher: async () => new Response("y".repeat(65), { status: 401 }),
      expected: { ok: false, failure: "too_large", status: 401 },
    },
    {
      label: "a declared length over the bound",
      fetcher: async () =>
        new Response(stalledBody("{"), { headers: { "content-length": "1000000" } }),
      expected: { ok: false, failure: "too_large", status: 200 },
    },
    {
      label: "not UTF-8",
      fetcher: async () => new Response(new Uint8Array([0xff, 0xfe])),
      expected: { ok: false, failure: "not_utf8", status: 200 },
    },
    {
      label: "headers that never come",
      fetcher: () => never,
      expected: { ok: false, failure: "timeout", status: null },
    },
    {
      label: "a body that stalls keeps the status",
      fetcher: async () => new Response(stalledBody('{"par'), { status: 200 }),
      expected: { ok: false, failure: "timeout", status: 200 },
    },
  ])("$label", async ({ fetcher, expected }) => {
    expect(await fetchBounded(fetcher, new Request(URL_), LIMITS)).toEqual(expected);
  });

  it("a fetch that throws keeps the error", async () => {
    const error = new TypeError("connection reset");
    const answer = await fetchBounded(
      async () => {
        throw error;
      },
      new Request(URL_),
      LIMITS,
    );
    expect(answer).toEqual({ ok: false, failure: "request_failed", status: null, error });
  });

  it("a body that errors mid-read is read_failed with its status", async () => {
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new TypeError("stream reset"));
      },
    });
    const answer = await fetchBounded(
      async () => new Response(body, { status: 200 }),
      new Request(URL_),
      LIMITS,
    );
    expect(answer).toMatchObject({ ok: false, failure: "read_failed", status: 200 });
  });

  it("stops pulling an endless body just past the bound", async () => {
    const { body, pulled } = endlessBody(16);
    const answer = await fetchBounded(async () => new Response(body), new Request(URL_), LIMITS);
    expect(answer).toEqual({ ok: false, failure: "too_large", status: 200 });
    // The read stopped at the first chunk past 64 bytes (plus what the stream queued ahead).
    expect(pulled()).toBeLessThanOrEqual(64 + 3 * 16);
  });

  it("aborts the request it gave up on", async () => {
    let signal: AbortSignal | undefined;
    await fetchBounded(
      (request) => {
        signal = request.signal;
        return never;
      },
      new Request(URL_),
      LIMITS,
    );
    expect(signal?.aborted).toBe(true);
  });

  it("passes the caller's own abort on", async () => {
    const caller = new AbortController();
    let signal: AbortSignal | undefined;
    const pending = fetchBounded(
      (request) => {
        signal = request.signal;
        return never;
      },
      new Request(URL_, { signal: caller.signal }),
      LIMITS,
    );
    caller.abort();
    expect(signal?.aborted).toBe(true);
    // This fetcher ignores the abort: the timeout still ends the wait.
    expect(await pending).toEqual({ ok: false, failure: "timeout", status: null });
  });

  it("sends the method, headers and body it was given", async () => {
    let seen: { method: string; auth: string | null; body: string } | undefined;
    await fetchBounded(
      async (request) => {
        seen = {
          method: request.method,
          auth: request.headers.get("authorization"),
          body: await request.text(),
        };
        return new Response("{}");
      },
      new Request(URL_, { method: "POST", headers: { authorization: "Bearer t" }, body: "q" }),
      LIMITS,
    );
    expect(seen).toEqual({ method: "POST", auth: "Bearer t", body: "q" });
  });
});
