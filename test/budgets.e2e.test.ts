import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { budgetFor } from "#durable-objects/budget/index";
import { TEST_KEYS, withKey } from "./access-keys";
import { ADMIN_HEADERS, api } from "./helpers";

/**
 * GET /admin/v1/budgets/{key}: an operator reads one rule budget's use from its budget object
 * (durable-objects/budget/), the key URL-encoded in the path.
 */

const getBudget = (key: string, init: RequestInit = { headers: ADMIN_HEADERS }) =>
  api(`/admin/v1/budgets/${encodeURIComponent(key)}`, init);

describe("GET /admin/v1/budgets/{key}", () => {
  it("reports asked vs granted vs released vs remaining, with the period from the key", async () => {
    const key = "rule:cashback-x:user:u%3Aapi:month:2026-03";
    const stub = budgetFor(env, key);
    const base = { budgetKey: key, unit: "INR", limit: 1_000, limitVersion: 4, holder: "u:api" };
    await stub.reserve({ ...base, reference: "evt-1", desired: 700, seq: 1 });
    await stub.reserve({ ...base, reference: "evt-2", desired: 700, seq: 1 });
    await stub.release({ ...base, reference: "evt-1", seq: 2 });

    const response = await getBudget(key, withKey(TEST_KEYS.viewer));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      budgetKey: key,
      ruleId: "cashback-x",
      entity: "user",
      entityId: "u:api",
      period: "month",
      periodKey: "month:2026-03",
      unit: "INR",
      limit: 1_000,
      limitVersion: 4,
      askedTotal: 700,
      grantedTotal: 1_000,
      releasedTotal: 700,
      outstanding: 300,
      overLimit: 0,
      remaining: 700,
      reservations: 1,
      partialReservations: 1,
    });
    expect(typeof body.updatedAt).toBe("string");
  });

  it("answers 404 for a well-formed key no reward has drawn on", async () => {
    const response = await getBudget("rule:never:global:lifetime");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });

  it.each([
    { label: "not a rule key", key: "campaign:c1" },
    { label: "an unknown period", key: "rule:r1:global:year:2026" },
    { label: "a user budget without its id", key: "rule:r1:user:month:2026-03" },
  ])("answers 400 for $label", async ({ key }) => {
    const response = await getBudget(key);
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });

  it("is in the OpenAPI document under the budgets tag", async () => {
    const doc = (await (await api("/openapi.json")).json()) as {
      paths: Record<string, { get?: { operationId: string; tags: string[] } }>;
    };
    expect(doc.paths["/admin/v1/budgets/{key}"]?.get).toMatchObject({
      operationId: "getBudget",
      tags: ["budgets"],
    });
  });
});
