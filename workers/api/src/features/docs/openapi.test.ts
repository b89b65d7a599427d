import { describe, expect, it, test } from "vitest";
import { createApp } from "../../app";

interface Operation {
  operationId?: string;
  tags?: string[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

const FEATURES = [
  "analytics",
  "budgets",
  "catalog",
  "clicks",
  "claims",
  "campaigns",
  "confirmation",
  "events",
  "fraud",
  "loyalty",
  "notifications",
  "operations",
  "operators",
  "payouts",
  "reconciliation",
  "referrals",
  "rules",
  "sync",
  "users",
];

async function servedDocument(): Promise<Doc> {
  const response = await createApp().fetch(new Request("https://api.test/openapi.json"), {});
  return (await response.json()) as Doc;
}

function operations(doc: Doc): Array<[string, Operation]> {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(
      ([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation],
    ),
  );
}

describe("the served OpenAPI document", () => {
  it("gives every operation a unique verb-noun operationId and one feature tag", async () => {
    const ops = operations(await servedDocument());
    expect(ops.length).toBeGreaterThan(50);
    const ids = ops.map(([, op]) => op.operationId);
    expect(new Set(ids).size, "operationIds are unique").toBe(ids.length);
    for (const [name, op] of ops) {
      expect(op.operationId, name).toMatch(
        /^(get|list|put|create|delete|run|sync|reconcile|approve|retry|cancel|receive|publish|simulate)[A-Z][A-Za-z]*$/,
      );
      expect(op.tags, name).toHaveLength(1);
      expect(FEATURES, name).toContain(op.tags?.[0]);
    }
  });

  it("declares at least one 4xx problem response on every operation", async () => {
    for (const [name, op] of operations(await servedDocument())) {
      const problems = Object.entries(op.responses).filter(
        ([status, response]) =>
          /^4\d\d$/.test(status) &&
          response.content?.["application/problem+json"]?.schema?.$ref ===
            "#/components/schemas/Problem",
      );
      expect(problems.length, name).toBeGreaterThan(0);
    }
  });

  it("is OpenAPI 3.1 with servers, and every pattern in it is a standard JSON Schema pattern", async () => {
    const doc = (await servedDocument()) as Doc & { openapi: string; servers?: unknown[] };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers?.length).toBeGreaterThan(0);
    const patterns: string[] = [];
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (node && typeof node === "object") {
        for (const [key, value] of Object.entries(node)) {
          if (key === "pattern" && typeof value === "string") patterns.push(value);
          else collect(value);
        }
      }
    };
    collect(doc);
    expect(patterns.length).toBeGreaterThan(5);
    for (const pattern of patterns) {
      // A regex literal's flags must never leak into the string (`…$/u`).
      expect(pattern, pattern).not.toMatch(/\/[dgimsuyv]+$/);
      // ECMA-262 with the `u` flag, as 2020-12 validators (ajv, @cfworker/json-schema) compile it.
      expect(() => new RegExp(pattern, "u"), pattern).not.toThrow();
    }
  });

  test.each([
    { name: "Alice Demo", accepted: true },
    { name: "Zoë O'Brien-Smith", accepted: true },
    { name: "श्रेया", accepted: true },
    { name: "R2-D2", accepted: false },
    { name: "Eve <script>", accepted: false },
  ])("states holderName's pattern as the server applies it: $name", async ({ name, accepted }) => {
    const doc = await servedDocument();
    const input = doc.components.schemas.PayoutDestinationInput as {
      oneOf: Array<{
        properties: { holderName: { pattern?: string; anyOf?: Array<{ pattern?: string }> } };
      }>;
    };
    const patterns = input.oneOf.flatMap((variant) => {
      const holder = variant.properties.holderName;
      return [holder.pattern, ...(holder.anyOf ?? []).map((s) => s.pattern)].filter(
        (p): p is string => typeof p === "string",
      );
    });
    expect(patterns.length).toBeGreaterThan(0);
    for (const pattern of patterns) {
      expect(pattern).not.toMatch(/\/[a-z]*$/);
      // JSON Schema patterns are ECMA-262; validators compile them with the `u` flag.
      expect(new RegExp(pattern, "u").test(name)).toBe(accepted);
    }
  });
});

describe("request ids", () => {
  test.each([
    { label: "minted when there is no cf-ray", headers: {}, expected: /^req_[0-9a-f]{32}$/ },
    {
      label: "cf-ray when present",
      headers: { "cf-ray": "8f1e2d3c4b5a6978-BOM" },
      expected: /^8f1e2d3c4b5a6978-BOM$/,
    },
  ])("x-request-id is $label", async ({ headers, expected }) => {
    const app = createApp();
    for (const path of ["/healthz", "/no-such-route", "/admin/v1/offers"]) {
      const response = await app.fetch(
        new Request(`https://api.test${path}`, { headers: headers as Record<string, string> }),
        {
          ADMIN_API_KEY: "k",
        },
      );
      expect(response.headers.get("x-request-id"), path).toMatch(expected);
    }
  });
});
