import { afterEach, describe, expect, it, test, vi } from "vitest";
import { admitadAdapter } from "../admitad/index";
import { cjAdapter } from "../cj/index";
import { FEED_LIMITS, fetchGenericOfferFeed } from "../feeds/generic-feed";
import { genericAdapter } from "../generic";
import { impactAdapter } from "../impact/index";
import { settingsFor } from "../testing/fixtures";
import type { NetworkAdapter, ReportFetch } from "../types";
import { ReportError } from "./report-error";
import {
  fetchJsonDocument,
  type JsonDocument,
  MAX_REPORT_BODY_BYTES,
  REPORT_TIMEOUT_MS,
} from "./report-http";

const DOC: JsonDocument = {
  network: "the network",
  kind: "report",
  body: "report page",
  maxBytes: 64,
  timeoutMs: 50,
};
const never = new Promise<Response>(() => {});
const request = () => new Request("https://net.example/report");

/** An endless body of `chunkBytes` chunks that counts what was pulled from it. */
function endlessBody(chunkBytes: number) {
  let pulled = 0;
  const chunk = new Uint8Array(chunkBytes).fill(0x20);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += chunk.byteLength;
      controller.enqueue(chunk.slice());
    },
  });
  return { body, pulled: () => pulled };
}

/** A body that sends `head` and then hangs. */
function stalledBody(head: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(head));
    },
  });
}

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReportError);
  const { kind, transient, status, message } = error as ReportError;
  return { kind, transient, status, message };
}

describe("fetchJsonDocument: bounded and timed", () => {
  test.each<{ label: string; fetcher: ReportFetch; expected: Record<string, unknown> }>([
    {
      label: "a body one byte over the bound is malformed",
      fetcher: async () => new Response(`"${"x".repeat(63)}"`),
      expected: {
        kind: "malformed",
        transient: false,
        status: 200,
        message: "the network report page is larger than 64 bytes",
      },
    },
    {
      label: "a declared length over the bound is refused before reading",
      fetcher: async () =>
        new Response(stalledBody("["), { headers: { "content-length": "100000000" } }),
      expected: { kind: "malformed", status: 200 },
    },
    {
      label: "a body that is not UTF-8 is malformed",
      fetcher: async () => new Response(new Uint8Array([0x22, 0xff, 0x22])),
      expected: { kind: "malformed", message: "the network report page is not valid UTF-8" },
    },
    {
      label: "headers that never come are a transient timeout",
      fetcher: () => never,
      expected: {
        kind: "unavailable",
        transient: true,
        status: null,
        message: "the network report timed out after 50 ms",
      },
    },
    {
      label: "a body that stalls is a transient timeout",
      fetcher: async () => new Response(stalledBody('{"conv')),
      expected: { kind: "unavailable", transient: true, status: 200 },
    },
    {
      label: "a refusal too large to read is still a refusal",
      fetcher: async () => new Response("x".repeat(1_000), { status: 401 }),
      expected: { kind: "auth", status: 401 },
    },
    {
      label: "a 503 that stalls is still a 503",
      fetcher: async () => new Response(stalledBody("<html>"), { status: 503 }),
      expected: { kind: "unavailable", status: 503 },
    },
  ])("$label", async ({ fetcher, expected }) => {
    expect(await failure(fetchJsonDocument(fetcher, request(), DOC))).toMatchObject(expected);
  });

  it("within the bound, the JSON", async () => {
    const fetcher: ReportFetch = async () => Response.json({ a: 1 });
    expect(await fetchJsonDocument(fetcher, request(), DOC)).toEqual({ a: 1 });
  });
});

const range = { fromMs: Date.UTC(2026, 10, 1), toMs: Date.UTC(2026, 10, 2) };
const ADAPTERS: { label: string; adapter: NetworkAdapter; options: Record<string, unknown> }[] = [
  { label: "generic", adapter: genericAdapter, options: { reportUrl: "https://net.example/r" } },
  { label: "admitad", adapter: admitadAdapter, options: {} },
  { label: "impact", adapter: impactAdapter, options: { accountSid: "IRabc" } },
  { label: "cj", adapter: cjAdapter, options: { publisherId: "123" } },
];

describe("every adapter's report page is bounded at 32 MiB and timed at 30 s", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test.each(ADAPTERS)(
    "$label: an endless page stops just past 32 MiB",
    async ({ adapter, options }) => {
      const { body, pulled } = endlessBody(1024 * 1024);
      const settings = settingsFor("net", options, { reportApiToken: "token-0123456789" });
      const error = await failure(
        adapter.fetchReportPage(async () => new Response(body), settings, range, null),
      );
      expect(error).toMatchObject({ kind: "malformed", status: 200 });
      expect(error.message).toContain(`larger than ${MAX_REPORT_BODY_BYTES} bytes`);
      expect(pulled()).toBeLessThanOrEqual(MAX_REPORT_BODY_BYTES + 4 * 1024 * 1024);
    },
  );

  test.each(ADAPTERS)(
    "$label: a network that never answers times out",
    async ({ adapter, options }) => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      let signal: AbortSignal | undefined;
      const settings = settingsFor("net", options, { reportApiToken: "token-0123456789" });
      const pending = failure(
        adapter.fetchReportPage(
          (r) => {
            signal = r.signal;
            return never;
          },
          settings,
          range,
          null,
        ),
      );
      await vi.advanceTimersByTimeAsync(REPORT_TIMEOUT_MS - 1);
      expect(signal?.aborted).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await pending).toMatchObject({ kind: "unavailable", transient: true });
      expect(signal?.aborted).toBe(true);
    },
  );
});

describe("the offer feed uses the same bounded, timed read", () => {
  const settings = settingsFor("net", { feedUrl: "https://net.example/feed" });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("an endless feed stops just past its bound", async () => {
    const { body, pulled } = endlessBody(1024 * 1024);
    const error = await failure(fetchGenericOfferFeed(async () => new Response(body), settings));
    expect(error).toMatchObject({ kind: "malformed" });
    expect(error.message).toContain(`larger than ${FEED_LIMITS.maxBodyBytes} bytes`);
    expect(pulled()).toBeLessThanOrEqual(FEED_LIMITS.maxBodyBytes + 4 * 1024 * 1024);
  });

  it("a feed that stalls mid-body times out", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const pending = failure(
      fetchGenericOfferFeed(async () => new Response(stalledBody('{"merch')), settings),
    );
    await vi.advanceTimersByTimeAsync(FEED_LIMITS.timeoutMs);
    expect(await pending).toMatchObject({ kind: "unavailable", transient: true, status: 200 });
  });
});
