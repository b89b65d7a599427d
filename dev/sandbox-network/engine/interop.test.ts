import { describe, expect, test } from "vitest";
import { ReportError } from "#shared/networks/core/report-error";
import { genericAdapter } from "#shared/networks/generic";
import type {
  NetworkSettings,
  NormalizedConversion,
  PostbackRequest,
} from "#shared/networks/types";
import { parseGenericPostback } from "#shared/postback/generic-format";
import { SIGNATURE_TOLERANCE_SEC, verifyPostbackSignature } from "#shared/postback/signature";
import { deliveryRequest, type SandboxNetwork } from "./sandbox-network";
import {
  SANDBOX_TEST_NETWORK_ID as NETWORK,
  SANDBOX_TEST_SECRET as SECRET,
  SANDBOX_SUB_ID as SUB,
  SANDBOX_T0 as T0,
  testSandbox,
} from "./testing";

/**
 * The sandbox must speak exactly what Boomerang accepts: its postbacks verify with the
 * postback signature code and parse with the generic schema and adapter; its report API is
 * what the generic adapter's fetchReportPage reads.
 */

const MIN = 60_000;
const SETTINGS: NetworkSettings = {
  networkId: NETWORK,
  postbackSecret: SECRET,
  options: { reportUrl: "https://sandbox.test/report" },
};

function busyNetwork(options: Parameters<typeof testSandbox>[0] = {}): SandboxNetwork {
  const net = testSandbox({
    seed: 3,
    faults: { duplicates: 2, shuffle: true, delayJitterMs: 5_000 },
    ...options,
  });
  net.placeOrder({
    orderId: "ORD-LINES",
    subId: SUB,
    currency: "INR",
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
      { category: "gift-cards", amountMinor: 30_000, quantity: 3 },
    ],
    atMs: T0,
  });
  net.placeOrder({
    orderId: "ORD-2",
    subId: SUB,
    currency: "USD",
    saleAmountMinor: 5_000,
    commissionMinor: 250,
    atMs: T0 + 1,
  });
  net.approve("ORD-2", T0 + MIN);
  net.refund("ORD-2", { saleAmountMinor: 1_000, commissionMinor: 50 }, T0 + 2 * MIN);
  net.cancel("ORD-2", T0 + 3 * MIN);
  net.correct("ORD-2", { status: "approved", category: "books" }, T0 + 4 * MIN + 250);
  return net;
}

describe("postbacks", () => {
  test.each([{ extendedFields: true }, { extendedFields: false }])(
    "every delivery verifies and parses (extendedFields: $extendedFields)",
    async ({ extendedFields }) => {
      const net = busyNetwork({ extendedFields });
      const nowMs = T0 + 10 * MIN;
      const deliveries = await net.drainPostbacks(nowMs);
      expect(deliveries).toHaveLength(12);
      for (const delivery of deliveries) {
        const check = await verifyPostbackSignature(
          SECRET,
          NETWORK,
          delivery.body,
          delivery.headers["boomerang-signature"] ?? null,
          nowMs,
        );
        expect(check).toEqual({ ok: true, timestampSec: nowMs / 1000 });
        const parsed = parseGenericPostback(delivery.body);
        expect(parsed).toEqual({ ok: true, value: JSON.parse(delivery.body) });
        if (parsed.ok) expect(parsed.value.updated_at !== undefined).toBe(extendedFields);
      }
    },
  );

  test("a delivery is stale once the tolerance has passed, and bound to its network", async () => {
    const [delivery] = await busyNetwork().drainPostbacks(T0 + MIN);
    const header = delivery?.headers["boomerang-signature"] ?? null;
    const late = T0 + MIN + (SIGNATURE_TOLERANCE_SEC + 1) * 1000;
    expect(
      await verifyPostbackSignature(SECRET, NETWORK, delivery?.body ?? "", header, late),
    ).toEqual({
      ok: false,
      reason: "stale_timestamp",
    });
    expect(
      await verifyPostbackSignature(
        SECRET,
        "other-network",
        delivery?.body ?? "",
        header,
        T0 + MIN,
      ),
    ).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  test("the generic adapter turns deliveries into the conversions the sandbox holds", async () => {
    const net = busyNetwork({ faults: {} });
    const nowMs = T0 + 10 * MIN;
    const conversions: NormalizedConversion[] = [];
    for (const delivery of await net.drainPostbacks(nowMs)) {
      const request = deliveryRequest(delivery, "https://postback.test");
      expect(new URL(request.url).pathname).toBe(`/postback/${NETWORK}`);
      const postback: PostbackRequest = {
        method: "POST",
        url: request.url,
        headers: Object.fromEntries(request.headers),
        rawBody: await request.text(),
        sourceIp: "203.0.113.9",
        receivedAtMs: nowMs,
      };
      const parsed = await genericAdapter.parsePostback(postback, SETTINGS);
      if (!parsed.ok) throw new Error(`refused: ${parsed.reason}`);
      conversions.push(...parsed.conversions);
    }
    expect(conversions.map((c) => [c.orderId, c.status, c.saleAmountMinor, c.updatedAtMs])).toEqual(
      [
        ["ORD-LINES", "pending", 150_000, T0],
        ["ORD-2", "pending", 5_000, T0 + 1],
        ["ORD-2", "approved", 5_000, T0 + MIN],
        ["ORD-2", "approved", 4_000, T0 + 2 * MIN],
        ["ORD-2", "cancelled", 4_000, T0 + 3 * MIN],
        ["ORD-2", "approved", 4_000, T0 + 4 * MIN + 250],
      ],
    );
    expect(conversions[0]?.lineItems).toEqual([
      {
        sku: "TV-55",
        category: "electronics",
        amountMinor: 120_000,
        commissionMinor: 7_200,
        quantity: 1,
      },
      {
        sku: null,
        category: "gift-cards",
        amountMinor: 30_000,
        commissionMinor: null,
        quantity: 3,
      },
    ]);
    expect(conversions.at(-1)).toMatchObject({ category: "books", occurredAtMs: T0 + 1 });
  });
});

describe("report API through the generic adapter", () => {
  test("fetchReportPage pages through the sandbox's report", async () => {
    const net = testSandbox({ reportPageSize: 3 }, { now: () => T0 + 60 * MIN });
    for (let i = 0; i < 8; i++) {
      net.placeOrder({
        orderId: `ORD-${i}`,
        subId: SUB,
        currency: "INR",
        saleAmountMinor: 1_000 + i,
        commissionMinor: 80,
        atMs: T0 + i * MIN,
      });
    }
    net.approve("ORD-1", T0 + 30 * MIN, { lose: true });
    const fetcher = (request: Request) => net.handle(request);
    const range = { fromMs: T0, toMs: T0 + 60 * MIN };
    const seen: NormalizedConversion[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await genericAdapter.fetchReportPage(fetcher, SETTINGS, range, cursor);
      expect(page.rejected ?? []).toEqual([]);
      seen.push(...page.conversions);
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen.map((c) => c.orderId)).toEqual([
      "ORD-0",
      "ORD-2",
      "ORD-3",
      "ORD-4",
      "ORD-5",
      "ORD-6",
      "ORD-7",
      "ORD-1",
    ]);
    // The approval's postback was lost; the report still has it.
    expect(seen.at(-1)).toMatchObject({ status: "approved", updatedAtMs: T0 + 30 * MIN });
  });

  test("a wrong secret is a ReportError of kind auth; a failing report is transient", async () => {
    const net = testSandbox();
    const fetcher = (request: Request) => net.handle(request);
    const range = { fromMs: T0, toMs: T0 + MIN };
    await expect(
      genericAdapter.fetchReportPage(
        fetcher,
        { ...SETTINGS, postbackSecret: "w".repeat(32) },
        range,
        null,
      ),
    ).rejects.toMatchObject({ kind: "auth", transient: false });
    net.setFaults({ report: { kind: "status", status: 503, times: 1 } });
    const failure = await genericAdapter
      .fetchReportPage(fetcher, SETTINGS, range, null)
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ReportError);
    expect(failure).toMatchObject({ kind: "unavailable", transient: true, status: 503 });
  });
});
