import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { SANDBOX_SUB_ID, SANDBOX_T0, testSandbox } from "../engine/testing";
import { CHUNK_CHARS, loadState, saveState } from "./state-store";
import { MemoryStorage } from "./testing";

function bigState(orders: number) {
  const net = testSandbox();
  for (let i = 0; i < orders; i++) {
    net.placeOrder({
      orderId: `ORD-${i}`,
      subId: SANDBOX_SUB_ID,
      currency: "INR",
      saleAmountMinor: 1_000,
      commissionMinor: 80,
      category: "electronics",
      atMs: SANDBOX_T0 + i,
    });
  }
  return net.toState();
}

describe("state store", () => {
  test("nothing saved loads as null", async () => {
    expect(await loadState(new MemoryStorage())).toBeNull();
  });

  test("a small state round-trips in one chunk", async () => {
    const storage = new MemoryStorage();
    const state = bigState(3);
    await saveState(storage, state);
    expect(await loadState(storage)).toEqual(state);
    expect([...storage.data.keys()].sort()).toEqual(["sandbox:chunk:0", "sandbox:meta"]);
  });

  test("a large state is chunked, and shrinking drops the stale chunks", async () => {
    const storage = new MemoryStorage();
    const large = bigState(2_500);
    const chars = JSON.stringify(large).length;
    expect(chars).toBeGreaterThan(2 * CHUNK_CHARS);
    await saveState(storage, large);
    expect(storage.data.get("sandbox:meta")).toEqual({
      chunks: Math.ceil(chars / CHUNK_CHARS),
      chars,
    });
    expect(await loadState(storage)).toEqual(large);
    const small = bigState(1);
    await saveState(storage, small);
    expect([...storage.data.keys()].sort()).toEqual(["sandbox:chunk:0", "sandbox:meta"]);
    expect(await loadState(storage)).toEqual(small);
  });

  test("a missing chunk is an error, not a silently smaller sandbox", async () => {
    const storage = new MemoryStorage();
    await saveState(storage, bigState(2_500));
    storage.data.delete("sandbox:chunk:1");
    await expect(loadState(storage)).rejects.toThrow("missing");
  });

  test("works on real Durable Object storage (a multi-chunk state)", async () => {
    // The test runtime's main worker is the api worker, which does not bind the sandbox's
    // object; any SQLite-backed object's storage exercises the same storage API.
    const stub = env.WALLET.get(env.WALLET.idFromName("sandbox-state-store-test"));
    const large = bigState(2_500);
    await runInDurableObject(stub, async (_instance, state) => {
      await saveState(state.storage, large);
      expect(await loadState(state.storage)).toEqual(large);
    });
  });
});
