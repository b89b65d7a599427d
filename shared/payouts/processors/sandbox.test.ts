import { describe, expect, test } from "vitest";
import { signSandboxWebhook } from "#dev/sandbox-processor/engine/index";
import {
  BANK_OK,
  PROCESSOR_TEST_API_KEY,
  PROCESSOR_TEST_BASE_URL,
  PROCESSOR_TEST_WEBHOOK_SECRET,
  PROCESSOR_TEST_WEBHOOK_URL,
  type ProcessorHarness,
  PROCESSOR_T0 as T0,
  testProcessor,
  UPI_OK,
} from "#dev/sandbox-processor/engine/testing";
import type { PayoutProcessor, PayoutRequest, ProcessorFetcher } from "../processor";
import { createSandboxProcessor, SANDBOX_WEBHOOK_MAX_BYTES } from "./sandbox";

/** The sandbox adapter against the sandbox engine (its `handle` is the fetcher). */

function setup(options: Parameters<typeof testProcessor>[0] = {}) {
  const harness = testProcessor(options);
  const processor = adapter((request) => harness.engine.handle(request));
  return { ...harness, harness, processor };
}

function adapter(fetcher: ProcessorFetcher, extra: { timeoutMs?: number } = {}): PayoutProcessor {
  return createSandboxProcessor({
    baseUrl: `${PROCESSOR_TEST_BASE_URL}/`,
    apiKey: PROCESSOR_TEST_API_KEY,
    webhookSecret: PROCESSOR_TEST_WEBHOOK_SECRET,
    fetcher,
    ...extra,
  });
}

function payoutRequest(overrides: Partial<PayoutRequest> = {}): PayoutRequest {
  return {
    payoutId: "po_1",
    userId: "user-1",
    amountMinor: 50_000,
    currency: "INR",
    destination: BANK_OK,
    ...overrides,
  };
}

/** The webhooks the engine delivered, as fresh requests the adapter can read. */
async function deliveredWebhooks(harness: ProcessorHarness): Promise<Request[]> {
  await harness.engine.deliverWebhooks({ force: true });
  return harness.received.map((r) => r.clone());
}

async function signedWebhook(body: string, timestampSec = Math.floor(T0 / 1000)): Promise<Request> {
  return new Request(PROCESSOR_TEST_WEBHOOK_URL, {
    method: "POST",
    headers: {
      "x-sandbox-signature": await signSandboxWebhook(
        PROCESSOR_TEST_WEBHOOK_SECRET,
        body,
        timestampSec,
      ),
    },
    body,
  });
}

const SECRETS = [PROCESSOR_TEST_API_KEY, PROCESSOR_TEST_WEBHOOK_SECRET, BANK_OK.accountNumber];
function expectNoSecrets(value: unknown): void {
  const text = JSON.stringify(value);
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe("create", () => {
  test("a new payout is accepted; a replay is accepted with the same reference", async () => {
    const { processor, engine } = setup({ processingDelayMs: 60_000 });
    const first = await processor.create(payoutRequest());
    expect(first).toEqual({
      kind: "accepted",
      payout: {
        payoutId: "po_1",
        processorRef: engine.payout("po_1")?.reference,
        status: "accepted",
        amountMinor: 50_000,
        currency: "INR",
        failureCode: null,
        updatedAtMs: T0,
      },
    });
    expect(await processor.create(payoutRequest())).toEqual(first);
    expect(engine.payouts()).toHaveLength(1);
  });

  test("a destination refused at submission is rejected with the processor's code", async () => {
    const { processor, engine } = setup();
    const result = await processor.create(
      payoutRequest({ destination: { ...BANK_OK, ifsc: "SBIN0000000" } }),
    );
    expect(result).toEqual({
      kind: "rejected",
      failureCode: "ifsc_invalid",
      message: "the IFSC does not identify a bank branch",
    });
    expect(engine.payouts()).toEqual([]);
  });

  test("a request the processor calls invalid (400) is rejected as invalid_request", async () => {
    const { processor } = setup();
    const result = await processor.create(payoutRequest({ currency: "inr" }));
    expect(result).toMatchObject({ kind: "rejected", failureCode: "invalid_request" });
  });

  test("another payout under the same id (409) is unavailable, not accepted", async () => {
    const { processor } = setup();
    await processor.create(payoutRequest());
    const result = await processor.create(payoutRequest({ amountMinor: 1 }));
    expect(result).toEqual({
      kind: "unavailable",
      reason: "idempotency conflict: the processor holds a different payout under this id",
    });
  });

  test("a processor that is down is unavailable, and nothing was created", async () => {
    const { processor, engine } = setup();
    engine.setFaults({ down: { times: 1 } });
    expect(await processor.create(payoutRequest())).toEqual({
      kind: "unavailable",
      reason: "the processor answered 503; retry later",
    });
    expect(engine.payouts()).toEqual([]);
  });

  test("a lost response is unavailable; the lookup then finds the payout", async () => {
    const { processor, engine } = setup({ processingDelayMs: 60_000 });
    engine.setFaults({ lostResponses: 1 });
    expect(await processor.create(payoutRequest())).toMatchObject({ kind: "unavailable" });
    expect(await processor.lookup("po_1")).toMatchObject({
      kind: "found",
      payout: { payoutId: "po_1", status: "accepted" },
    });
  });

  test.each<[string, ProcessorFetcher, RegExp]>([
    [
      "a throw",
      async () => Promise.reject(new TypeError("connect ECONNREFUSED")),
      /request failed: TypeError/,
    ],
    ["a 429", async () => new Response("slow down", { status: 429 }), /rate limiting/],
    ["a wrong key (401)", async () => new Response("{}", { status: 401 }), /refused the API key/],
    [
      "a 201 that is not a payout",
      async () => Response.json({ ok: true }, { status: 201 }),
      /not a payout/,
    ],
    [
      "a 201 for another payout",
      async () =>
        Response.json(
          {
            payout_id: "po_other",
            reference: "r",
            status: "accepted",
            amount_minor: 1,
            currency: "INR",
            failure_code: null,
            created_at: "2026-11-21T08:00:00Z",
            updated_at: "2026-11-21T08:00:00Z",
          },
          { status: 201 },
        ),
      /different payout/,
    ],
    [
      "an oversized answer",
      async () => new Response("x".repeat(70_000), { status: 201 }),
      /larger than 65536 bytes/,
    ],
  ])("%s is unavailable, with a reason that carries no secret", async (_name, fetcher, reason) => {
    const result = await adapter(fetcher).create(payoutRequest());
    expect(result).toMatchObject({ kind: "unavailable", reason: expect.stringMatching(reason) });
    expectNoSecrets(result);
  });

  test("a processor that never answers times out as unavailable", async () => {
    let signal: AbortSignal | null = null;
    const hanging: ProcessorFetcher = (request) => {
      signal = request.signal;
      return new Promise(() => {});
    };
    const result = await adapter(hanging, { timeoutMs: 20 }).create(payoutRequest());
    expect(result).toEqual({ kind: "unavailable", reason: "timed out after 20 ms" });
    expect((signal as AbortSignal | null)?.aborted).toBe(true);
  });

  test("the request carries the key, the idempotency key and the user, and nothing else secret in the URL", async () => {
    const seen: Request[] = [];
    const { engine } = testProcessor();
    const processor = adapter(async (request) => {
      seen.push(request.clone());
      return engine.handle(request);
    });
    await processor.create(payoutRequest({ destination: UPI_OK }));
    const request = seen[0] as Request;
    expect(request.url).toBe(`${PROCESSOR_TEST_BASE_URL}/v1/payouts`);
    expect(request.headers.get("authorization")).toBe(`Bearer ${PROCESSOR_TEST_API_KEY}`);
    expect(request.headers.get("idempotency-key")).toBe("po_1");
    expect(await request.json()).toEqual({
      payoutId: "po_1",
      amountMinor: 50_000,
      currency: "INR",
      destination: UPI_OK,
      metadata: { userId: "user-1" },
    });
  });
});

describe("lookup", () => {
  test("found, not_found and unavailable", async () => {
    const { processor, engine } = setup();
    await processor.create(
      payoutRequest({ destination: { ...BANK_OK, accountNumber: "5555550000" } }),
    );
    expect(await processor.lookup("po_1")).toMatchObject({
      kind: "found",
      payout: { status: "failed", failureCode: "account_invalid" },
    });
    expect(await processor.lookup("po_missing")).toEqual({ kind: "not_found" });
    expect(await processor.lookup("not a valid id!")).toEqual({ kind: "not_found" });
    engine.setFaults({ down: { times: 1 } });
    expect(await processor.lookup("po_1")).toMatchObject({ kind: "unavailable" });
  });
});

describe("parseWebhook", () => {
  test("the engine's webhooks verify and map to events, processing then final", async () => {
    const { processor, harness } = setup();
    await processor.create(
      payoutRequest({ destination: { type: "upi", vpa: "fail@okbank", holderName: null } }),
    );
    const reference = harness.engine.payout("po_1")?.reference;
    const results = [];
    for (const request of await deliveredWebhooks(harness)) {
      results.push(await processor.parseWebhook(request, T0 + 1_000));
    }
    expect(results).toEqual([
      {
        ok: true,
        event: {
          eventId: expect.stringMatching(/^evt_/),
          payoutId: "po_1",
          processorRef: reference,
          status: "processing",
          failureCode: null,
          amountMinor: 50_000,
          currency: "INR",
          occurredAtMs: T0,
        },
      },
      {
        ok: true,
        event: expect.objectContaining({ status: "failed", failureCode: "vpa_invalid" }),
      },
    ]);
  });

  test("a redelivered event parses to the same event id", async () => {
    const { processor, harness } = setup();
    harness.engine.setFaults({ duplicateWebhooks: true });
    await processor.create(payoutRequest());
    const [a, b] = await deliveredWebhooks(harness);
    const first = await processor.parseWebhook(a as Request, T0);
    const second = await processor.parseWebhook(b as Request, T0);
    expect(first.ok && second.ok && first.event.eventId === second.event.eventId).toBe(true);
  });

  test("a tampered body, a wrong secret or no signature is bad_signature", async () => {
    const { processor, harness } = setup();
    await processor.create(payoutRequest());
    const [genuine] = await deliveredWebhooks(harness);
    const raw = await (genuine as Request).clone().text();
    const header = (genuine as Request).headers.get("x-sandbox-signature") ?? "";

    const tampered = new Request(PROCESSOR_TEST_WEBHOOK_URL, {
      method: "POST",
      headers: { "x-sandbox-signature": header },
      body: raw.replace('"amount_minor":50000', '"amount_minor":90000'),
    });
    expect(await processor.parseWebhook(tampered, T0)).toMatchObject({
      ok: false,
      reason: "bad_signature",
    });

    const otherSecret = createSandboxProcessor({
      baseUrl: PROCESSOR_TEST_BASE_URL,
      apiKey: PROCESSOR_TEST_API_KEY,
      webhookSecret: "some-other-webhook-secret-0123",
      fetcher: async () => new Response(null, { status: 500 }),
    });
    expect(await otherSecret.parseWebhook((genuine as Request).clone(), T0)).toMatchObject({
      ok: false,
      reason: "bad_signature",
    });

    for (const value of [null, "v1=abc", "t=abc,v1=00", "t=1,t=2,v1=00", "garbage"]) {
      const request = new Request(PROCESSOR_TEST_WEBHOOK_URL, {
        method: "POST",
        headers: value === null ? {} : { "x-sandbox-signature": value },
        body: raw,
      });
      const result = await processor.parseWebhook(request, T0);
      expect(result).toMatchObject({ ok: false, reason: "bad_signature" });
      expectNoSecrets(result);
    }
  });

  test("a signature from outside the tolerance is stale; inside it is fine", async () => {
    const { processor, harness } = setup();
    await processor.create(payoutRequest());
    const [genuine] = await deliveredWebhooks(harness);
    const request = genuine as Request;
    expect((await processor.parseWebhook(request.clone(), T0 + 300_000)).ok).toBe(true);
    expect(await processor.parseWebhook(request.clone(), T0 + 301_000)).toMatchObject({
      ok: false,
      reason: "stale",
    });
    expect(await processor.parseWebhook(request.clone(), T0 - 301_000)).toMatchObject({
      ok: false,
      reason: "stale",
    });
    const strict = createSandboxProcessor({
      baseUrl: PROCESSOR_TEST_BASE_URL,
      apiKey: PROCESSOR_TEST_API_KEY,
      webhookSecret: PROCESSOR_TEST_WEBHOOK_SECRET,
      fetcher: async () => new Response(null, { status: 500 }),
      webhookToleranceSec: 10,
    });
    expect(await strict.parseWebhook(request.clone(), T0 + 11_000)).toMatchObject({
      reason: "stale",
    });
  });

  test.each([
    ["not JSON", "{nope"],
    [
      "a missing field",
      JSON.stringify({ id: "evt_1", type: "payout.completed", created_at: "2026-11-21T08:00:00Z" }),
    ],
    [
      "a type that contradicts the status",
      JSON.stringify({
        id: "evt_1",
        type: "payout.completed",
        created_at: "2026-11-21T08:00:00Z",
        data: {
          payout_id: "po_1",
          reference: "ref",
          status: "failed",
          failure_code: "account_closed",
          amount_minor: 1,
          currency: "INR",
        },
      }),
    ],
  ])("a correctly signed body with %s is malformed", async (_name, body) => {
    const { processor } = setup();
    expect(await processor.parseWebhook(await signedWebhook(body), T0)).toMatchObject({
      ok: false,
      reason: "malformed",
    });
  });

  test("an oversized body is malformed without being read whole; the body is consumed once", async () => {
    const { processor } = setup();
    const big = await signedWebhook("x".repeat(SANDBOX_WEBHOOK_MAX_BYTES + 1));
    expect(await processor.parseWebhook(big, T0)).toMatchObject({ ok: false, reason: "malformed" });
    const small = await signedWebhook("{}");
    await processor.parseWebhook(small, T0);
    expect(small.bodyUsed).toBe(true);
  });
});

describe("report", () => {
  test("ok with the payouts in range; unavailable when the report is down or the range is bad", async () => {
    const { processor, engine, clock } = setup({ processingDelayMs: 60_000 });
    await processor.create(payoutRequest());
    clock.advance(10_000);
    await processor.create(payoutRequest({ payoutId: "po_2" }));
    const result = await processor.report(T0, T0 + 5_000);
    expect(result).toEqual({
      kind: "ok",
      payouts: [expect.objectContaining({ payoutId: "po_1", status: "accepted", updatedAtMs: T0 })],
    });
    expect(await processor.report(T0, T0 + 20_000)).toMatchObject({
      kind: "ok",
      payouts: [{ payoutId: "po_1" }, { payoutId: "po_2" }],
    });
    engine.setFaults({ reportDown: { times: 1 } });
    expect(await processor.report(T0, T0 + 5_000)).toMatchObject({ kind: "unavailable" });
    expect(await processor.report(T0 + 5_000, T0)).toMatchObject({ kind: "unavailable" });
  });
});
