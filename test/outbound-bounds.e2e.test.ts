import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ReportError } from "#shared/networks/core/report-error";
import { MAX_REPORT_BODY_BYTES, REPORT_TIMEOUT_MS } from "#shared/networks/core/report-http";
import { FEED_LIMITS } from "#shared/networks/feeds/generic-feed";
import { genericAdapter } from "#shared/networks/generic";
import type { ReportFetch } from "#shared/networks/types";
import { reconcileNetwork } from "#workers/api/src/features/reconciliation/index";
import { syncNetwork } from "#workers/api/src/features/sync/index";
import { ADMIN_HEADERS, adminPut, api } from "./helpers";

/**
 * Outbound calls to a network are bounded and timed (issue 9, item 6), and what that produces
 * is a failure the callers already handle: merchant sync counts it against the network's
 * circuit breaker, reconciliation records a failed run. The 30 s timeouts are passed with fake
 * timers (only setTimeout is faked; D1 and KV run for real).
 */

const MIN = 60_000;
const SECRET = "outbound-network-postback-secret-0123456789";

/** An endless body that counts what was pulled from it. */
function endlessBody() {
  let pulled = 0;
  const chunk = new Uint8Array(1024 * 1024).fill(0x20);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += chunk.byteLength;
      controller.enqueue(chunk.slice());
    },
  });
  return { body, pulled: () => pulled };
}

/** A fetcher whose answer never comes, and a promise that resolves once it was called. */
function hangingFetcher(stage: "headers" | "body"): {
  fetcher: ReportFetch;
  called: Promise<void>;
} {
  let markCalled = () => {};
  const called = new Promise<void>((resolve) => {
    markCalled = resolve;
  });
  const fetcher: ReportFetch = () => {
    markCalled();
    if (stage === "headers") return new Promise<Response>(() => {});
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"merchants":['));
      },
    });
    return Promise.resolve(new Response(stalled));
  };
  return { fetcher, called };
}

async function putNetwork(id: string, options: Record<string, unknown>) {
  const response = await adminPut(`/admin/v1/networks/${id}`, {
    name: `Outbound ${id}`,
    trackingTemplate: "https://outbound.test/t?sub={subid}&url={landing_url}",
    postbackSecret: SECRET,
    options,
  });
  expect(response.status).toBe(200);
}

afterEach(() => {
  vi.useRealTimers();
});

describe("merchant sync: an oversized or silent feed counts against the breaker", () => {
  const NET = "outbound-feed-net";
  const T0 = Date.now();

  it("an endless feed, a feed that never answers and one that stalls mid-body open the breaker", async () => {
    await putNetwork(NET, { feedUrl: "https://outbound.test/feed" });

    const endless = endlessBody();
    const first = await syncNetwork(env, NET, {
      fetcher: async () => new Response(endless.body),
      nowMs: T0,
      trigger: "cron",
    });
    expect(first.kind === "ran" && first.run).toMatchObject({
      status: "failed",
      breakerState: "closed",
    });
    expect(first.kind === "ran" && first.run.error).toContain(
      `larger than ${FEED_LIMITS.maxBodyBytes} bytes`,
    );
    // The read stopped just past the bound instead of buffering the whole answer.
    expect(endless.pulled()).toBeLessThanOrEqual(FEED_LIMITS.maxBodyBytes + 4 * 1024 * 1024);

    for (const [i, stage] of (["headers", "body"] as const).entries()) {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const { fetcher, called } = hangingFetcher(stage);
      const pending = syncNetwork(env, NET, {
        fetcher,
        nowMs: T0 + (i + 1) * 60 * MIN,
        trigger: "cron",
      });
      await called;
      await vi.advanceTimersByTimeAsync(FEED_LIMITS.timeoutMs);
      vi.useRealTimers();
      const outcome = await pending;
      expect(outcome.kind === "ran" && outcome.run).toMatchObject({
        status: "failed",
        breakerState: i === 0 ? "closed" : "open",
      });
      expect(outcome.kind === "ran" && outcome.run.error).toContain(
        `timed out after ${FEED_LIMITS.timeoutMs} ms`,
      );
    }

    const health = await api(`/admin/v1/networks/${NET}/health`, { headers: ADMIN_HEADERS });
    expect(await health.json()).toMatchObject({ state: "open", consecutiveFailures: 3 });
  });
});

describe("reconciliation: an oversized or silent report is a failed run", () => {
  const NET = "outbound-report-net";
  const settings = {
    networkId: NET,
    postbackSecret: SECRET,
    options: { reportUrl: "https://outbound.test/report" },
  };

  async function latestRun() {
    const response = await api(`/admin/v1/reconciliation/runs?networkId=${NET}&limit=1`, {
      headers: ADMIN_HEADERS,
    });
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as {
      items: Array<{ status: string; error: string | null }>;
    };
    return items[0];
  }

  it("a report page past 32 MiB fails the run, and the read stops at the bound", async () => {
    await putNetwork(NET, settings.options);
    const endless = endlessBody();
    const error = await reconcileNetwork(env, {
      adapter: genericAdapter,
      settings,
      fetcher: async () => new Response(endless.body),
      fromMs: Date.now() - 60 * MIN,
      toMs: Date.now(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReportError);
    expect(error).toMatchObject({ kind: "malformed" });
    expect(endless.pulled()).toBeLessThanOrEqual(MAX_REPORT_BODY_BYTES + 4 * 1024 * 1024);
    expect(await latestRun()).toMatchObject({
      status: "failed",
      error: expect.stringContaining(`larger than ${MAX_REPORT_BODY_BYTES} bytes`),
    });
  });

  it("a report that never answers times out after 30 s and fails the run as transient", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { fetcher, called } = hangingFetcher("headers");
    const pending = reconcileNetwork(env, {
      adapter: genericAdapter,
      settings,
      fetcher,
      fromMs: Date.now() - 60 * MIN,
      toMs: Date.now(),
    }).catch((e: unknown) => e);
    await called;
    await vi.advanceTimersByTimeAsync(REPORT_TIMEOUT_MS);
    vi.useRealTimers();
    expect(await pending).toMatchObject({ kind: "unavailable", transient: true });
    expect(await latestRun()).toMatchObject({
      status: "failed",
      error: expect.stringContaining(`timed out after ${REPORT_TIMEOUT_MS} ms`),
    });
  });
});
