import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "#workers/api/src/app";
import { scopeRuleFor } from "#workers/api/src/auth/admin-scopes";
import { sha256Hex, TEST_KEYS, withKey } from "./access-keys";
import { ADMIN_HEADERS, adminPut, api, seedCatalog } from "./helpers";

/**
 * Admin access through the real api worker: named keys with scopes (ADMIN_API_KEYS in
 * vitest.config.ts) beside the legacy ADMIN_API_KEY, refusals as 403 problems, rotation with
 * two keys valid at once, and the audit log of every admin write.
 */

interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  scope: string;
  method: string;
  path: string;
  operationId: string | null;
  status: number;
  problem: { code: string; detail: string } | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requestId: string | null;
}

async function auditLog(query: string, key: string = TEST_KEYS.reader) {
  const response = await api(`/admin/v1/audit-log${query}`, withKey(key));
  expect(response.status).toBe(200);
  return (await response.json()) as { items: AuditEntry[]; nextCursor: string | null };
}

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  const body = (await response.json()) as { code: string; detail: string };
  expect(body.code).toBe(code);
  return body;
}

/** The api worker with other bindings, for rotation and misconfiguration cases. */
function apiWith(bindings: Record<string, string>, path: string, init: RequestInit) {
  return createApp().fetch(new Request(`https://api.test${path}`, init), { ...env, ...bindings });
}

const OFFER_BODY = {
  merchantId: "test-shop",
  title: "Access test offer",
  networkOfferRef: "acc-1",
  currency: "INR",
  cashback: { basis: "sale", defaultRateBps: 400 },
  returnWindowDays: 30,
};

beforeAll(async () => {
  await seedCatalog();
});

describe("every admin route has a scope", () => {
  it("maps each operation of the served OpenAPI document to a rule", async () => {
    const doc = (await (await api("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const adminPaths = Object.keys(doc.paths).filter((p) => p.startsWith("/admin/"));
    expect(adminPaths.length).toBeGreaterThan(30);
    const unscoped = adminPaths.filter(
      (p) => scopeRuleFor(p.replaceAll(/\{[^}]+\}/g, "x")) === null,
    );
    expect(
      unscoped,
      "add these paths to ADMIN_SCOPE_RULES (workers/api/src/auth/admin-scopes.ts)",
    ).toEqual([]);
  });
});

describe("admin keys and scopes", () => {
  it("keeps the legacy ADMIN_API_KEY working as the admin key named default", async () => {
    const response = await adminPut("/admin/v1/offers/access-legacy", OFFER_BODY);
    expect(response.status).toBe(200);
    const { items } = await auditLog("?pathPrefix=/admin/v1/offers/access-legacy");
    expect(items[0]).toMatchObject({ actor: "default", scope: "admin", status: 200 });
  });

  it("refuses an unknown key with 401 and a key of the wrong scope with a 403 problem", async () => {
    await expectProblem(
      await api("/admin/v1/offers", withKey("test-catalog-key-0123456789abcdeX")),
      401,
      "unauthorized",
    );
    const refused = await expectProblem(
      await api(
        "/admin/v1/offers/access-ro",
        withKey(TEST_KEYS.reader, { method: "PUT", body: JSON.stringify(OFFER_BODY) }),
      ),
      403,
      "forbidden",
    );
    expect(refused.detail).toContain('"test-reader" has scope read-only');
    expect(refused.detail).toContain("needs scope catalog");
    expect((await api("/admin/v1/offers/access-ro", { headers: ADMIN_HEADERS })).status).toBe(404);
  });

  it.each([
    {
      label: "catalog writes an offer",
      key: TEST_KEYS.catalog,
      method: "PUT",
      path: "/admin/v1/offers/access-cat",
      body: OFFER_BODY,
      allowed: true,
    },
    {
      label: "catalog may not approve payouts",
      key: TEST_KEYS.catalog,
      method: "POST",
      path: "/admin/v1/payouts/po_none/approve",
      allowed: false,
    },
    {
      label: "catalog may not run confirmation",
      key: TEST_KEYS.catalog,
      method: "POST",
      path: "/admin/v1/confirmations/run",
      body: {},
      allowed: false,
    },
    {
      label: "catalog reads payouts",
      key: TEST_KEYS.catalog,
      method: "GET",
      path: "/admin/v1/payouts",
      allowed: true,
    },
    {
      label: "payouts records KYC",
      key: TEST_KEYS.payouts,
      method: "PUT",
      path: "/admin/v1/users/access-kyc/kyc",
      body: { status: "verified" },
      allowed: true,
    },
    {
      label: "payouts may not change an offer",
      key: TEST_KEYS.payouts,
      method: "PUT",
      path: "/admin/v1/offers/access-pay",
      body: OFFER_BODY,
      allowed: false,
    },
    {
      label: "finance reads the summary",
      key: TEST_KEYS.finance,
      method: "GET",
      path: "/admin/v1/finance/summary",
      allowed: true,
    },
    {
      label: "finance may not change a network",
      key: TEST_KEYS.finance,
      method: "PUT",
      path: "/admin/v1/networks/access-fin",
      body: { name: "x" },
      allowed: false,
    },
    {
      label: "support may not cancel a payout",
      key: TEST_KEYS.support,
      method: "POST",
      path: "/admin/v1/payouts/po_none/cancel",
      allowed: false,
    },
    {
      label: "read-only reads offers",
      key: TEST_KEYS.reader,
      method: "GET",
      path: "/admin/v1/offers",
      allowed: true,
    },
    {
      label: "read-only may not read the dev outbox (step-up codes)",
      key: TEST_KEYS.reader,
      method: "GET",
      path: "/admin/v1/dev/notifications",
      allowed: false,
    },
  ])("$label", async ({ key, method, path, body, allowed }) => {
    const response = await api(
      path,
      withKey(key, { method, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
    if (allowed) expect(response.status).toBeLessThan(400);
    else await expectProblem(response, 403, "forbidden");
  });

  it("rotates without downtime: old and new key valid together, then only the new one", async () => {
    const [oldKey, newKey] = [
      "ops-key-before-rotation-0123456789",
      "ops-key-after-rotation-0123456789",
    ];
    const entry = async (name: string, key: string) => ({
      name,
      scope: "catalog",
      sha256: await sha256Hex(key),
    });
    const during = JSON.stringify([
      await entry("ops-2025", oldKey),
      await entry("ops-2026", newKey),
    ]);
    const after = JSON.stringify([await entry("ops-2026", newKey)]);
    const get = (keys: string, key: string) =>
      apiWith({ ADMIN_API_KEYS: keys }, "/admin/v1/offers", withKey(key));
    expect((await get(during, oldKey)).status).toBe(200);
    expect((await get(during, newKey)).status).toBe(200);
    expect((await get(after, newKey)).status).toBe(200);
    await expectProblem(await get(after, oldKey), 401, "unauthorized");
  });

  it.each([
    { label: "not JSON", keys: "[{" },
    {
      label: "an unknown scope",
      keys: JSON.stringify([{ name: "x", scope: "root", key: "k".repeat(30) }]),
    },
    {
      label: "a short clear key",
      keys: JSON.stringify([{ name: "x", scope: "admin", key: "short" }]),
    },
    {
      label: "two entries with one name",
      keys: JSON.stringify([{ name: "default", scope: "admin", key: "k".repeat(30) }]),
    },
  ])("fails closed when ADMIN_API_KEYS is malformed: $label", async ({ keys }) => {
    const body = await expectProblem(
      await apiWith({ ADMIN_API_KEYS: keys }, "/admin/v1/offers", { headers: ADMIN_HEADERS }),
      500,
      "internal",
    );
    expect(body.detail).toBe("the admin keys of this deployment are misconfigured");
  });
});

describe("the admin audit log", () => {
  it("records a create and an update with before and after, never the secret sent", async () => {
    const secret = "audit-net-postback-secret-0123456789";
    const network = {
      name: "Audit Net",
      trackingTemplate: "https://audit.test/t?s={subid}",
      postbackSecret: secret,
    };
    expect(
      (
        await api(
          "/admin/v1/networks/audit-net",
          withKey(TEST_KEYS.catalog, { method: "PUT", body: JSON.stringify(network) }),
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await api(
          "/admin/v1/networks/audit-net",
          withKey(TEST_KEYS.catalog, {
            method: "PUT",
            body: JSON.stringify({ ...network, name: "Audit Net 2" }),
          }),
        )
      ).status,
    ).toBe(200);

    const { items } = await auditLog("?pathPrefix=/admin/v1/networks/audit-net&actor=test-catalog");
    expect(items).toHaveLength(2);
    const [update, create] = items as [AuditEntry, AuditEntry];
    expect(create).toMatchObject({
      actor: "test-catalog",
      scope: "catalog",
      method: "PUT",
      path: "/admin/v1/networks/audit-net",
      operationId: "putNetwork",
      status: 200,
      problem: null,
      before: null,
    });
    expect(create.after).toMatchObject({
      id: "audit-net",
      name: "Audit Net",
      postbackSecretSet: true,
    });
    expect(update.before).toMatchObject({ name: "Audit Net" });
    expect(update.after).toMatchObject({ name: "Audit Net 2" });
    expect(update.requestId).toBeTruthy();
    expect(Date.parse(update.at)).toBeGreaterThanOrEqual(Date.parse(create.at));
    // Neither the secret nor any admin key is stored anywhere in the log.
    const stored = JSON.stringify(await env.DB.prepare("SELECT * FROM admin_audit_log").all());
    for (const value of [secret, env.ADMIN_API_KEY as string, ...Object.values(TEST_KEYS)]) {
      expect(stored).not.toContain(value);
    }
  });

  it("records refused writes with their status and reason", async () => {
    await api(
      "/admin/v1/offers/audit-refused",
      withKey(TEST_KEYS.reader, { method: "PUT", body: JSON.stringify(OFFER_BODY) }),
    );
    const { items } = await auditLog("?pathPrefix=/admin/v1/offers/audit-refused");
    expect(items[0]).toMatchObject({
      actor: "test-reader",
      status: 403,
      before: null,
      after: null,
    });
    expect(items[0]?.problem?.code).toBe("forbidden");
  });

  it("keeps before and after of a resource changed by an action, and the answer of a write with no GET", async () => {
    const kyc = (status: string) =>
      api(
        "/admin/v1/users/audit-kyc-user/kyc",
        withKey(TEST_KEYS.payouts, { method: "PUT", body: JSON.stringify({ status }) }),
      );
    expect((await kyc("pending")).status).toBe(200);
    expect((await kyc("verified")).status).toBe(200);
    const { items } = await auditLog("?pathPrefix=/admin/v1/users/audit-kyc-user/kyc");
    expect(items[0]?.before).toMatchObject({ status: "pending" });
    expect(items[0]?.after).toMatchObject({ status: "verified" });

    const run = await api("/admin/v1/confirmations/run", {
      method: "POST",
      headers: ADMIN_HEADERS,
      body: "{}",
    });
    expect(run.status).toBe(200);
    const answer = await run.json();
    const ran = await auditLog("?pathPrefix=/admin/v1/confirmations/run&limit=1");
    expect(ran.items[0]).toMatchObject({
      operationId: "runConfirmations",
      before: null,
      after: answer,
    });
  });

  it("reads newest first, filtered, in pages, with any key; never records reads", async () => {
    for (const n of [1, 2, 3]) {
      await api(
        `/admin/v1/offers/audit-page-${n}`,
        withKey(TEST_KEYS.catalog, { method: "PUT", body: JSON.stringify(OFFER_BODY) }),
      );
    }
    const first = await auditLog("?pathPrefix=/admin/v1/offers/audit-page-&limit=2");
    expect(first.items.map((e) => e.path)).toEqual([
      "/admin/v1/offers/audit-page-3",
      "/admin/v1/offers/audit-page-2",
    ]);
    expect(first.nextCursor).toBeTruthy();
    const second = await auditLog(
      `?pathPrefix=/admin/v1/offers/audit-page-&limit=2&cursor=${encodeURIComponent(first.nextCursor as string)}`,
      TEST_KEYS.finance,
    );
    expect(second.items.map((e) => e.path)).toEqual(["/admin/v1/offers/audit-page-1"]);
    expect(second.nextCursor).toBeNull();

    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await auditLog(`?since=${encodeURIComponent(future)}`)).items).toEqual([]);
    expect((await auditLog("?actor=nobody")).items).toEqual([]);
    expect((await auditLog("?pathPrefix=/admin/v1/audit-log")).items).toEqual([]);
    await expectProblem(
      await api("/admin/v1/audit-log?cursor=nope", withKey(TEST_KEYS.reader)),
      400,
      "validation_failed",
    );
  });
});
