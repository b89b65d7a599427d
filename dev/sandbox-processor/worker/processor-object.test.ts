import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import type { SandboxProcessorEnv, SandboxProcessorWorkerEnv } from "./config";
import worker from "./index";
import { SandboxProcessorObject } from "./processor-object";

/**
 * The Durable Object and the worker in front of it. The test runtime's main worker is the
 * api worker, which does not bind SandboxProcessorObject, so the object is constructed here
 * on the real DurableObjectState of another SQLite-backed object (a wallet with a name no
 * test uses): same storage API, same blockConcurrencyWhile, same alarm API.
 */

const VARS: SandboxProcessorEnv = {
  SANDBOX_PROCESSOR_API_KEY: "processor-object-test-api-key",
  SANDBOX_PROCESSOR_WEBHOOK_SECRET: "processor-object-test-webhook-secret",
  BOOMERANG_WEBHOOK_URL: "https://api.test/webhooks/payouts/sandbox",
  SANDBOX_PROCESSOR_PROCESSING_DELAY_MS: "0",
  SANDBOX_PROCESSOR_FINAL_DELAY_MS: "0",
  SANDBOX_PROCESSOR_AUTO_DELIVER: "false",
};

/** What a test does to reach Boomerang without a network: override `deliver`. */
class RecordingProcessor extends SandboxProcessorObject {
  readonly sent: Request[] = [];
  protected override async deliver(request: Request): Promise<Response> {
    this.sent.push(request);
    return new Response(null, { status: 204 });
  }
}

function hostStub(name: string) {
  return env.WALLET.get(env.WALLET.idFromName(`sandbox-processor-test-${name}`));
}

async function construct(
  state: DurableObjectState,
  vars: SandboxProcessorEnv = VARS,
): Promise<RecordingProcessor> {
  const object = new RecordingProcessor(state, vars);
  // The constructor loads state under blockConcurrencyWhile; wait for it like the runtime would.
  await state.blockConcurrencyWhile(async () => {});
  return object;
}

function create(payoutId: string): Request {
  return new Request("http://processor/v1/payouts", {
    method: "POST",
    headers: {
      authorization: `Bearer ${VARS.SANDBOX_PROCESSOR_API_KEY}`,
      "idempotency-key": payoutId,
    },
    body: JSON.stringify({
      payoutId,
      amountMinor: 10_000,
      currency: "INR",
      destination: { type: "upi", vpa: "asha@okbank", holderName: null },
    }),
  });
}

function get(payoutId: string): Request {
  return new Request(`http://processor/v1/payouts/${payoutId}`, {
    headers: { authorization: `Bearer ${VARS.SANDBOX_PROCESSOR_API_KEY}` },
  });
}

describe("SandboxProcessorObject", () => {
  test("serves the API and keeps payouts and queued webhooks across a restart", async () => {
    await runInDurableObject(hostStub("restart"), async (_wallet, state) => {
      const first = await construct(state);
      expect((await first.fetch(create("po_1"))).status).toBe(201);

      const second = await construct(state);
      const found = await second.fetch(get("po_1"));
      expect(await found.json()).toMatchObject({ payout_id: "po_1", status: "completed" });
      const summary = await second.deliverWebhooks();
      expect(summary.delivered.map((d) => d.type)).toEqual([
        "payout.processing",
        "payout.completed",
      ]);
      expect(second.sent.map((r) => r.url)).toEqual([
        VARS.BOOMERANG_WEBHOOK_URL,
        VARS.BOOMERANG_WEBHOOK_URL,
      ]);
      expect(first.sent).toEqual([]);

      // Delivered is remembered too: a third incarnation has nothing left to send.
      const third = await construct(state);
      expect((await third.deliverWebhooks({ force: true })).delivered).toEqual([]);
    });
  });

  test("setFaults, faults, payout and reset drive it without HTTP, and persist", async () => {
    await runInDurableObject(hostStub("rpc"), async (_wallet, state) => {
      const object = await construct(state);
      expect(await object.setFaults({ down: { times: 1 } })).toMatchObject({ down: { times: 1 } });
      expect(await (await construct(state)).faults()).toMatchObject({ down: { times: 1 } });
      expect((await object.fetch(create("po_1"))).status).toBe(503);
      expect((await object.fetch(create("po_1"))).status).toBe(201);
      expect(await object.payout("po_1")).toMatchObject({ status: "completed" });

      await expect(object.setFaults({ lostResponses: -1 })).rejects.toThrow(RangeError);
      await object.reset();
      expect(await object.payout("po_1")).toBeNull();
      expect(await (await construct(state)).payout("po_1")).toBeNull();
    });
  });

  test("with auto-delivery the alarm is armed for the next due change and delivers it", async () => {
    await runInDurableObject(hostStub("alarm"), async (_wallet, state) => {
      const slow = await construct(state, {
        ...VARS,
        SANDBOX_PROCESSOR_AUTO_DELIVER: "true",
        SANDBOX_PROCESSOR_PROCESSING_DELAY_MS: "60000",
      });
      const before = Date.now();
      await slow.fetch(create("po_slow"));
      const armed = await state.storage.getAlarm();
      expect(armed).toBeGreaterThanOrEqual(before + 60_000);
      expect(armed).toBeLessThanOrEqual(Date.now() + 60_000);
      await slow.reset();
      expect(await state.storage.getAlarm()).toBeNull();

      const quick = await construct(state, { ...VARS, SANDBOX_PROCESSOR_AUTO_DELIVER: "true" });
      await quick.fetch(create("po_quick"));
      expect(await state.storage.getAlarm()).not.toBeNull();
      await quick.alarm();
      expect(quick.sent).toHaveLength(2);
      expect(await state.storage.getAlarm()).toBeNull();
    });
  });

  test("without auto-delivery no alarm is armed", async () => {
    await runInDurableObject(hostStub("no-alarm"), async (_wallet, state) => {
      const object = await construct(state);
      await object.fetch(create("po_1"));
      expect(await state.storage.getAlarm()).toBeNull();
      expect(object.sent).toEqual([]);
    });
  });
});

describe("worker", () => {
  test("routes every request to the one object named sandbox", async () => {
    const calls: Array<{ name: string; url: string }> = [];
    const namespace = {
      idFromName: (name: string) => ({ name }),
      get: (id: { name: string }) => ({
        fetch: async (request: Request) => {
          calls.push({ name: id.name, url: request.url });
          return new Response("from the object");
        },
      }),
    };
    const workerEnv = { SANDBOX_PROCESSOR: namespace } as unknown as SandboxProcessorWorkerEnv;
    for (const url of [
      "http://localhost:8791/v1/payouts/po_1",
      "http://localhost:8791/control/state",
    ]) {
      const response = await worker.fetch(new Request(url), workerEnv);
      expect(await response.text()).toBe("from the object");
    }
    expect(calls).toEqual([
      { name: "sandbox", url: "http://localhost:8791/v1/payouts/po_1" },
      { name: "sandbox", url: "http://localhost:8791/control/state" },
    ]);
  });
});
