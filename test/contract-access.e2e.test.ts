import { beforeAll, describe, expect, it } from "vitest";
import { TEST_KEYS } from "./access-keys";
import { type ContractRequest, exchange } from "./contract-exchange";
import { ContractValidator, type OpenApiDocument } from "./contract-validator";
import { api } from "./helpers";

/**
 * The access routes and refusals against the served OpenAPI document: the audit log is
 * documented and answers as documented, a scope refusal is a documented 403 on every admin
 * operation, and every admin operation names the admin key as its security.
 */

let doc: OpenApiDocument & {
  paths: Record<
    string,
    Record<string, { security?: unknown; responses?: Record<string, unknown> }>
  >;
};
let validator: ContractValidator;

beforeAll(async () => {
  doc = (await (await api("/openapi.json")).json()) as typeof doc;
  validator = new ContractValidator(doc);
  // Something to read: one write, by the catalog key.
  await api("/admin/v1/merchants/contract-access-none", {
    method: "PUT",
    headers: { authorization: `Bearer ${TEST_KEYS.catalog}`, "content-type": "application/json" },
    body: JSON.stringify({
      networkId: "contract-access-missing",
      name: "x",
      landingUrl: "https://x.test/",
    }),
  });
});

const asKey = (key: string) => ({ authorization: `Bearer ${key}` });

describe("access routes, checked against /openapi.json", () => {
  it.each<[string, ContractRequest, number]>([
    [
      "the audit log, read with a read-only key",
      {
        method: "GET",
        path: "/admin/v1/audit-log?limit=5",
        as: "admin",
        headers: asKey(TEST_KEYS.reader),
      },
      200,
    ],
    [
      "the audit log, filtered",
      {
        method: "GET",
        path: "/admin/v1/audit-log?actor=test-catalog&pathPrefix=/admin/v1/merchants/&since=2020-01-01T00:00:00Z",
        as: "admin",
      },
      200,
    ],
    [
      "a write refused for its scope",
      {
        method: "PUT",
        path: "/admin/v1/gift-cards/contract-access",
        as: "admin",
        headers: asKey(TEST_KEYS.catalog),
        body: { brand: "X", currency: "INR", denominationsMinor: [10_000] },
      },
      403,
    ],
  ])("%s", async (_name, request, status) => {
    const { response, body, verdict } = await exchange(validator, request);
    expect(response.status, JSON.stringify(body)).toBe(status);
    expect(verdict.requestErrors).toEqual([]);
    expect(verdict.responseErrors).toEqual([]);
    if (status === 200) expect((body as { items: unknown[] }).items.length).toBeGreaterThan(0);
  });

  it("documents the admin key and a 403 on every admin operation", () => {
    const missing: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      if (!path.startsWith("/admin/")) continue;
      for (const [method, operation] of Object.entries(operations)) {
        if (JSON.stringify(operation.security) !== JSON.stringify([{ adminKey: [] }])) {
          missing.push(`${method} ${path}: security`);
        }
        if (!operation.responses?.["403"]) missing.push(`${method} ${path}: 403`);
      }
    }
    expect(missing).toEqual([]);
    expect(doc.paths["/admin/v1/audit-log"]?.get).toBeDefined();
  });
});
