import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { forgetCachedConfig } from "#shared/config/config-store";
import { LIVE_RULE_SET_KEY, loadLiveRuleSet } from "#shared/rules/live-rule-set";
import { TEST_KEYS, withKey } from "./access-keys";
import { exchange } from "./contract-exchange";
import { ContractValidator, type OpenApiDocument } from "./contract-validator";
import { api } from "./helpers";

/**
 * Rule set management through the real api worker (docs/rules.md "Managing rules"): the
 * draft validated on save, publish, diff, rollback, optimistic concurrency, propagation to
 * the config cache, and the simulator, which writes nothing. Every admin answer is checked
 * against the served OpenAPI document. The tests run in order and share one D1.
 */

let validator: ContractValidator;

beforeAll(async () => {
  validator = new ContractValidator((await (await api("/openapi.json")).json()) as OpenApiDocument);
});

/** An admin call (the default admin key), its answer checked against /openapi.json. */
async function admin(method: "GET" | "PUT" | "POST", path: string, body?: unknown) {
  const {
    response,
    body: json,
    verdict,
  } = await exchange(validator, {
    method,
    path,
    as: "admin",
    ...(body === undefined ? {} : { body }),
  });
  expect(verdict.responseErrors, `${method} ${path} → ${response.status}`).toEqual([]);
  // biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers.
  return { status: response.status, body: json as any, headers: response.headers };
}

const BIG_PURCHASE = {
  id: "big-purchase",
  name: "1% back on electronics from ₹1,000",
  eventTypes: ["purchase.completed"],
  conditions: {
    all: [
      { attr: "event.amountMinor", op: "gte", value: 100_000 },
      { attr: "event.category", op: "in", value: ["electronics", "mobiles"] },
    ],
  },
  effects: [{ kind: "cashback_percent", rateBps: 100 }],
  priority: 10,
  group: "base",
  active: true,
};
const POINTS = {
  id: "points-per-rupee",
  name: "1 point a rupee",
  eventTypes: ["purchase.completed"],
  conditions: { all: [] },
  effects: [{ kind: "points_per_unit", points: 1, perUnitMinor: 100 }],
  priority: 0,
  group: "base",
  active: true,
};
const RULE_SET = {
  timeZone: "Asia/Kolkata",
  groups: [{ name: "base", mode: "stackable" }],
  rules: [BIG_PURCHASE, POINTS],
};

const EVENT = {
  id: "evt-sim-1",
  type: "purchase.completed",
  userId: "u-sim",
  occurredAt: "2026-12-05T10:15:00+05:30",
  data: { amountMinor: 50_000, currency: "INR", orderId: "ord-1", category: "electronics" },
};

/** Every D1 table's rows and every KV entry, to compare before and after. */
async function snapshotStorage(): Promise<Record<string, unknown>> {
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name",
  ).all<{ name: string }>();
  const out: Record<string, unknown> = {};
  for (const { name } of tables.results) {
    out[`d1:${name}`] = (await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results;
  }
  // The api's one KV namespace (wrangler.toml kv_namespaces).
  const listed = await env.CONFIG_KV.list();
  out["kv:CONFIG_KV"] = await Promise.all(
    listed.keys.map(async (key) => [key.name, await env.CONFIG_KV.get(key.name)]),
  );
  return out;
}

describe("rule sets: draft, publish, diff, rollback", () => {
  it("refuses a draft with an invalid rule with every problem at its path, and saves nothing", async () => {
    const bad = structuredClone(RULE_SET);
    (bad.rules[0] as { conditions: unknown }).conditions = {
      all: [
        { attr: "event.amountMinor", op: "gte", value: 100_000 },
        { attr: "event.category", op: "gt", value: 5 },
      ],
    };
    (bad.rules[1] as { conditions: unknown }).conditions = {
      attr: "event.amount",
      op: "gt",
      value: 1,
    };
    const saved = await admin("PUT", "/admin/v1/rules/draft", bad);
    expect(saved.status).toBe(400);
    expect(saved.headers.get("content-type")).toContain("application/problem+json");
    const paths = (saved.body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toContain("rules[0].conditions.all[1].op");
    expect(paths).toContain("rules[1].conditions.attr");

    // Checks across rules (once every rule has its shape): a group the set does not declare.
    const crossed = await admin("PUT", "/admin/v1/rules/draft", {
      ...RULE_SET,
      rules: [BIG_PURCHASE, { ...POINTS, group: "boosts" }],
    });
    expect(crossed.status).toBe(400);
    expect(crossed.body.errors).toEqual([
      { path: "rules[1].group", message: 'no group "boosts" in groups' },
    ]);

    const shape = await admin("PUT", "/admin/v1/rules/draft", {
      ...RULE_SET,
      rules: [{ ...POINTS, effects: [{ kind: "points_fixed", points: -1 }] }],
    });
    expect(shape.status).toBe(400);
    expect(shape.body.errors[0].path).toMatch(/^rules\[0\]\.effects\[0\]/);

    // What campaigns own: their rule ids, their group and the click event.
    const campaignOwned = await admin("PUT", "/admin/v1/rules/draft", {
      ...RULE_SET,
      groups: [...RULE_SET.groups, { name: "campaigns", mode: "stackable" }],
      rules: [{ ...POINTS, id: "campaign.x", group: "campaigns", eventTypes: ["offer.clicked"] }],
    });
    expect(campaignOwned.status).toBe(400);
    expect((campaignOwned.body.errors as { path: string }[]).map((e) => e.path)).toEqual([
      "rules[0].id",
      "rules[0].group",
      "rules[0].eventTypes[0]",
    ]);

    expect((await admin("GET", "/admin/v1/rules/draft")).status).toBe(404);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM rule_set_draft").first<{
      n: number;
    }>();
    expect(rows?.n).toBe(0);
  });

  it("refuses a budget's parts outside 1–64, fractional, or on a user budget, each at its path", async () => {
    const budget = { entity: "global", period: "month", limit: { points: 1_000 } };
    for (const parts of [0, 65, 2.5, "4"]) {
      const refused = await admin("PUT", "/admin/v1/rules/draft", {
        ...RULE_SET,
        rules: [{ ...POINTS, budgets: [{ ...budget, parts }] }],
      });
      expect(refused.status, JSON.stringify(parts)).toBe(400);
      expect(refused.headers.get("content-type")).toContain("application/problem+json");
      expect((refused.body.errors as { path: string }[]).map((e) => e.path)).toEqual([
        "rules[0].budgets[0].parts",
      ]);
    }
    const perUser = await admin("PUT", "/admin/v1/rules/draft", {
      ...RULE_SET,
      rules: [{ ...POINTS, budgets: [{ ...budget, entity: "user", parts: 4 }] }],
    });
    expect(perUser.status).toBe(400);
    expect(perUser.body.errors).toEqual([
      {
        path: "rules[0].budgets[0].parts",
        message: "a user budget is one user's: only a global or campaign budget is split",
      },
    ]);
    expect((await admin("GET", "/admin/v1/rules/draft")).status).toBe(404);
    // In range on a shared budget it is published as given: test/rule-budget-parts.e2e.test.ts.
  });

  it("saves a valid draft (version assigned on publish, never by the client)", async () => {
    const saved = await admin("PUT", "/admin/v1/rules/draft", { ...RULE_SET, version: 99 });
    expect(saved.status).toBe(200);
    expect(saved.body.ruleSet.version).toBeUndefined();
    expect(saved.body).toMatchObject({ basedOnVersion: null, liveVersion: null, revision: 1 });
    // Defaults filled in by validation.
    expect(saved.body.ruleSet.rules[0]).toMatchObject({ schedule: {}, budgets: [] });
    expect((await admin("GET", "/admin/v1/rules/live")).status).toBe(404);
  });

  it("publishes the draft as version 1, live, and propagates it to the config cache", async () => {
    const published = await admin("POST", "/admin/v1/rules/publish", { note: "first rules" });
    expect(published.status).toBe(201);
    expect(published.headers.get("location")).toBe("/admin/v1/rules/versions/1");
    expect(published.body).toMatchObject({ version: 1, live: true, note: "first rules" });
    expect(published.body.ruleSet.version).toBe(1);

    const live = await admin("GET", "/admin/v1/rules/live");
    expect(live.body).toMatchObject({ version: 1, rolledBackFrom: null, publishedBy: "default" });

    const cached = await env.CONFIG_KV.get<{ version: number }>(LIVE_RULE_SET_KEY, "json");
    expect(cached?.version).toBe(1);
    const draft = await admin("GET", "/admin/v1/rules/draft");
    expect(draft.body).toMatchObject({ basedOnVersion: 1, liveVersion: 1 });
  });

  it("refuses a publish that changes nothing", async () => {
    const again = await admin("POST", "/admin/v1/rules/publish", {});
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain("nothing to publish");
  });

  it("diffs an edited draft against live, and publishes it as version 2", async () => {
    const edited = structuredClone(RULE_SET);
    edited.rules[0] = {
      ...BIG_PURCHASE,
      priority: 20,
      effects: [{ kind: "cashback_percent", rateBps: 150 }],
    };
    edited.rules[1] = {
      ...POINTS,
      id: "first-purchase-bonus",
      name: "50 points on the month's first purchase",
      conditions: {
        all: [{ attr: "context.firstOfKindThisMonth", op: "eq", value: true }],
      } as never,
      effects: [{ kind: "points_fixed", points: 50 } as never],
    };
    expect((await admin("PUT", "/admin/v1/rules/draft", edited)).status).toBe(200);

    const diff = await admin("GET", "/admin/v1/rules/draft/diff");
    expect(diff.status).toBe(200);
    expect(diff.body).toEqual({
      liveVersion: 1,
      basedOnVersion: 1,
      hasChanges: true,
      timeZone: null,
      groupsChanged: false,
      added: ["first-purchase-bonus"],
      removed: ["points-per-rupee"],
      changed: [{ id: "big-purchase", fields: ["effects", "priority"] }],
    });

    const published = await admin("POST", "/admin/v1/rules/publish");
    expect(published.status).toBe(201);
    expect(published.body.version).toBe(2);
    const versions = await admin("GET", "/admin/v1/rules/versions");
    expect(
      versions.body.items.map((v: { version: number; live: boolean }) => [v.version, v.live]),
    ).toEqual([
      [2, true],
      [1, false],
    ]);
    const paged = await admin("GET", "/admin/v1/rules/versions?limit=1");
    expect(paged.body.nextCursor).toBe("2");
    const next = await admin(
      "GET",
      `/admin/v1/rules/versions?limit=1&cursor=${paged.body.nextCursor}`,
    );
    expect(next.body.items[0].version).toBe(1);
    expect(next.body.nextCursor).toBeNull();
  });

  it("rolls back to version 1 by publishing version 3 with version 1's rules", async () => {
    const rolled = await admin("POST", "/admin/v1/rules/rollback", {
      version: 1,
      note: "too generous",
    });
    expect(rolled.status).toBe(201);
    expect(rolled.body).toMatchObject({ version: 3, rolledBackFrom: 1, live: true });
    const one = await admin("GET", "/admin/v1/rules/versions/1");
    const three = await admin("GET", "/admin/v1/rules/versions/3");
    const { version: _1, ...rulesOf1 } = one.body.ruleSet;
    const { version: _3, ...rulesOf3 } = three.body.ruleSet;
    expect(rulesOf3).toEqual(rulesOf1);
    expect(one.body.ruleSet.version).toBe(1);
    expect(three.body.ruleSet.version).toBe(3);
    const cached = await env.CONFIG_KV.get<{ version: number }>(LIVE_RULE_SET_KEY, "json");
    expect(cached?.version).toBe(3);

    const same = await admin("POST", "/admin/v1/rules/rollback", { version: 3 });
    expect(same.status).toBe(409);
    const unknown = await admin("POST", "/admin/v1/rules/rollback", { version: 40 });
    expect(unknown.status).toBe(400);
    expect((await admin("GET", "/admin/v1/rules/versions/40")).status).toBe(404);
  });

  it("refuses to publish a draft edited from an older version than the live one (409)", async () => {
    // The draft was based on version 2; the rollback made 3 live meanwhile.
    const stale = await admin("POST", "/admin/v1/rules/publish");
    expect(stale.status).toBe(409);
    expect(stale.body.detail).toContain("version 3 is live now");
    expect((await admin("GET", "/admin/v1/rules/live")).body.version).toBe(3);

    // Saved again from an older version by someone else: still refused.
    const draft = (await admin("GET", "/admin/v1/rules/draft")).body;
    await admin("PUT", "/admin/v1/rules/draft", { ...draft.ruleSet, basedOnVersion: 1 });
    expect((await admin("POST", "/admin/v1/rules/publish")).status).toBe(409);

    // Re-based on the live version after review: published as 4.
    await admin("PUT", "/admin/v1/rules/draft", { ...draft.ruleSet, basedOnVersion: 3 });
    const published = await admin("POST", "/admin/v1/rules/publish");
    expect(published.status).toBe(201);
    expect(published.body.version).toBe(4);
    const future = await admin("PUT", "/admin/v1/rules/draft", {
      ...draft.ruleSet,
      basedOnVersion: 9,
    });
    expect(future.status).toBe(400);
    expect(future.body.errors[0].path).toBe("basedOnVersion");
  });

  it("takes a draft of many rules (a body past the 64 KiB bound of other routes), and nothing over 1 MiB", async () => {
    const current = (await admin("GET", "/admin/v1/rules/draft")).body.ruleSet;
    const many = Array.from({ length: 600 }, (_, i) => ({
      ...POINTS,
      id: `bulk-${i}`,
      name: `Bulk rule number ${i} with a name long enough to be realistic`,
      active: false,
    }));
    const large = { ...current, rules: [...current.rules, ...many] };
    expect(JSON.stringify(large).length).toBeGreaterThan(64 * 1024);
    const saved = await admin("PUT", "/admin/v1/rules/draft", large);
    expect(saved.status).toBe(200);
    expect(saved.body.ruleSet.rules).toHaveLength(602);
    const huge = await api(
      "/admin/v1/rules/draft",
      withKey(TEST_KEYS.catalog, {
        method: "PUT",
        body: JSON.stringify({ ...large, pad: "x".repeat(1024 * 1024) }),
      }),
    );
    expect(huge.status).toBe(413);
    // Back to the draft as it was.
    expect((await admin("PUT", "/admin/v1/rules/draft", current)).status).toBe(200);
  });

  it("lets exactly one of two concurrent publishes through", async () => {
    const draft = (await admin("GET", "/admin/v1/rules/draft")).body;
    const changed = structuredClone(draft.ruleSet);
    changed.rules[0].priority = 30;
    await admin("PUT", "/admin/v1/rules/draft", changed);
    const results = await Promise.all([
      api("/admin/v1/rules/publish", withKey(TEST_KEYS.catalog, { method: "POST", body: "{}" })),
      api("/admin/v1/rules/publish", withKey(TEST_KEYS.catalog, { method: "POST", body: "{}" })),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const versions = await admin("GET", "/admin/v1/rules/versions");
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([5, 4, 3, 2, 1]);
  });

  it("loads the live version through memory, KV and D1", async () => {
    const waits: Promise<unknown>[] = [];
    const waitUntil = (p: Promise<unknown>) => void waits.push(p);
    expect((await loadLiveRuleSet(env, waitUntil))?.version).toBe(5);
    // KV lost: D1 answers, and the value is written back.
    await env.CONFIG_KV.delete(LIVE_RULE_SET_KEY);
    forgetCachedConfig([LIVE_RULE_SET_KEY]);
    const fromD1 = await loadLiveRuleSet(env, waitUntil);
    expect(fromD1?.version).toBe(5);
    expect(fromD1?.ruleSet.rules.map((r) => r.id)).toEqual([
      "big-purchase",
      "first-purchase-bonus",
    ]);
    await Promise.all(waits);
    expect((await env.CONFIG_KV.get<{ version: number }>(LIVE_RULE_SET_KEY, "json"))?.version).toBe(
      5,
    );
  });
});

describe("the simulator", () => {
  it("evaluates against live with a trace naming the failed condition and its actual value", async () => {
    const result = await admin("POST", "/admin/v1/rules/simulate", {
      event: EVENT,
      against: "live",
      user: { tier: "gold", segments: ["students"] },
      context: { countOfKindThisMonth: 0 },
    });
    expect(result.status).toBe(200);
    expect(result.body.version).toBe(5);
    expect(result.body.facts).toMatchObject({
      "event.amountMinor": 50_000,
      "user.id": "u-sim",
      "context.firstOfKindThisMonth": true,
    });
    expect(result.body.applied).toEqual([
      expect.objectContaining({
        ruleId: "first-purchase-bonus",
        ruleVersion: 5,
        effect: { kind: "points_fixed", points: 50 },
        pointsAsked: 50,
      }),
    ]);
    const big = result.body.trace.rules.find(
      (r: { ruleId: string }) => r.ruleId === "big-purchase",
    );
    expect(big.outcome).toBe("conditions_failed");
    expect(big.conditions.children[0]).toMatchObject({
      attr: "event.amountMinor",
      op: "gte",
      expected: 100_000,
      actual: 50_000,
      result: "fail",
    });
    expect(big.conditions.children[1].result).toBe("not_evaluated");
  });

  it("evaluates against the draft as the next version", async () => {
    const draft = (await admin("GET", "/admin/v1/rules/draft")).body;
    const lower = structuredClone(draft.ruleSet);
    lower.rules[0].conditions.all[0].value = 10_000;
    await admin("PUT", "/admin/v1/rules/draft", lower);
    const result = await admin("POST", "/admin/v1/rules/simulate", {
      event: EVENT,
      against: "draft",
      context: { countOfKindThisMonth: 2 },
    });
    expect(result.status).toBe(200);
    expect(result.body.version).toBe(6);
    expect(result.body.applied).toEqual([
      expect.objectContaining({ ruleId: "big-purchase", cashbackAskedMinor: 750, currency: "INR" }),
    ]);
    const bonus = result.body.trace.rules.find(
      (r: { ruleId: string }) => r.ruleId === "first-purchase-bonus",
    );
    expect(bonus.conditions.children[0]).toMatchObject({ actual: false, result: "fail" });
  });

  it("checks the event as the intake does: a bad or unregistered custom event is a 400", async () => {
    const bad = await admin("POST", "/admin/v1/rules/simulate", {
      event: { ...EVENT, data: { ...EVENT.data, amountMinor: "lots" } },
      against: "live",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("event.data.amountMinor");
    const custom = await admin("POST", "/admin/v1/rules/simulate", {
      event: { ...EVENT, type: "custom.quiz_passed", data: { score: 9 } },
      against: "draft",
    });
    expect(custom.status).toBe(400);
    expect(custom.body.errors[0].path).toBe("event.type");
  });

  it("writes nothing: every D1 table and every KV entry are the same before and after", async () => {
    const before = await snapshotStorage();
    expect(Object.keys(before)).toContain("d1:admin_audit_log");
    expect(Object.keys(before)).toContain("kv:CONFIG_KV");
    for (const against of ["live", "draft"] as const) {
      const response = await api(
        "/admin/v1/rules/simulate",
        withKey(TEST_KEYS.catalog, {
          method: "POST",
          body: JSON.stringify({
            event: EVENT,
            against,
            user: { signedUpAt: "2026-01-01T00:00:00Z" },
          }),
        }),
      );
      expect(response.status).toBe(200);
    }
    expect(await snapshotStorage()).toEqual(before);
  });
});

describe("roles", () => {
  it("refuses a viewer each write, and lets it read and simulate", async () => {
    const viewer = (init: RequestInit = {}) => withKey(TEST_KEYS.viewer, init);
    const writes: [string, RequestInit][] = [
      ["/admin/v1/rules/draft", { method: "PUT", body: JSON.stringify(RULE_SET) }],
      ["/admin/v1/rules/publish", { method: "POST", body: "{}" }],
      ["/admin/v1/rules/rollback", { method: "POST", body: JSON.stringify({ version: 1 }) }],
    ];
    for (const [path, init] of writes) {
      const response = await api(path, viewer(init));
      expect(response.status, `${init.method} ${path}`).toBe(403);
      expect(((await response.json()) as { code: string }).code).toBe("forbidden");
    }
    expect((await api("/admin/v1/rules/live", viewer())).status).toBe(200);
    expect((await api("/admin/v1/rules/draft/diff", viewer())).status).toBe(200);
    const simulated = await api(
      "/admin/v1/rules/simulate",
      viewer({ method: "POST", body: JSON.stringify({ event: EVENT, against: "live" }) }),
    );
    expect(simulated.status).toBe(200);
    // Nothing the viewer sent changed what is live.
    expect((await admin("GET", "/admin/v1/rules/live")).body.version).toBe(5);
  });

  it("lets a catalog key write", async () => {
    const draft = (await admin("GET", "/admin/v1/rules/draft")).body;
    const response = await api(
      "/admin/v1/rules/draft",
      withKey(TEST_KEYS.catalog, { method: "PUT", body: JSON.stringify(draft.ruleSet) }),
    );
    expect(response.status).toBe(200);
    expect(((await response.json()) as { updatedBy: string }).updatedBy).toBe("test-catalog");
  });
});
