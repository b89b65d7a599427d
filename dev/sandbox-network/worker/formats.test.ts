import { describe, expect, test } from "vitest";
import { basicCredentials } from "../engine";
import { SANDBOX_SUB_ID as SUB, SANDBOX_T0 as T0 } from "../engine/testing";
import { sandboxConfig } from "./config";
import { createControlApp } from "./control";
import { SandboxHost } from "./host";
import { MemoryStorage } from "./testing";

/** The worker serves a non-generic network: its postbacks go out in its format, its report API answers. */

const TOKEN = "worker-report-token-0123";

async function worker(format: string) {
  const sent: Request[] = [];
  const config = sandboxConfig({
    BOOMERANG_POSTBACK_URL: "https://boomerang.test",
    SANDBOX_FORMAT: format,
    SANDBOX_REPORT_API_TOKEN: TOKEN,
  });
  const host = await SandboxHost.open(new MemoryStorage(), config, {
    now: () => T0 + 60_000,
    fetch: async (request) => {
      sent.push(request.clone());
      return new Response('{"status":"accepted"}', { status: 202 });
    },
  });
  const app = createControlApp(host);
  const call = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    app.request(`http://sandbox.local${path}`, {
      method,
      headers: { "content-type": "application/json", ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const order = await call("POST", "/sandbox/orders", {
    order_id: "ORD-1",
    sub_id: SUB,
    currency: "INR",
    sale_amount_minor: 100_000,
    commission_minor: 8_000,
    at: new Date(T0).toISOString(),
  });
  expect(order.status).toBe(201);
  return { call, sent };
}

describe("a sandbox worker speaking another format", () => {
  test("SANDBOX_FORMAT=impact: deliveries are GETs with the token; the Actions API answers under Basic auth", async () => {
    const { call, sent } = await worker("impact");
    const delivered = await call("POST", "/sandbox/deliver", {});
    expect(delivered.status).toBe(200);
    expect(sent).toHaveLength(1);
    const url = new URL(sent[0]?.url ?? "");
    expect([sent[0]?.method, url.pathname]).toEqual(["GET", "/postback/sandbox-network"]);
    expect(url.searchParams.get("Oid")).toBe("ORD-1");
    expect(url.searchParams.get("Amount")).toBe("1000.00");
    expect(url.searchParams.get("token")).toBe(sandboxConfig({}).postbackSecret);

    const path = `/Mediapartners/IRSandboxAccount1/Actions?StartDate=2026-11-21T00:00:00Z&EndDate=2026-11-22T00:00:00Z`;
    expect((await call("GET", path)).status).toBe(401);
    const report = await call("GET", path, undefined, {
      authorization: `Basic ${basicCredentials("IRSandboxAccount1", TOKEN)}`,
    });
    expect(report.status).toBe(200);
    expect(await report.json()).toMatchObject({
      "@page": "1",
      "@numpages": "1",
      Actions: [{ Oid: "ORD-1", State: "PENDING", Amount: "1000.00", Payout: "80.00" }],
    });
  });

  test("SANDBOX_FORMAT=cj: the Commission Detail query answers at /sandbox/cj/query", async () => {
    const { call } = await worker("cj");
    const response = await call(
      "POST",
      "/sandbox/cj/query",
      {
        query: "query { publisherCommissions(sinceEventDate: $since) { records { orderId } } }",
        variables: {
          publishers: ["7654321"],
          since: "2026-11-21T00:00:00Z",
          before: "2026-11-22T00:00:00Z",
          after: null,
        },
      },
      { authorization: `Bearer ${TOKEN}` },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      data: {
        publisherCommissions: {
          payloadComplete: true,
          records: [{ orderId: "ORD-1", original: true, actionStatus: "new" }],
        },
      },
    });
  });

  test("the state says which format; the other formats' report paths are 404", async () => {
    const { call } = await worker("admitad");
    expect(await (await call("GET", "/sandbox/state")).json()).toMatchObject({ format: "admitad" });
    expect((await call("GET", "/sandbox/template/report?since=1&until=2")).status).toBe(404);
    const pending = (await (await call("GET", "/sandbox/postbacks")).json()) as {
      pending: Array<{ params: Record<string, string> }>;
    };
    expect(pending.pending[0]?.params).toMatchObject({
      order_id: "ORD-1",
      payment_status: "pending",
    });
  });

  test("an unknown SANDBOX_FORMAT is refused at startup", () => {
    expect(() => sandboxConfig({ SANDBOX_FORMAT: "awin" })).toThrow("SANDBOX_FORMAT");
  });
});
