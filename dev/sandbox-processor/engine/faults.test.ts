import { describe, expect, test } from "vitest";
import { createRequest, getRequest, PROCESSOR_TEST_BASE_URL, testProcessor } from "./testing";

/** The sandbox processor's faults, set and read through `/control`, and what they do. */

function control(path: string, method = "GET", body?: unknown): Request {
  return new Request(`${PROCESSOR_TEST_BASE_URL}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function eventIds(received: Request[]): Promise<string[]> {
  return Promise.all(received.map(async (r) => ((await r.clone().json()) as { id: string }).id));
}

describe("faults", () => {
  test("down: the next n calls to /v1/payouts answer 503 and do nothing", async () => {
    const { engine } = testProcessor();
    const set = await engine.handle(control("/control/faults", "POST", { down: { times: 2 } }));
    expect(await set.json()).toMatchObject({ down: { times: 2 } });

    expect((await engine.handle(createRequest({ payoutId: "po_1" }))).status).toBe(503);
    expect(await (await engine.handle(control("/control/faults"))).json()).toMatchObject({
      down: { times: 1 },
    });
    expect((await engine.handle(getRequest("/v1/payouts/po_1"))).status).toBe(503);
    expect(engine.payouts()).toEqual([]);
    expect(engine.faults().down).toBeNull();

    expect((await engine.handle(createRequest({ payoutId: "po_1" }))).status).toBe(201);
    expect((await engine.handle(getRequest("/v1/payouts/po_1"))).status).toBe(200);
  });

  test("reportDown: the next n report calls answer 503", async () => {
    const { engine } = testProcessor();
    engine.setFaults({ reportDown: { times: 1 } });
    const report = () => engine.handle(getRequest("/v1/reports/payouts?from=0&to=1"));
    expect((await report()).status).toBe(503);
    expect((await report()).status).toBe(200);
  });

  test("lostResponses: the payout is created but the answer is a 500; GET and a replay find it", async () => {
    const { engine } = testProcessor({ processingDelayMs: 60_000 });
    engine.setFaults({ lostResponses: 1 });
    const lost = await engine.handle(createRequest({ payoutId: "po_1" }));
    expect(lost.status).toBe(500);
    expect(engine.faults().lostResponses).toBe(0);

    const found = await engine.handle(getRequest("/v1/payouts/po_1"));
    expect(found.status).toBe(200);
    const payout = (await found.json()) as { reference: string; status: string };
    expect(payout.status).toBe("accepted");
    const replay = await engine.handle(createRequest({ payoutId: "po_1" }));
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual(payout);
    expect(engine.payouts()).toHaveLength(1);
  });

  test("a lost response is only spent on a create that succeeded", async () => {
    const { engine } = testProcessor();
    engine.setFaults({ lostResponses: 1 });
    const refused = createRequest({ payoutId: "po_1", currency: "inr" });
    expect((await engine.handle(refused)).status).toBe(400);
    expect(engine.faults().lostResponses).toBe(1);
  });

  test("duplicateWebhooks: every event is sent twice with the same id and body", async () => {
    const { engine, received } = testProcessor();
    engine.setFaults({ duplicateWebhooks: true });
    await engine.handle(createRequest({ payoutId: "po_1" }));
    const summary = await engine.deliverWebhooks();
    expect(summary.delivered.map((d) => [d.status, d.copy])).toEqual([
      ["processing", 1],
      ["processing", 2],
      ["completed", 1],
      ["completed", 2],
    ]);
    const bodies = await Promise.all(received.map((r) => r.clone().text()));
    expect(bodies[1]).toBe(bodies[0]);
    expect(bodies[3]).toBe(bodies[2]);
    expect(new Set(await eventIds(received)).size).toBe(2);
    expect(summary.pending).toBe(0);
  });

  test("shuffleWebhooks: due events go out once each, in a seeded order", async () => {
    async function run(seed: number, shuffle: boolean) {
      const { engine, received } = testProcessor({ seed });
      engine.setFaults({ shuffleWebhooks: shuffle });
      for (let i = 1; i <= 6; i++) await engine.handle(createRequest({ payoutId: `po_${i}` }));
      await engine.deliverWebhooks();
      return Promise.all(
        received.map(async (r) => {
          const event = (await r.clone().json()) as { type: string; data: { payout_id: string } };
          return `${event.data.payout_id}:${event.type}`;
        }),
      );
    }
    const ordered = await run(1, false);
    const shuffled = await run(1, true);
    expect(shuffled).not.toEqual(ordered);
    expect([...shuffled].sort()).toEqual([...ordered].sort());
    expect(await run(1, true)).toEqual(shuffled);
    // Reordering is what the receiver must survive: some final event precedes its processing.
    expect(
      shuffled.some(
        (e, i) =>
          e.endsWith("completed") && shuffled.indexOf(e.replace("completed", "processing")) > i,
      ),
    ).toBe(true);
  });

  test("bad fault bodies are a 400 and change nothing", async () => {
    const { engine } = testProcessor();
    for (const body of [{ down: { times: 0 } }, { lostResponses: -1 }, { shuffle: true }]) {
      const response = await engine.handle(control("/control/faults", "POST", body));
      expect(response.status).toBe(400);
    }
    expect(engine.faults()).toEqual({
      down: null,
      reportDown: null,
      lostResponses: 0,
      duplicateWebhooks: false,
      shuffleWebhooks: false,
    });
  });

  test("DELETE /control/faults clears them", async () => {
    const { engine } = testProcessor();
    engine.setFaults({ down: { times: 5 }, duplicateWebhooks: true });
    const cleared = await engine.handle(control("/control/faults", "DELETE"));
    expect(await cleared.json()).toMatchObject({ down: null, duplicateWebhooks: false });
    expect((await engine.handle(createRequest({ payoutId: "po_1" }))).status).toBe(201);
  });
});

describe("control", () => {
  test("POST /control/deliver delivers what is due, or everything with force", async () => {
    const { engine } = testProcessor({ processingDelayMs: 1_000, finalDelayMs: 1_000 });
    await engine.handle(createRequest({ payoutId: "po_1" }));
    const due = await engine.handle(control("/control/deliver", "POST"));
    expect(await due.json()).toMatchObject({ delivered: [], pending: 0 });
    const forced = await engine.handle(control("/control/deliver", "POST", { force: true }));
    const summary = (await forced.json()) as { delivered: Array<Record<string, unknown>> };
    expect(summary.delivered).toEqual([
      expect.objectContaining({
        eventId: expect.stringMatching(/^evt_/),
        type: "payout.processing",
        payoutId: "po_1",
        status: "processing",
        httpStatus: 204,
      }),
      expect.objectContaining({ type: "payout.completed", status: "completed" }),
    ]);
  });

  test("POST /control/reset forgets payouts, webhooks and faults and starts a new epoch", async () => {
    const { engine } = testProcessor({ processingDelayMs: 1_000 });
    await engine.handle(createRequest({ payoutId: "po_1" }));
    engine.setFaults({ down: { times: 3 } });
    const before = await (await engine.handle(control("/control/state"))).json();
    expect(before).toMatchObject({
      payouts: [{ payout_id: "po_1" }],
      faults: { down: { times: 3 } },
    });

    const reset = await engine.handle(control("/control/reset", "POST"));
    const { epoch } = (await reset.json()) as { epoch: string };
    expect(epoch).not.toBe((before as { epoch: string }).epoch);
    expect(await (await engine.handle(control("/control/state"))).json()).toEqual({
      epoch,
      faults: engine.faults(),
      payouts: [],
      webhooks: [],
      nextDueAtMs: null,
    });
    expect(engine.faults().down).toBeNull();
    expect((await engine.handle(createRequest({ payoutId: "po_1" }))).status).toBe(201);
  });

  test("unknown routes are 404 and wrong methods 405", async () => {
    const { engine } = testProcessor();
    expect((await engine.handle(control("/control/nope"))).status).toBe(404);
    expect((await engine.handle(control("/v2/payouts"))).status).toBe(404);
    expect((await engine.handle(getRequest("/v1/payouts"))).status).toBe(405);
  });
});
