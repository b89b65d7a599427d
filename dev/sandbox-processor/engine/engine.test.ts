import { describe, expect, test } from "vitest";
import { toHex } from "#shared/crypto/encoding";
import { hmacSha256 } from "#shared/crypto/hmac";
import type { DestinationDetails } from "#shared/payouts/types";
import { SandboxProcessorEngine } from "./engine";
import {
  BANK_OK,
  createRequest,
  getRequest,
  PROCESSOR_TEST_API_KEY,
  PROCESSOR_TEST_BASE_URL,
  PROCESSOR_TEST_WEBHOOK_SECRET,
  PROCESSOR_TEST_WEBHOOK_URL,
  PROCESSOR_T0 as T0,
  testProcessor,
  UPI_OK,
} from "./testing";

/** The engine through its HTTP API: idempotency, validation, lifecycle, webhooks. */

async function webhookTypes(received: Request[]): Promise<string[]> {
  return Promise.all(
    received.map(async (r) => ((await r.clone().json()) as { type: string }).type),
  );
}

describe("POST /v1/payouts", () => {
  test("creates once; a replay answers the same payout; another body under the key is a 409", async () => {
    const { engine } = testProcessor();
    const created = await engine.handle(createRequest({ payoutId: "po_1" }));
    expect(created.status).toBe(201);
    const payout = (await created.json()) as Record<string, unknown>;
    expect(payout).toEqual({
      payout_id: "po_1",
      reference: expect.stringMatching(/^sbxpo_[0-9a-f]{8}_\d{6}$/),
      status: "accepted",
      amount_minor: 50_000,
      currency: "INR",
      failure_code: null,
      created_at: new Date(T0).toISOString(),
      updated_at: new Date(T0).toISOString(),
    });

    // With no delays the payout has completed since: a replay answers its current state.
    const replay = await engine.handle(createRequest({ payoutId: "po_1" }));
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ ...payout, status: "completed" });

    const conflict = await engine.handle(createRequest({ payoutId: "po_1", amountMinor: 50_001 }));
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ code: "idempotency_conflict" });
    expect(engine.payouts()).toHaveLength(1);
    expect(engine.payout("po_1")?.amount_minor).toBe(50_000);
  });

  test("a replay with the same fields in another order and spacing is the same body", async () => {
    const { engine } = testProcessor();
    await engine.handle(createRequest({ payoutId: "po_1", destination: UPI_OK }));
    const reordered = new Request(`${PROCESSOR_TEST_BASE_URL}/v1/payouts`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${PROCESSOR_TEST_API_KEY}`,
        "idempotency-key": "po_1",
      },
      body: `{ "metadata": {"userId": "user-1"}, "destination": {"holderName": null, "vpa": "asha@okbank",
        "type": "upi"}, "currency": "INR", "amountMinor": 50000, "payoutId": "po_1" }`,
    });
    expect((await engine.handle(reordered)).status).toBe(200);
    const otherUser = createRequest({
      payoutId: "po_1",
      destination: UPI_OK,
      metadata: { userId: "user-2" },
    });
    expect((await engine.handle(otherUser)).status).toBe(409);
  });

  test.each([
    ["not JSON", createRawRequest("{nope", "po_1")],
    ["a missing field", createRawRequest(JSON.stringify({ payoutId: "po_1" }), "po_1")],
    [
      "a key that differs from payoutId",
      createRequest({ payoutId: "po_1" }, { "idempotency-key": "po_2" }),
    ],
    ["no Idempotency-Key", createRawRequest(JSON.stringify(validBody("po_1")), null)],
    ["a lower-case currency", createRequest({ payoutId: "po_1", currency: "inr" })],
    ["a zero amount", createRequest({ payoutId: "po_1", amountMinor: 0 })],
    ["an unknown field", createRawRequest(JSON.stringify({ ...validBody("po_1"), x: 1 }), "po_1")],
  ])("%s is a 400 and creates nothing", async (_name, request) => {
    const { engine } = testProcessor();
    const response = await engine.handle(request);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_request" });
    expect(engine.payouts()).toEqual([]);
  });

  test.each([
    ["no Authorization", {}],
    ["a wrong key", { authorization: "Bearer not-the-key-0123456789" }],
  ])("%s is a 401 on every /v1 route", async (_name, headers) => {
    const { engine } = testProcessor();
    const post = createRequest({ payoutId: "po_1" });
    const unauth = new Request(post, { headers: { ...headers, "idempotency-key": "po_1" } });
    expect((await engine.handle(unauth)).status).toBe(401);
    for (const path of ["/v1/payouts/po_1", "/v1/reports/payouts?from=0&to=1"]) {
      const response = await engine.handle(
        new Request(`${PROCESSOR_TEST_BASE_URL}${path}`, { headers }),
      );
      expect(response.status).toBe(401);
    }
    expect(engine.payouts()).toEqual([]);
  });
});

describe("magic destination values", () => {
  test.each<[string, DestinationDetails, string]>([
    ["the magic IFSC", { ...BANK_OK, ifsc: "SBIN0000000" }, "ifsc_invalid"],
    ["an IFSC of the wrong shape", { ...BANK_OK, ifsc: "HDFC123" }, "ifsc_invalid"],
    [
      "an account number with letters",
      { ...BANK_OK, accountNumber: "12AB5678" },
      "account_invalid",
    ],
    ["a VPA without a handle", { type: "upi", vpa: "asha", holderName: null }, "vpa_invalid"],
  ])(
    "%s is refused at submission (422) and nothing is created",
    async (_name, destination, code) => {
      const { engine } = testProcessor();
      const response = await engine.handle(createRequest({ payoutId: "po_1", destination }));
      expect(response.status).toBe(422);
      const body = await response.json();
      expect(body).toMatchObject({ code: "payout_rejected", failure_code: code });
      expect(JSON.stringify(body)).not.toContain("12AB5678");
      expect((await engine.handle(getRequest("/v1/payouts/po_1"))).status).toBe(404);
    },
  );

  test.each<[string, DestinationDetails, string, string | null]>([
    [
      "a bank account ending 0000",
      { ...BANK_OK, accountNumber: "5555550000" },
      "failed",
      "account_invalid",
    ],
    [
      "a bank account ending 0009",
      { ...BANK_OK, accountNumber: "5555550009" },
      "failed",
      "account_closed",
    ],
    [
      "a VPA starting with fail",
      { type: "upi", vpa: "fail.me@okbank", holderName: null },
      "failed",
      "vpa_invalid",
    ],
    ["an ordinary bank account", BANK_OK, "completed", null],
    ["an ordinary VPA", UPI_OK, "completed", null],
    [
      "a gift card",
      { type: "gift_card", productId: "amazon-500", brand: "Amazon" },
      "completed",
      null,
    ],
  ])("%s is accepted, processes, then ends %s", async (_name, destination, status, code) => {
    const { engine, received } = testProcessor();
    expect((await engine.handle(createRequest({ payoutId: "po_1", destination }))).status).toBe(
      201,
    );
    await engine.deliverWebhooks({ force: true });
    expect(await webhookTypes(received)).toEqual(["payout.processing", `payout.${status}`]);
    const payout = await (await engine.handle(getRequest("/v1/payouts/po_1"))).json();
    expect(payout).toMatchObject({ status, failure_code: code });
  });
});

describe("lifecycle and delivery", () => {
  test("status changes and webhooks wait for their delays; force skips them", async () => {
    const { engine, received, clock } = testProcessor({
      processingDelayMs: 1_000,
      finalDelayMs: 3_000,
    });
    await engine.handle(createRequest({ payoutId: "po_1" }));
    const status = async () =>
      ((await (await engine.handle(getRequest("/v1/payouts/po_1"))).json()) as { status: string })
        .status;

    clock.advance(999);
    expect((await engine.deliverWebhooks()).delivered).toEqual([]);
    expect(await status()).toBe("accepted");

    clock.advance(1);
    const first = await engine.deliverWebhooks();
    expect(first.delivered.map((d) => d.type)).toEqual(["payout.processing"]);
    expect(await status()).toBe("processing");
    expect(first.nextDueAtMs).toBe(T0 + 4_000);

    clock.advance(2_999);
    expect((await engine.deliverWebhooks()).delivered).toEqual([]);
    expect(await status()).toBe("processing");

    clock.advance(1);
    expect((await engine.deliverWebhooks()).delivered.map((d) => d.type)).toEqual([
      "payout.completed",
    ]);
    expect(await status()).toBe("completed");
    expect(await webhookTypes(received)).toEqual(["payout.processing", "payout.completed"]);

    await engine.handle(createRequest({ payoutId: "po_2" }));
    const forced = await engine.deliverWebhooks({ force: true });
    expect(forced.delivered.map((d) => `${d.payoutId}:${d.status}`)).toEqual([
      "po_2:processing",
      "po_2:completed",
    ]);
    expect(forced.nextDueAtMs).toBeNull();
  });

  test("a change observed late happened at its due time, in the payout and its event", async () => {
    const { engine, received, clock } = testProcessor({
      processingDelayMs: 1_000,
      finalDelayMs: 3_000,
    });
    await engine.handle(createRequest({ payoutId: "po_1" }));
    clock.advance(60_000);
    const payout = await (await engine.handle(getRequest("/v1/payouts/po_1"))).json();
    expect(payout).toMatchObject({
      status: "completed",
      updated_at: new Date(T0 + 4_000).toISOString(),
    });
    await engine.deliverWebhooks();
    const events = await Promise.all(received.map((r) => r.clone().json()));
    expect(events.map((e) => (e as { created_at: string }).created_at)).toEqual([
      new Date(T0 + 1_000).toISOString(),
      new Date(T0 + 4_000).toISOString(),
    ]);
  });

  test("a webhook is the documented body, signed over t.body with the webhook secret", async () => {
    const { engine, received } = testProcessor();
    await engine.handle(
      createRequest({ payoutId: "po_1", destination: { ...BANK_OK, accountNumber: "5555550009" } }),
    );
    await engine.deliverWebhooks({ force: true });
    const request = received[1] as Request;
    expect(request.method).toBe("POST");
    expect(request.url).toBe(PROCESSOR_TEST_WEBHOOK_URL);
    const raw = await request.clone().text();
    expect(JSON.parse(raw)).toEqual({
      id: expect.stringMatching(/^evt_[0-9a-f]{8}_\d{6}$/),
      type: "payout.failed",
      created_at: new Date(T0).toISOString(),
      data: {
        payout_id: "po_1",
        reference: engine.payout("po_1")?.reference,
        status: "failed",
        failure_code: "account_closed",
        amount_minor: 50_000,
        currency: "INR",
      },
    });
    const header = request.headers.get("x-sandbox-signature") ?? "";
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    expect(match?.[1]).toBe(String(Math.floor(T0 / 1000)));
    const expected = toHex(await hmacSha256(PROCESSOR_TEST_WEBHOOK_SECRET, `${match?.[1]}.${raw}`));
    expect(match?.[2]).toBe(expected);
  });

  test("a failed delivery stays queued, waits for its backoff and is resent with the same id", async () => {
    const harness = testProcessor();
    const { engine, received, clock } = harness;
    await engine.handle(createRequest({ payoutId: "po_1" }));
    harness.answer = async () => new Response("busy", { status: 500 });
    const first = await engine.deliverWebhooks();
    expect(first.delivered).toEqual([]);
    expect(first.failed.map((f) => [f.type, f.httpStatus, f.response])).toEqual([
      ["payout.processing", 500, "busy"],
      ["payout.completed", 500, "busy"],
    ]);
    expect(first.pending).toBe(2);

    harness.answer = async () => new Response(null, { status: 204 });
    clock.advance(4_999);
    expect((await engine.deliverWebhooks()).delivered).toEqual([]);
    clock.advance(1);
    const retried = await engine.deliverWebhooks();
    expect(retried.delivered.map((d) => [d.type, d.attempt])).toEqual([
      ["payout.processing", 2],
      ["payout.completed", 2],
    ]);
    expect(retried.pending).toBe(0);
    const bodies = await Promise.all(received.map((r) => r.clone().text()));
    expect(bodies[2]).toBe(bodies[0]);
    expect(bodies[3]).toBe(bodies[1]);
  });

  test("a delivery that throws is retried; after 10 failed attempts the event is dropped", async () => {
    const harness = testProcessor();
    const { engine } = harness;
    await engine.handle(createRequest({ payoutId: "po_1" }));
    harness.answer = async () => {
      throw new TypeError("connection refused");
    };
    for (let attempt = 1; attempt < 10; attempt++) {
      const run = await engine.deliverWebhooks({ force: true });
      expect(run.failed.map((f) => f.response)).toEqual([
        "TypeError: connection refused",
        "TypeError: connection refused",
      ]);
      expect(run.abandoned).toEqual([]);
    }
    const last = await engine.deliverWebhooks({ force: true });
    expect(last.abandoned).toHaveLength(2);
    expect(last.pending).toBe(0);
    expect(engine.payout("po_1")?.status).toBe("completed");
  });
});

describe("reads", () => {
  test("GET an unknown payout is a 404", async () => {
    const { engine } = testProcessor();
    expect((await engine.handle(getRequest("/v1/payouts/po_missing"))).status).toBe(404);
  });

  test("the report holds payouts created or updated in [from, to)", async () => {
    const { engine, clock } = testProcessor({ processingDelayMs: 10_000, finalDelayMs: 10_000 });
    await engine.handle(createRequest({ payoutId: "po_a" })); // T0, then T0+10s, T0+20s
    clock.advance(5_000);
    await engine.handle(createRequest({ payoutId: "po_b" })); // T0+5s, then +15s, +25s
    clock.advance(11_000); // T0+16s: po_a processing at +10s, po_b processing at +15s
    const report = async (from: number, to: number) => {
      const response = await engine.handle(getRequest(`/v1/reports/payouts?from=${from}&to=${to}`));
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        payouts: Array<{ payout_id: string; status: string }>;
      };
      return body.payouts.map((p) => `${p.payout_id}:${p.status}`);
    };
    expect(await report(T0, T0 + 1)).toEqual(["po_a:processing"]); // created in range
    expect(await report(T0 + 10_000, T0 + 15_000)).toEqual(["po_a:processing"]);
    expect(await report(T0 + 10_000, T0 + 15_001)).toEqual(["po_a:processing", "po_b:processing"]);
    expect(await report(T0 + 16_000, T0 + 60_000)).toEqual([]);
    for (const query of ["from=5&to=5", "from=x&to=9", "to=9"]) {
      const response = await engine.handle(getRequest(`/v1/reports/payouts?${query}`));
      expect(response.status).toBe(400);
    }
  });
});

describe("state", () => {
  test("a restored processor keeps its payouts, queue, faults and random sequence", async () => {
    const { engine, clock } = testProcessor({ processingDelayMs: 1_000, finalDelayMs: 1_000 });
    await engine.handle(createRequest({ payoutId: "po_1" }));
    engine.setFaults({ shuffleWebhooks: true, lostResponses: 2 });
    const sent: string[] = [];
    const restored = SandboxProcessorEngine.restore(
      JSON.parse(JSON.stringify(engine.toState())),
      {
        apiKey: PROCESSOR_TEST_API_KEY,
        webhookSecret: PROCESSOR_TEST_WEBHOOK_SECRET,
        webhookUrl: PROCESSOR_TEST_WEBHOOK_URL,
        processingDelayMs: 1_000,
        finalDelayMs: 1_000,
      },
      {
        now: clock.now,
        deliver: async (request) => {
          sent.push(((await request.json()) as { id: string }).id);
          return new Response(null, { status: 200 });
        },
      },
    );
    expect(restored.toState()).toEqual(engine.toState());
    expect(restored.faults()).toMatchObject({ shuffleWebhooks: true, lostResponses: 2 });
    clock.advance(1_000);
    await restored.deliverWebhooks();
    expect(sent).toEqual([expect.stringMatching(/^evt_/)]);
    expect(restored.payout("po_1")?.status).toBe("processing");
    expect(engine.payout("po_1")?.status).toBe("accepted");
  });
});

function validBody(payoutId: string) {
  return {
    payoutId,
    amountMinor: 50_000,
    currency: "INR",
    destination: BANK_OK,
    metadata: { userId: "user-1" },
  };
}

function createRawRequest(body: string, key: string | null): Request {
  return new Request(`${PROCESSOR_TEST_BASE_URL}/v1/payouts`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${PROCESSOR_TEST_API_KEY}`,
      ...(key === null ? {} : { "idempotency-key": key }),
    },
    body,
  });
}
