import { describe, expect, it, test } from "vitest";
import type { ProcessorFetcher } from "../processor";
import {
  describeError,
  errorMessageOf,
  exchange,
  readBoundedBody,
  sanitizeProcessorText,
  unexpectedStatus,
} from "./http-transport";

const URL_ = "https://processor.test/v1/payouts/po_1";
const LIMITS = { maxBytes: 64, timeoutMs: 50 };

const never = new Promise<Response>(() => {});

/** A body that sends `chunks` and then hangs, so only a timeout can end the read. */
function stalledBody(...chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
    },
  });
}

describe("exchange", () => {
  test.each<{ label: string; fetcher: ProcessorFetcher; expected: unknown }>([
    {
      label: "an answer within the bound",
      fetcher: async () => new Response('{"ok":true}', { status: 201 }),
      expected: { ok: true, status: 201, text: '{"ok":true}' },
    },
    {
      label: "an error status is still an answer",
      fetcher: async () => new Response("down", { status: 503 }),
      expected: { ok: true, status: 503, text: "down" },
    },
    {
      label: "an oversized answer",
      fetcher: async () => new Response("x".repeat(65), { status: 200 }),
      expected: { ok: false, reason: "the processor's 200 answer: body larger than 64 bytes" },
    },
    {
      label: "an answer that is not UTF-8",
      fetcher: async () => new Response(new Uint8Array([0xff, 0xfe]), { status: 200 }),
      expected: { ok: false, reason: "the processor's 200 answer: body is not valid UTF-8" },
    },
    {
      label: "headers that never come",
      fetcher: () => never,
      expected: { ok: false, reason: "timed out after 50 ms" },
    },
    {
      label: "a body that stalls",
      fetcher: async () => new Response(stalledBody('{"par'), { status: 200 }),
      expected: { ok: false, reason: "timed out after 50 ms" },
    },
    {
      label: "a fetch that throws, its message cleaned",
      fetcher: async () => {
        throw new TypeError("connect failed for account 123456789012\nretry");
      },
      expected: {
        ok: false,
        reason: "the request failed: TypeError: connect failed for account [redacted] retry",
      },
    },
  ])("$label", async ({ fetcher, expected }) => {
    expect(await exchange(fetcher, URL_, { method: "GET" }, LIMITS)).toEqual(expected);
  });

  it("aborts the request it gave up on", async () => {
    let signal: AbortSignal | undefined;
    await exchange(
      (request) => {
        signal = request.signal;
        return never;
      },
      URL_,
      { method: "GET" },
      LIMITS,
    );
    expect(signal?.aborted).toBe(true);
  });
});

describe("readBoundedBody", () => {
  test.each([
    { label: "empty", body: null, expected: { ok: true, text: "" } },
    { label: "at the bound", body: "y".repeat(64), expected: { ok: true, text: "y".repeat(64) } },
    {
      label: "over the bound",
      body: "y".repeat(65),
      expected: { ok: false, reason: "body larger than 64 bytes" },
    },
  ])("$label", async ({ body, expected }) => {
    const response = new Response(body);
    expect(await readBoundedBody(response.headers, response.body, 64)).toEqual(expected);
  });
});

describe("unexpectedStatus", () => {
  test.each([
    { status: 401, reason: "the processor refused the API key (401)" },
    { status: 403, reason: "the processor refused the API key (403)" },
    { status: 429, reason: "the processor is rate limiting (429); retry later" },
    { status: 500, reason: "the processor answered 500; retry later" },
    { status: 503, reason: "the processor answered 503; retry later" },
    { status: 302, reason: "the processor answered an unexpected 302" },
    { status: 404, reason: "the processor answered an unexpected 404" },
  ])("$status", ({ status, reason }) => {
    expect(unexpectedStatus(status)).toBe(reason);
  });
});

describe("sanitizeProcessorText", () => {
  test.each([
    { label: "plain text", text: "insufficient funds", clean: "insufficient funds" },
    { label: "control characters become spaces", text: "a\nb\tc\u007fd", clean: "a b c d" },
    {
      label: "an account-like digit run",
      text: "acct 123456789 bad",
      clean: "acct [redacted] bad",
    },
    { label: "a short digit run stays", text: "code 12345678", clean: "code 12345678" },
    { label: "bounded to 200 characters", text: "z".repeat(500), clean: "z".repeat(200) },
  ])("$label", ({ text, clean }) => {
    expect(sanitizeProcessorText(text)).toBe(clean);
  });
});

describe("errorMessageOf and describeError", () => {
  test.each([
    {
      label: "a message",
      text: '{"message":"no such\\nIFSC 123456789012"}',
      message: "no such IFSC [redacted]",
    },
    { label: "no message", text: '{"code":"x"}', message: "no reason given" },
    { label: "a message that is not text", text: '{"message":42}', message: "no reason given" },
    { label: "not JSON", text: "<html>", message: "no reason given" },
  ])("$label", ({ text, message }) => {
    expect(errorMessageOf(text)).toBe(message);
  });

  it("keeps an error's class and message, never its stack", () => {
    expect(describeError(new RangeError("bad"))).toBe("RangeError: bad");
    expect(describeError("a string")).toBe("unknown error");
  });
});
