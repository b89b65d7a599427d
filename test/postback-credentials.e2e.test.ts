import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { refreshCachedConfig } from "#shared/config/config-store";
import { toHex } from "#shared/crypto/encoding";
import { hmacSha256 } from "#shared/crypto/hmac";
import postbackWorker from "#workers/postback/src/index";
import { adminPut, eventually, NETWORK_SECRET, uniqueUser } from "./helpers";

/**
 * Issue 9: token-authenticated postbacks are stored without their token, and template
 * postbacks are signed over every part their fields come from, with a replay window.
 * Everything goes through the real postback worker and the api worker's postbacks consumer.
 */

interface ReceivedRow {
  verdict: string;
  reject_reason: string | null;
  raw_body: string;
  signature_header: string | null;
}

/**
 * A network of `format` with `options`, created through the admin API as an operator would.
 * `savedBeforeTheRule` writes the format and options to D1 instead (cached config refreshed as
 * an admin write would): a network saved before the API refused its configuration, which the
 * postback path must still refuse at runtime.
 */
async function networkOf(
  format: string,
  options: Record<string, unknown>,
  { savedBeforeTheRule = false } = {},
): Promise<string> {
  const networkId = `net-${uniqueUser(format)}`.slice(0, 60).toLowerCase();
  const response = await adminPut(`/admin/v1/networks/${networkId}`, {
    name: `${format} network`,
    trackingTemplate: "https://network.test/track?sub={subid}&url={landing_url}",
    postbackSecret: NETWORK_SECRET,
    ...(savedBeforeTheRule ? {} : { postbackFormat: format, options }),
  });
  expect(response.status).toBe(200);
  if (savedBeforeTheRule) {
    await env.DB.prepare(`UPDATE networks SET postback_format = ?, options = ? WHERE id = ?`)
      .bind(format, JSON.stringify(options), networkId)
      .run();
    await refreshCachedConfig(env, { offerIds: [], networkIds: [networkId] });
  }
  return networkId;
}

async function postback(
  networkId: string,
  init: { query?: string; method?: "GET" | "POST"; body?: string; headers?: HeadersInit } = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await postbackWorker.fetch(
    new Request(`https://postback.test/postback/${networkId}${init.query ?? ""}`, {
      method: init.method ?? "GET",
      headers: init.headers,
      body: init.body,
    }) as Request<unknown, IncomingRequestCfProperties>,
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

/** The one row the consumer recorded for the network (each test uses a fresh network). */
function receivedRow(networkId: string): Promise<ReceivedRow> {
  return eventually(() =>
    env.DB.prepare(
      `SELECT verdict, reject_reason, raw_body, signature_header
         FROM received_postbacks WHERE network_id = ?`,
    )
      .bind(networkId)
      .first<ReceivedRow>(),
  );
}

const nowSec = () => Math.floor(Date.now() / 1000);

/** An Admitad GET postback with the token where `tokenAt` says. */
function admitadQuery(orderId: string, token: string, tokenAt: "first" | "middle" | "last") {
  const data = [
    `subid=${"x".repeat(40)}`,
    `order_id=${orderId}`,
    "payment_status=pending",
    "order_sum=1299.00",
    "payment_sum=90.00",
    "currency=INR",
    `time=${nowSec()}`,
  ];
  const at = { first: 0, middle: 3, last: data.length }[tokenAt];
  data.splice(at, 0, `token=${encodeURIComponent(token)}`);
  return `?${data.join("&")}`;
}

describe("token-authenticated postbacks are stored without their token", () => {
  it.each([{ tokenAt: "first" }, { tokenAt: "middle" }, { tokenAt: "last" }] as const)(
    "Admitad GET, token $tokenAt → accepted, raw_body has [redacted] and no secret",
    async ({ tokenAt }) => {
      const networkId = await networkOf("admitad", {});
      const orderId = `ORD-${uniqueUser("adm")}`;
      const response = await postback(networkId, {
        query: admitadQuery(orderId, NETWORK_SECRET, tokenAt),
      });
      expect(response.status).toBe(202);
      const row = await receivedRow(networkId);
      expect(row.verdict).toBe("accepted");
      expect(row.raw_body).not.toContain(NETWORK_SECRET);
      expect(row.raw_body).toContain("token=[redacted]");
      expect(row.raw_body).toContain(`order_id=${orderId}`);
      expect(row.signature_header).toBeNull();
    },
  );

  it("a wrong token is redacted too (it may be a near miss of the real one)", async () => {
    const networkId = await networkOf("cj", { tokenParam: "secret" });
    const nearMiss = `${NETWORK_SECRET.slice(0, -1)}X`;
    const response = await postback(networkId, {
      query: `?orderId=O-1&actionStatus=new&original=true&saleAmount=1&commissionAmount=1&eventDate=2026-11-21T08:07:27Z&SECRET=${nearMiss}`,
    });
    expect(response.status).toBe(401);
    const row = await receivedRow(networkId);
    expect(row).toMatchObject({ verdict: "rejected", reject_reason: "bad_token" });
    expect(row.raw_body).not.toContain(nearMiss);
    expect(row.raw_body).toContain("SECRET=[redacted]");
  });

  it("Impact form POST: the token in the body is redacted", async () => {
    const networkId = await networkOf("impact", {});
    const body = `SubId1=${"x".repeat(40)}&Oid=O-2&ActionStatus=PENDING&Amount=10.00&Payout=1.00&Currency=USD&EventDate=2026-11-21T08:07:27Z&Token=${NETWORK_SECRET}`;
    const response = await postback(networkId, {
      method: "POST",
      body,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(response.status).toBe(202);
    const row = await receivedRow(networkId);
    expect(row.verdict).toBe("accepted");
    expect(row.raw_body).not.toContain(NETWORK_SECRET);
    expect(row.raw_body).toContain("Token=[redacted]");
  });

  it("template token in a header: headers are not stored", async () => {
    const networkId = await networkOf("template", {
      ...queryFields,
      auth: { type: "token", in: "header", name: "x-network-key" },
    });
    const response = await postback(networkId, {
      query: `?txn=T-1&st=ok&amt=10.00&pay=1.00`,
      headers: { "x-network-key": NETWORK_SECRET },
    });
    expect(response.status).toBe(202);
    const row = await receivedRow(networkId);
    expect(JSON.stringify(row)).not.toContain(NETWORK_SECRET);
    expect(row.raw_body).toBe("?txn=T-1&st=ok&amt=10.00&pay=1.00");
  });
});

const queryFields = {
  fields: {
    orderId: { from: "query", name: "txn" },
    status: { from: "query", name: "st" },
    saleAmount: { from: "query", name: "amt" },
    commission: { from: "query", name: "pay" },
  },
  currency: "INR",
  statusMap: { ok: "approved" },
  amountFormat: "decimal",
  timeFormat: "unix_seconds",
};

/** A JSON template network whose HMAC covers the body, with the send time in the body. */
const signedJsonMapping = {
  fields: {
    orderId: { from: "json", path: "order_id" },
    subId: { from: "json", path: "sub_id" },
    status: { from: "json", path: "state" },
    saleAmount: { from: "json", path: "sale_minor" },
    commission: { from: "json", path: "payout_minor" },
  },
  currency: "INR",
  statusMap: { new: "pending" },
  amountFormat: "minor",
  timeFormat: "unix_seconds",
  auth: { type: "hmac_sha256", header: "x-signature", message: "raw_body", prefix: "sha256=" },
  timestamp: { source: { from: "json", path: "sent_at" }, format: "unix_seconds" },
};

async function signedTemplatePostback(networkId: string, orderId: string, sentAtSec: number) {
  const body = JSON.stringify({
    order_id: orderId,
    sub_id: "x".repeat(40),
    state: "new",
    sale_minor: 129_900,
    payout_minor: 9_000,
    sent_at: sentAtSec,
  });
  const mac = toHex(await hmacSha256(NETWORK_SECRET, body));
  return postback(networkId, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", "x-signature": `sha256=${mac}` },
  });
}

describe("template postbacks: signed timestamp, ±300 s", () => {
  it("a fresh signed postback is accepted", async () => {
    const networkId = await networkOf("template", signedJsonMapping);
    const response = await signedTemplatePostback(networkId, "TPL-fresh", nowSec() - 30);
    expect(response.status).toBe(202);
    expect((await receivedRow(networkId)).verdict).toBe("accepted");
  });

  it("a replayed postback (correct signature, old timestamp) → 401, recorded rejected", async () => {
    const networkId = await networkOf("template", signedJsonMapping);
    const response = await signedTemplatePostback(networkId, "TPL-replay", nowSec() - 301);
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await response.json()) as { code: string; detail: string };
    expect(problem.code).toBe("invalid_signature");
    expect(problem.detail).toMatch(/±5 minute/);
    expect(await receivedRow(networkId)).toMatchObject({
      verdict: "rejected",
      reject_reason: "stale_timestamp",
    });
  });

  it("a mapping whose HMAC leaves the fields' part unsigned rejects every postback", async () => {
    const networkId = await networkOf(
      "template",
      { ...signedJsonMapping, auth: { ...signedJsonMapping.auth, message: "query_string" } },
      { savedBeforeTheRule: true },
    );
    const response = await signedTemplatePostback(networkId, "TPL-unsigned", nowSec());
    expect(response.status).toBe(401);
    const row = await receivedRow(networkId);
    expect(row.verdict).toBe("rejected");
    expect(row.reject_reason).toMatch(/^misconfigured: .*signature must cover every part/);
  });
});
