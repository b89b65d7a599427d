import { describe, expect, test } from "vitest";
import { SandboxNetwork } from "./sandbox-network";
import { SANDBOX_SUB_ID as SUB, SANDBOX_T0 as T0, testSandbox } from "./testing";
import {
  type NetworkFaults,
  type PostbackFaults,
  SANDBOX_LIMITS,
  type SandboxDelivery,
  SandboxError,
  type SandboxErrorCode,
} from "./types";

const MIN = 60_000;

function place(
  net: SandboxNetwork,
  orderId = "ORD-1",
  extra: Partial<Parameters<SandboxNetwork["placeOrder"]>[0]> = {},
) {
  return net.placeOrder({
    orderId,
    subId: SUB,
    currency: "INR",
    saleAmountMinor: 100_000,
    commissionMinor: 8_000,
    category: "electronics",
    atMs: T0,
    ...extra,
  });
}

function bodies(deliveries: SandboxDelivery[]) {
  return deliveries.map((d) => JSON.parse(d.body) as Record<string, unknown>);
}

function codeOf(fn: () => unknown): SandboxErrorCode | "ok" {
  try {
    fn();
    return "ok";
  } catch (error) {
    if (error instanceof SandboxError) return error.code;
    throw error;
  }
}

describe("operations", () => {
  type Step = (net: SandboxNetwork) => unknown;
  test.each<{
    label: string;
    steps: Step[];
    status: string;
    sale: number;
    commission: number;
    postbacks: string[];
  }>([
    {
      label: "place",
      steps: [],
      status: "pending",
      sale: 100_000,
      commission: 8_000,
      postbacks: ["pending"],
    },
    {
      label: "place approved at once",
      steps: [],
      status: "approved",
      sale: 100_000,
      commission: 8_000,
      postbacks: ["approved"],
    },
    {
      label: "approve",
      steps: [(n) => n.approve("ORD-1", T0 + MIN)],
      status: "approved",
      sale: 100_000,
      commission: 8_000,
      postbacks: ["pending", "approved"],
    },
    {
      label: "cancel while pending (amounts kept)",
      steps: [(n) => n.cancel("ORD-1", T0 + MIN)],
      status: "cancelled",
      sale: 100_000,
      commission: 8_000,
      postbacks: ["pending", "cancelled"],
    },
    {
      label: "cancel after approval (a return)",
      steps: [(n) => n.approve("ORD-1", T0 + MIN), (n) => n.cancel("ORD-1", T0 + 2 * MIN)],
      status: "cancelled",
      sale: 100_000,
      commission: 8_000,
      postbacks: ["pending", "approved", "cancelled"],
    },
    {
      label: "partial refund while pending",
      steps: [
        (n) => n.refund("ORD-1", { saleAmountMinor: 30_000, commissionMinor: 2_400 }, T0 + MIN),
      ],
      status: "pending",
      sale: 70_000,
      commission: 5_600,
      postbacks: ["pending", "pending"],
    },
    {
      label: "partial refund after approval, twice",
      steps: [
        (n) => n.approve("ORD-1", T0 + MIN),
        (n) => n.refund("ORD-1", { saleAmountMinor: 10_000, commissionMinor: 800 }, T0 + 2 * MIN),
        (n) => n.refund("ORD-1", { saleAmountMinor: 10_000, commissionMinor: 800 }, T0 + 3 * MIN),
      ],
      status: "approved",
      sale: 80_000,
      commission: 6_400,
      postbacks: ["pending", "approved", "approved", "approved"],
    },
    {
      label: "refunding the whole sale cancels",
      steps: [
        (n) => n.refund("ORD-1", { saleAmountMinor: 100_000, commissionMinor: 8_000 }, T0 + MIN),
      ],
      status: "cancelled",
      sale: 0,
      commission: 0,
      postbacks: ["pending", "cancelled"],
    },
    {
      label: "correction re-approves a cancelled order",
      steps: [
        (n) => n.cancel("ORD-1", T0 + MIN),
        (n) => n.correct("ORD-1", { status: "approved" }, T0 + 2 * MIN),
      ],
      status: "approved",
      sale: 100_000,
      commission: 8_000,
      postbacks: ["pending", "cancelled", "approved"],
    },
    {
      label: "correction of the commission keeps the status",
      steps: [(n) => n.correct("ORD-1", { commissionMinor: 9_500 }, T0 + MIN)],
      status: "pending",
      sale: 100_000,
      commission: 9_500,
      postbacks: ["pending", "pending"],
    },
  ])("$label", async ({ label, steps, status, sale, commission, postbacks }) => {
    const net = testSandbox();
    place(net, "ORD-1", label === "place approved at once" ? { status: "approved" } : {});
    for (const step of steps) step(net);
    const order = net.order("ORD-1");
    const current = order?.versions.at(-1);
    expect({
      status: current?.status,
      sale: current?.saleAmountMinor,
      commission: current?.commissionMinor,
    }).toEqual({
      status,
      sale,
      commission,
    });
    const delivered = bodies(await net.drainPostbacks(T0 + 10 * MIN));
    expect(delivered.map((b) => b.status)).toEqual(postbacks);
    expect(delivered.at(-1)).toMatchObject({
      sale_amount_minor: sale,
      commission_minor: commission,
    });
  });

  test("the postback body is the generic format with updated_at", async () => {
    const net = testSandbox();
    place(net);
    net.approve("ORD-1", T0 + 1_500);
    const [first, second] = await net.drainPostbacks(T0 + MIN);
    expect(JSON.parse(first?.body ?? "")).toEqual({
      order_id: "ORD-1",
      sub_id: SUB,
      status: "pending",
      currency: "INR",
      sale_amount_minor: 100_000,
      commission_minor: 8_000,
      category: "electronics",
      occurred_at: "2026-11-21T08:00:00Z",
      updated_at: "2026-11-21T08:00:00Z",
    });
    // Milliseconds are kept when the change has them, so newest-wins can order close changes.
    expect(JSON.parse(second?.body ?? "")).toMatchObject({
      status: "approved",
      occurred_at: "2026-11-21T08:00:00Z",
      updated_at: "2026-11-21T08:00:01.500Z",
    });
    expect(first).toMatchObject({
      method: "POST",
      path: "/postback/sandbox-network",
      headers: { "content-type": "application/json" },
      orderId: "ORD-1",
      deliveryId: "pb-1-1",
    });
  });

  test("line items go out snake_case, and a refund replaces them", async () => {
    const net = testSandbox();
    place(net, "ORD-L", {
      saleAmountMinor: 150_000,
      commissionMinor: 9_000,
      lineItems: [
        {
          sku: "TV-55",
          category: "electronics",
          amountMinor: 120_000,
          commissionMinor: 7_200,
          quantity: 1,
        },
        { category: "gift-cards", amountMinor: 30_000 },
      ],
    });
    net.refund(
      "ORD-L",
      {
        saleAmountMinor: 30_000,
        commissionMinor: 0,
        lineItems: [{ sku: "TV-55", category: "electronics", amountMinor: 120_000 }],
      },
      T0 + MIN,
    );
    const [placed, refunded] = bodies(await net.drainPostbacks(T0 + MIN));
    expect(placed?.line_items).toEqual([
      {
        sku: "TV-55",
        category: "electronics",
        amount_minor: 120_000,
        commission_minor: 7_200,
        quantity: 1,
      },
      { category: "gift-cards", amount_minor: 30_000 },
    ]);
    expect(refunded?.line_items).toEqual([
      { sku: "TV-55", category: "electronics", amount_minor: 120_000 },
    ]);
    expect(refunded?.sale_amount_minor).toBe(120_000);
  });

  test("extendedFields: false sends only the base generic fields", async () => {
    const net = testSandbox({ extendedFields: false });
    place(net, "ORD-B", { lineItems: [{ amountMinor: 100_000 }] });
    const [body] = bodies(await net.drainPostbacks(T0));
    expect(body).not.toHaveProperty("updated_at");
    expect(body).not.toHaveProperty("line_items");
    expect(net.reportPage({ fromMs: T0, toMs: T0 + 1 }, T0).conversions[0]).not.toHaveProperty(
      "updated_at",
    );
  });

  test.each<{ label: string; run: (net: SandboxNetwork) => unknown; code: SandboxErrorCode }>([
    {
      label: "approve an approved order",
      run: (n) => {
        n.approve("ORD-1", T0 + MIN);
        n.approve("ORD-1", T0 + 2 * MIN);
      },
      code: "invalid_transition",
    },
    {
      label: "approve a cancelled order",
      run: (n) => {
        n.cancel("ORD-1", T0 + MIN);
        n.approve("ORD-1", T0 + 2 * MIN);
      },
      code: "invalid_transition",
    },
    {
      label: "cancel twice",
      run: (n) => {
        n.cancel("ORD-1", T0 + MIN);
        n.cancel("ORD-1", T0 + 2 * MIN);
      },
      code: "invalid_transition",
    },
    {
      label: "refund a cancelled order",
      run: (n) => {
        n.cancel("ORD-1", T0 + MIN);
        n.refund("ORD-1", { saleAmountMinor: 1, commissionMinor: 0 }, T0 + 2 * MIN);
      },
      code: "invalid_transition",
    },
    {
      label: "refund more than the sale",
      run: (n) => n.refund("ORD-1", { saleAmountMinor: 100_001, commissionMinor: 0 }, T0 + MIN),
      code: "invalid_input",
    },
    {
      label: "refund more than the commission",
      run: (n) => n.refund("ORD-1", { saleAmountMinor: 1, commissionMinor: 8_001 }, T0 + MIN),
      code: "invalid_input",
    },
    {
      label: "refund nothing",
      run: (n) => n.refund("ORD-1", { saleAmountMinor: 0, commissionMinor: 0 }, T0 + MIN),
      code: "invalid_input",
    },
    {
      label: "refund a fraction of a paisa",
      run: (n) => n.refund("ORD-1", { saleAmountMinor: 0.5, commissionMinor: 0 }, T0 + MIN),
      code: "invalid_input",
    },
    { label: "unknown order", run: (n) => n.approve("ORD-404", T0 + MIN), code: "unknown_order" },
    { label: "place the same order twice", run: (n) => place(n), code: "duplicate_order" },
    {
      label: "a change at the same instant",
      run: (n) => n.approve("ORD-1", T0),
      code: "stale_time",
    },
    {
      label: "a change before the last",
      run: (n) => n.approve("ORD-1", T0 - 1),
      code: "stale_time",
    },
    {
      label: "an empty correction",
      run: (n) => n.correct("ORD-1", {}, T0 + MIN),
      code: "invalid_input",
    },
    {
      label: "a correction to an unknown status",
      run: (n) => n.correct("ORD-1", { status: "paid" as "approved" }, T0 + MIN),
      code: "invalid_input",
    },
    {
      label: "time in seconds, not ms",
      run: (n) => n.approve("ORD-1", Math.floor(T0 / 1000)),
      code: "invalid_input",
    },
    {
      label: "a lower-case currency",
      run: (n) => place(n, "ORD-2", { currency: "inr" }),
      code: "invalid_input",
    },
    { label: "an order id with a space", run: (n) => place(n, "ORD 2"), code: "invalid_input" },
    {
      label: "a negative amount",
      run: (n) => place(n, "ORD-2", { saleAmountMinor: -1 }),
      code: "invalid_input",
    },
    {
      label: "a 65-character category",
      run: (n) => place(n, "ORD-2", { category: "x".repeat(65) }),
      code: "invalid_input",
    },
    {
      label: "a line with quantity 0",
      run: (n) => place(n, "ORD-2", { lineItems: [{ amountMinor: 1, quantity: 0 }] }),
      code: "invalid_input",
    },
    {
      label: "11 copies",
      run: (n) => n.approve("ORD-1", T0 + MIN, { duplicates: 11 }),
      code: "invalid_input",
    },
    {
      label: "a negative delay",
      run: (n) => n.approve("ORD-1", T0 + MIN, { delayMs: -1 }),
      code: "invalid_input",
    },
  ])("refuses: $label ($code)", ({ run, code }) => {
    const net = testSandbox();
    place(net);
    expect(codeOf(() => run(net))).toBe(code);
  });

  test("a refund of an order with lines must give the lines after it", () => {
    const net = testSandbox();
    place(net, "ORD-L", { lineItems: [{ amountMinor: 100_000 }] });
    expect(
      codeOf(() => net.refund("ORD-L", { saleAmountMinor: 1, commissionMinor: 0 }, T0 + MIN)),
    ).toBe("invalid_input");
  });

  test("requireClick: an order needs a click with its sub-ID", () => {
    const net = testSandbox({ requireClick: true });
    expect(codeOf(() => place(net))).toBe("no_click");
    net.recordClick(SUB, T0 - MIN, "sbx-1001");
    expect(codeOf(() => place(net))).toBe("ok");
    expect(net.clicks()).toEqual([{ subId: SUB, atMs: T0 - MIN, offerRef: "sbx-1001" }]);
  });

  test("a refused operation changes nothing, PRNG included", () => {
    const net = testSandbox({ faults: { loseRate: 0.5, delayJitterMs: 1_000 } });
    place(net);
    const before = net.toState();
    for (const run of [
      () => net.approve("ORD-1", T0),
      () => net.refund("ORD-1", { saleAmountMinor: 999_999, commissionMinor: 0 }, T0 + MIN),
      () => place(net),
      () => net.correct("ORD-1", { saleAmountMinor: -5 }, T0 + MIN),
    ]) {
      expect(() => run()).toThrow(SandboxError);
    }
    expect(net.toState()).toEqual(before);
  });

  test("versions are bounded", () => {
    const net = testSandbox();
    place(net);
    for (let i = 1; i < SANDBOX_LIMITS.maxVersionsPerOrder; i++)
      net.correct("ORD-1", { commissionMinor: i }, T0 + i);
    expect(codeOf(() => net.correct("ORD-1", { commissionMinor: 1 }, T0 + 10 * MIN))).toBe(
      "limit_exceeded",
    );
  });
});

describe("delivery faults", () => {
  async function scenario(
    faults: Partial<NetworkFaults>,
    perCall: PostbackFaults = {},
    drainAt = T0 + MIN,
  ) {
    const net = testSandbox({ faults });
    place(net, "ORD-1");
    net.approve("ORD-1", T0 + 1_000, perCall);
    place(net, "ORD-2", { atMs: T0 + 2_000 });
    return { net, deliveries: await net.drainPostbacks(drainAt) };
  }

  test.each<{
    label: string;
    faults: Partial<NetworkFaults>;
    perCall?: PostbackFaults;
    ids: string[];
  }>([
    {
      label: "none: one copy each, in change order",
      faults: {},
      ids: ["pb-1-1", "pb-2-1", "pb-3-1"],
    },
    {
      label: "duplicates: 2 for the network",
      faults: { duplicates: 2 },
      ids: ["pb-1-1", "pb-1-2", "pb-2-1", "pb-2-2", "pb-3-1", "pb-3-2"],
    },
    {
      label: "duplicates: 3 for one call",
      faults: {},
      perCall: { duplicates: 3 },
      ids: ["pb-1-1", "pb-2-1", "pb-2-2", "pb-2-3", "pb-3-1"],
    },
    {
      label: "per-call duplicates override the network's",
      faults: { duplicates: 2 },
      perCall: { duplicates: 1 },
      ids: ["pb-1-1", "pb-1-2", "pb-2-1", "pb-3-1", "pb-3-2"],
    },
    { label: "lose one call", faults: {}, perCall: { lose: true }, ids: ["pb-1-1", "pb-3-1"] },
    { label: "lose everything", faults: { lose: true }, ids: [] },
    {
      label: "per-call lose: false beats the network's lose",
      faults: { lose: true },
      perCall: { lose: false },
      ids: ["pb-2-1"],
    },
    {
      label: "delay one call past the drain",
      faults: {},
      perCall: { delayMs: 5 * MIN },
      ids: ["pb-1-1", "pb-3-1"],
    },
    { label: "delay everything past the drain", faults: { delayMs: 5 * MIN }, ids: [] },
    {
      label: "a delay can move a change after a later one",
      faults: {},
      perCall: { delayMs: 1_500 },
      ids: ["pb-1-1", "pb-3-1", "pb-2-1"],
    },
  ])("$label", async ({ faults, perCall, ids }) => {
    const { deliveries } = await scenario(faults, perCall);
    expect(deliveries.map((d) => d.deliveryId)).toEqual(ids);
  });

  test("copies are byte-identical and share the signature", async () => {
    const { deliveries } = await scenario({ duplicates: 3 });
    const [a, b, c] = deliveries;
    expect(a?.body).toBe(b?.body);
    expect(b?.body).toBe(c?.body);
    expect(a?.headers["boomerang-signature"]).toBe(c?.headers["boomerang-signature"]);
    expect(new Set(deliveries.slice(0, 3).map((d) => d.deliveryId)).size).toBe(3);
  });

  test("a lost postback is logged, and the report still shows the change", async () => {
    const { net, deliveries } = await scenario({}, { lose: true });
    expect(deliveries.some((d) => d.status === "approved")).toBe(false);
    expect(net.postbackLog().map((e) => [e.seq, e.status, e.fate])).toEqual([
      [1, "pending", "queued"],
      [2, "approved", "lost"],
      [3, "pending", "queued"],
    ]);
    const report = net.reportPage({ fromMs: T0, toMs: T0 + MIN }, T0 + MIN);
    expect(report.conversions.find((c) => c.order_id === "ORD-1")?.status).toBe("approved");
  });

  test("loseRate drops a seeded share, the same ones for the same seed", async () => {
    const lostWith = (seed: number) => {
      const net = testSandbox({ seed, faults: { loseRate: 0.3 } });
      for (let i = 0; i < 200; i++) place(net, `ORD-${i}`, { atMs: T0 + i });
      return net
        .postbackLog()
        .filter((e) => e.fate === "lost")
        .map((e) => e.orderId);
    };
    const lost = lostWith(11);
    expect(lost.length).toBeGreaterThan(35);
    expect(lost.length).toBeLessThan(85);
    expect(lostWith(11)).toEqual(lost);
    expect(lostWith(12)).not.toEqual(lost);
  });

  test("a delayed postback is due exactly delayMs after its change", async () => {
    const net = testSandbox();
    place(net, "ORD-1");
    const change = net.approve("ORD-1", T0 + MIN, { delayMs: 30_000 });
    expect(change.postback.dueAtMs).toBe(T0 + MIN + 30_000);
    expect((await net.drainPostbacks(T0 + MIN + 29_999)).map((d) => d.status)).toEqual(["pending"]);
    expect(net.nextDueAtMs()).toBe(T0 + MIN + 30_000);
    expect((await net.drainPostbacks(T0 + MIN + 30_000)).map((d) => d.status)).toEqual([
      "approved",
    ]);
    expect(net.nextDueAtMs()).toBeNull();
  });

  test("jitter spreads copies within [delay, delay + jitter]", () => {
    const net = testSandbox({ faults: { duplicates: 5, delayMs: 1_000, delayJitterMs: 10_000 } });
    place(net);
    const due = net.pendingPostbacks().map((e) => e.dueAtMs - T0);
    expect(due.every((d) => d >= 1_000 && d <= 11_000)).toBe(true);
    expect(new Set(due).size).toBeGreaterThan(1);
  });

  test("shuffle delivers a seeded permutation of the due postbacks", async () => {
    const order = async (seed: number) => {
      const net = testSandbox({ seed, faults: { shuffle: true } });
      for (let i = 0; i < 20; i++) place(net, `ORD-${i}`, { atMs: T0 + i });
      return (await net.drainPostbacks(T0 + MIN)).map((d) => d.orderId);
    };
    const inOrder = Array.from({ length: 20 }, (_, i) => `ORD-${i}`);
    const shuffled = await order(5);
    expect(shuffled).not.toEqual(inOrder);
    expect([...shuffled].sort()).toEqual([...inOrder].sort());
    expect(await order(5)).toEqual(shuffled);
    expect(await order(6)).not.toEqual(shuffled);
  });

  test("a drain takes at most `limit` and leaves the rest queued", async () => {
    const net = testSandbox();
    for (let i = 0; i < 5; i++) place(net, `ORD-${i}`, { atMs: T0 + i });
    expect((await net.drainPostbacks(T0 + MIN, 2)).map((d) => d.orderId)).toEqual([
      "ORD-0",
      "ORD-1",
    ]);
    expect((await net.drainPostbacks(T0 + MIN)).map((d) => d.orderId)).toEqual([
      "ORD-2",
      "ORD-3",
      "ORD-4",
    ]);
    expect(await net.drainPostbacks(T0 + MIN)).toEqual([]);
  });

  test("postbacks are signed at delivery time, not change time", async () => {
    const net = testSandbox();
    place(net);
    const [delivery] = await net.drainPostbacks(T0 + 3 * MIN + 999);
    expect(delivery?.signedAtSec).toBe((T0 + 3 * MIN) / 1000);
    expect(delivery?.headers["boomerang-signature"]).toMatch(
      new RegExp(`^t=${(T0 + 3 * MIN) / 1000},v1=[0-9a-f]{64}$`),
    );
  });

  test("requeue retries a copy until maxAttempts", async () => {
    const net = testSandbox();
    place(net);
    let [delivery] = await net.drainPostbacks(T0);
    let attempts = 1;
    while (delivery !== undefined && net.requeue(delivery, T0 + attempts * MIN)) {
      expect(await net.drainPostbacks(T0 + attempts * MIN - 1)).toEqual([]);
      [delivery] = await net.drainPostbacks(T0 + attempts * MIN);
      attempts++;
      expect(delivery?.attempts).toBe(attempts);
      expect(delivery?.deliveryId).toBe("pb-1-1");
    }
    expect(attempts).toBe(SANDBOX_LIMITS.maxAttempts);
    expect(net.pendingPostbacks()).toEqual([]);
  });
});

describe("determinism and persistence", () => {
  async function fullRun(net: SandboxNetwork, split?: (net: SandboxNetwork) => SandboxNetwork) {
    for (let i = 0; i < 12; i++) place(net, `ORD-${i}`, { atMs: T0 + i * 1_000 });
    let current = split ? split(net) : net;
    for (let i = 0; i < 12; i += 2) current.approve(`ORD-${i}`, T0 + MIN + i);
    for (let i = 1; i < 12; i += 3) current.cancel(`ORD-${i}`, T0 + 2 * MIN + i);
    current = split ? split(current) : current;
    const first = await current.drainPostbacks(T0 + 2 * MIN);
    current = split ? split(current) : current;
    const second = await current.drainPostbacks(T0 + 10 * MIN);
    return [...first, ...second].map((d) => [
      d.deliveryId,
      d.body,
      d.headers["boomerang-signature"],
    ]);
  }
  const chaos = { duplicates: 2, loseRate: 0.2, delayJitterMs: 90_000, shuffle: true };

  test("the same seed gives the same deliveries, in the same order", async () => {
    const a = await fullRun(testSandbox({ seed: 42, faults: chaos }));
    const b = await fullRun(testSandbox({ seed: 42, faults: chaos }));
    expect(a.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  test("another seed gives another order", async () => {
    const a = await fullRun(testSandbox({ seed: 42, faults: chaos }));
    const b = await fullRun(testSandbox({ seed: 43, faults: chaos }));
    expect(b).not.toEqual(a);
  });

  test("toState/restore mid-run continues exactly as an uninterrupted run", async () => {
    const straight = await fullRun(testSandbox({ seed: 9, faults: chaos }));
    const resumed = await fullRun(testSandbox({ seed: 9, faults: chaos }), (net) =>
      SandboxNetwork.restore(JSON.parse(JSON.stringify(net.toState())), net.runtime),
    );
    expect(resumed).toEqual(straight);
  });

  test("restore can replace the identity and keep the orders", () => {
    const net = testSandbox();
    place(net);
    const moved = SandboxNetwork.restore(
      net.toState(),
      {},
      { networkId: "other-network", postbackSecret: "x".repeat(30) },
    );
    expect(moved.networkId).toBe("other-network");
    expect(moved.order("ORD-1")?.versions).toHaveLength(1);
  });
});

describe("feed", () => {
  test("starts with the default feed", () => {
    const feed = testSandbox().feed();
    expect(feed.merchants.map((m) => m.id)).toEqual(["sbx-shopkart", "sbx-stylehub"]);
    expect(feed.merchants[0]?.offers[0]).toMatchObject({
      id: "sbx-1001",
      default_rate_bps: 400,
      category_rates: { electronics: 750 },
    });
  });

  test("removeOffer, upsertOffer and updateFeed change it", () => {
    const net = testSandbox();
    expect(net.removeOffer("sbx-shopkart", "sbx-1002")).toBe(true);
    expect(net.removeOffer("sbx-shopkart", "sbx-1002")).toBe(false);
    expect(net.removeOffer("nobody", "sbx-1001")).toBe(false);
    net.upsertOffer("sbx-stylehub", {
      id: "sbx-2001",
      title: "StyleHub: 12% on fashion",
      currency: "INR",
      default_rate_bps: 1_200,
      return_window_days: 15,
    });
    net.updateFeed((feed) => {
      const offer = feed.merchants[0]?.offers[0];
      if (offer) offer.category_rates.electronics = 500;
    });
    const feed = net.feed();
    expect(feed.merchants[0]?.offers.map((o) => o.id)).toEqual(["sbx-1001"]);
    expect(feed.merchants[0]?.offers[0]?.category_rates.electronics).toBe(500);
    expect(feed.merchants[1]?.offers).toEqual([
      {
        id: "sbx-2001",
        title: "StyleHub: 12% on fashion",
        currency: "INR",
        default_rate_bps: 1_200,
        category_rates: {},
        return_window_days: 15,
        active: true,
      },
    ]);
  });

  type Feed = ReturnType<SandboxNetwork["feed"]>;
  const shop = (feed: Feed) => {
    const merchant = feed.merchants[0];
    const offer = merchant?.offers[0];
    if (merchant === undefined || offer === undefined) throw new Error("the default feed changed");
    return { merchant, offer };
  };
  test.each([
    {
      label: "a rate over 100%",
      edit: (f: Feed) => {
        shop(f).offer.default_rate_bps = 10_001;
      },
    },
    {
      label: "a duplicate offer id",
      edit: (f: Feed) => {
        shop(f).merchant.offers.push({ ...shop(f).offer });
      },
    },
    {
      label: "a duplicate merchant id",
      edit: (f: Feed) => {
        f.merchants.push({ ...shop(f).merchant });
      },
    },
  ])("an invalid edit ($label) throws and keeps the old feed", ({ edit }) => {
    const net = testSandbox();
    const before = net.feed();
    expect(() => net.updateFeed(edit)).toThrow(SandboxError);
    expect(net.feed()).toEqual(before);
  });
});
