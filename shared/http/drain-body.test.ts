import { describe, expect, it, test } from "vitest";
import { readBoundedText } from "./bounded-body";
import {
  DRAIN_LIMIT_BYTES,
  declaredLength,
  discardUnreadBody,
  drainingUnreadBody,
  drainPlan,
} from "./drain-body";

/** A body that records how much was read and whether it was cancelled. */
function trackedBody(totalBytes: number, chunkBytes = 1024) {
  const seen = { readBytes: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (seen.readBytes >= totalBytes) return controller.close();
      const size = Math.min(chunkBytes, totalBytes - seen.readBytes);
      seen.readBytes += size;
      controller.enqueue(new Uint8Array(size).fill(0x61));
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { stream, seen };
}

function headersWithLength(bytes: number | null): Headers {
  return new Headers(bytes === null ? {} : { "content-length": String(bytes) });
}

describe("drainPlan", () => {
  test.each([
    { label: "no body", hasBody: false, locked: false, declaredBytes: null, plan: "none" },
    { label: "a reader holds it", hasBody: true, locked: true, declaredBytes: 10, plan: "none" },
    {
      label: "small, declared",
      hasBody: true,
      locked: false,
      declaredBytes: 17_408,
      plan: "drain",
    },
    {
      label: "chunked (no length)",
      hasBody: true,
      locked: false,
      declaredBytes: null,
      plan: "drain",
    },
    {
      label: "exactly the limit",
      hasBody: true,
      locked: false,
      declaredBytes: DRAIN_LIMIT_BYTES,
      plan: "drain",
    },
    {
      label: "one byte over",
      hasBody: true,
      locked: false,
      declaredBytes: DRAIN_LIMIT_BYTES + 1,
      plan: "cancel",
    },
  ] as const)("$label → $plan", ({ hasBody, locked, declaredBytes, plan }) => {
    expect(drainPlan({ hasBody, locked, declaredBytes })).toBe(plan);
  });
});

describe("declaredLength", () => {
  test.each([
    { label: "absent", raw: null, bytes: null },
    { label: "zero", raw: "0", bytes: 0 },
    { label: "a number", raw: "17408", bytes: 17_408 },
    { label: "negative", raw: "-1", bytes: null },
    { label: "not a number", raw: "lots", bytes: null },
    { label: "absurdly long", raw: "9".repeat(20), bytes: null },
  ])("$label → $bytes", ({ raw, bytes }) => {
    // Headers refuse some of these values, so the test reads through a stand-in.
    const headers = { get: (name: string) => (name === "content-length" ? raw : null) };
    expect(declaredLength(headers as Headers)).toBe(bytes);
  });
});

describe("readBoundedText", () => {
  test.each([
    {
      label: "within the bound",
      bytes: 100,
      declared: true,
      excess: "drain",
      ok: true,
      readAll: true,
      cancelled: false,
    },
    {
      label: "declared over, drained",
      bytes: 2_000,
      declared: true,
      excess: "drain",
      ok: false,
      readAll: true,
      cancelled: false,
    },
    {
      label: "streamed over, drained",
      bytes: 2_000,
      declared: false,
      excess: "drain",
      ok: false,
      readAll: true,
      cancelled: false,
    },
    {
      label: "declared over, cancelled",
      bytes: 2_000,
      declared: true,
      excess: "cancel",
      ok: false,
      readAll: false,
      cancelled: true,
    },
    {
      label: "streamed over, cancelled",
      bytes: 2_000,
      declared: false,
      excess: "cancel",
      ok: false,
      readAll: false,
      cancelled: true,
    },
  ] as const)("$label", async ({ bytes, declared, excess, ok, readAll, cancelled }) => {
    const { stream, seen } = trackedBody(bytes, 256);
    const read = await readBoundedText(
      headersWithLength(declared ? bytes : null),
      stream,
      1_000,
      excess,
    );
    expect(read.ok).toBe(ok);
    if (!read.ok) expect(read.reason).toBe("too_large");
    expect(seen.readBytes === bytes).toBe(readAll);
    expect(seen.cancelled).toBe(cancelled);
  });

  it("cancels a declared body over the drain limit without reading it", async () => {
    const { stream, seen } = trackedBody(DRAIN_LIMIT_BYTES + 1);
    const read = await readBoundedText(headersWithLength(DRAIN_LIMIT_BYTES + 1), stream, 1_000);
    expect(read).toEqual({ ok: false, reason: "too_large" });
    // A stream pulls its first chunk on its own; nothing past that is read.
    expect(seen.cancelled).toBe(true);
    expect(seen.readBytes).toBeLessThanOrEqual(1024);
  });

  it("stops draining a streamed body at the drain limit", async () => {
    const { stream, seen } = trackedBody(3 * DRAIN_LIMIT_BYTES, 64 * 1024);
    const read = await readBoundedText(headersWithLength(null), stream, 1_000);
    expect(read).toEqual({ ok: false, reason: "too_large" });
    expect(seen.cancelled).toBe(true);
    expect(seen.readBytes).toBeLessThanOrEqual(DRAIN_LIMIT_BYTES + 64 * 1024);
  });
});

describe("drainingUnreadBody", () => {
  it("reads out a body the handler did not read, before answering", async () => {
    const { stream, seen } = trackedBody(5_000);
    const handler = drainingUnreadBody(() => new Response("no", { status: 401 }));
    const response = await handler(
      new Request("https://x.test/", { method: "POST", body: stream }),
      {},
    );
    expect(response.status).toBe(401);
    expect(seen).toEqual({ readBytes: 5_000, cancelled: false });
  });

  it("leaves a body the handler read alone", async () => {
    const handler = drainingUnreadBody(
      async (request: Request) => new Response(await request.text()),
    );
    const response = await handler(
      new Request("https://x.test/", { method: "POST", body: "hello" }),
      {},
    );
    expect(await response.text()).toBe("hello");
  });

  it("reads out the body even when the handler throws", async () => {
    const { stream, seen } = trackedBody(3_000);
    const handler = drainingUnreadBody((): Response => {
      throw new Error("boom");
    });
    await expect(
      handler(new Request("https://x.test/", { method: "POST", body: stream }), {}),
    ).rejects.toThrow("boom");
    expect(seen.readBytes).toBe(3_000);
  });

  it("passes a request without a body straight through (the redirect's hot path)", () => {
    const answer = new Response(null, { status: 302 });
    const handler = drainingUnreadBody(() => answer);
    expect(handler(new Request("https://x.test/c/token"), {})).toBe(answer);
  });

  it("discardUnreadBody does nothing to a used body", async () => {
    const request = new Request("https://x.test/", { method: "POST", body: "read me" });
    await request.text();
    await expect(discardUnreadBody(request)).resolves.toBeUndefined();
  });
});
