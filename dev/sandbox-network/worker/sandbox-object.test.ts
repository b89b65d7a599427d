import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { SANDBOX_SUB_ID as SUB } from "../engine/testing";
import type { SandboxEnv } from "./config";
import { app } from "./index";
import { SandboxNetworkObject } from "./sandbox-object";

/**
 * The Durable Object and the worker in front of it. The test runtime's main worker is the
 * api worker, which does not bind SandboxNetworkObject, so the object is constructed here on
 * the real DurableObjectState of another SQLite-backed object (a wallet with a name no test
 * uses): same storage API, same blockConcurrencyWhile.
 */

const VARS = { SANDBOX_POSTBACK_SECRET: "sandbox-object-test-secret-0123456789" };

function hostStub(name: string) {
  return env.WALLET.get(env.WALLET.idFromName(`sandbox-object-test-${name}`));
}

async function construct(state: DurableObjectState): Promise<SandboxNetworkObject> {
  const object = new SandboxNetworkObject(state, VARS as unknown as SandboxEnv);
  // The constructor loads state under blockConcurrencyWhile; wait for it like the runtime would.
  await state.blockConcurrencyWhile(async () => {});
  return object;
}

describe("SandboxNetworkObject", () => {
  test("serves the control API and keeps its orders across a restart", async () => {
    await runInDurableObject(hostStub("restart"), async (_wallet, state) => {
      const first = await construct(state);
      const placed = await first.fetch(
        new Request("http://sandbox/sandbox/orders", {
          method: "POST",
          body: JSON.stringify({
            order_id: "ORD-1",
            sub_id: SUB,
            currency: "INR",
            sale_amount_minor: 1_000,
            commission_minor: 80,
          }),
        }),
      );
      expect(placed.status).toBe(201);

      const second = await construct(state);
      const report = await second.fetch(
        new Request(
          "http://sandbox/sandbox/report?from=2000-01-01T00:00:00Z&to=2099-01-01T00:00:00Z",
          {
            headers: { authorization: `Bearer ${VARS.SANDBOX_POSTBACK_SECRET}` },
          },
        ),
      );
      expect(await report.json()).toMatchObject({
        conversions: [{ order_id: "ORD-1", status: "pending" }],
      });
    });
  });
});

describe("worker", () => {
  function fakeNamespace() {
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
    return { calls, namespace };
  }

  test("routes /sandbox/* to the object named by the network id", async () => {
    const { calls, namespace } = fakeNamespace();
    const response = await app.request(
      "http://localhost:8790/sandbox/orders/ORD-1",
      {},
      {
        SANDBOX_NETWORK: namespace,
        SANDBOX_NETWORK_ID: "my-sandbox",
      },
    );
    expect(await response.text()).toBe("from the object");
    expect(calls).toEqual([
      { name: "my-sandbox", url: "http://localhost:8790/sandbox/orders/ORD-1" },
    ]);
  });

  test("answers /healthz itself and 404s everything else", async () => {
    const { calls, namespace } = fakeNamespace();
    expect((await app.request("/healthz", {}, { SANDBOX_NETWORK: namespace })).status).toBe(200);
    const missing = await app.request("/report", {}, { SANDBOX_NETWORK: namespace });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
    expect(calls).toEqual([]);
  });
});
