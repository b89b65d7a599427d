import { env } from "cloudflare:test";
import { describe, expect, test } from "vitest";
import { budgetFor } from "#durable-objects/budget/index";
import { periodKey } from "#shared/rules/index";
import { type ConsoleClient, signedIn } from "./console-client";
import { ADMIN_HEADERS, api } from "./helpers";

/**
 * The rules pages of the console (docs/console.md, Rules) through the real worker: the live
 * version and its history, the draft editor (the API's problems under it, each at its path,
 * the text kept), the diff, publish, rollback with its confirm step, the simulator's trace,
 * budgets, and the roles that may only read. The tests run in order and share one D1.
 */

/** The page's text without its tags: what a reader sees. */
const textOf = (page: string) =>
  page
    .replace(/<[^>]+>/g, " ")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");

/** The inline problems under a JSON editor (`f-<name>-error`), as text; null when none. */
function editorErrors(page: string, name: string): string | null {
  const match = new RegExp(`id="f-${name}-error"[^>]*>([\\s\\S]*?)</div>`).exec(page);
  return match ? textOf(match[1] ?? "") : null;
}

/** The text inside a textarea, unescaped. */
function textareaOf(page: string, name: string): string | null {
  const match = new RegExp(`<textarea[^>]*name="${name}"[^>]*>([\\s\\S]*?)</textarea>`).exec(page);
  if (!match) return null;
  return (match[1] ?? "")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

const POINTS_RULE = {
  id: "points-per-100",
  name: "10 points per 100.00 spent",
  eventTypes: ["purchase.completed"],
  conditions: { all: [{ attr: "event.amountMinor", op: "gte", value: 10_000 }] },
  effects: [{ kind: "points_per_unit", points: 10, perUnitMinor: 10_000 }],
  priority: 10,
  group: "base",
  active: true,
};
const BIG_SPENDER = {
  id: "big-spender",
  name: "500 points from 10,000.00",
  eventTypes: ["purchase.completed"],
  conditions: { all: [{ attr: "event.amountMinor", op: "gte", value: 1_000_000 }] },
  effects: [{ kind: "points_fixed", points: 500 }],
  priority: 5,
  group: "base",
  active: true,
};
const ruleSet = (rules: unknown[]) => ({
  timeZone: "Asia/Kolkata",
  groups: [{ name: "base", mode: "stackable" }],
  rules,
});

const purchase = (amountMinor: number) =>
  JSON.stringify({
    id: "sim-1",
    type: "purchase.completed",
    userId: "someone",
    occurredAt: "2026-12-05T10:15:00+05:30",
    data: { amountMinor, currency: "INR", orderId: "o-1", category: "electronics" },
  });

async function page(client: ConsoleClient, path: string) {
  const response = await client.get(path);
  return { status: response.status, html: await response.text() };
}

async function post(client: ConsoleClient, path: string, fields: Record<string, string>) {
  const response = await client.post(path, fields);
  return {
    status: response.status,
    location: response.headers.get("location"),
    html: await response.text(),
  };
}

describe("rules in the console", () => {
  test("before anything is published: the section is in the nav, each page says so", async () => {
    const { client } = await signedIn("catalog");
    const live = await page(client, "/console/rules");
    expect(live.status).toBe(200);
    expect(live.html).toContain('href="/console/rules"');
    expect(live.html).toContain("<h1>Rules</h1>");
    expect(textOf(live.html)).toContain("No rule set is live yet");
    expect(textOf(live.html)).toContain("Nothing has been published yet.");
    expect(live.html).not.toMatch(/ style="/);

    const draft = await page(client, "/console/rules/draft");
    expect(draft.status).toBe(200);
    expect(textOf(draft.html)).toContain("There is no draft yet");
    expect(JSON.parse(textareaOf(draft.html, "ruleSet") ?? "")).toMatchObject({ rules: [] });

    const simulated = await post(client, "/console/rules/simulate", {
      event: purchase(25_000),
      userId: "",
      against: "live",
    });
    expect(simulated.status).toBe(404);
    expect(textOf(simulated.html)).toContain("no rule set version is live yet");
  });

  test("a draft with an invalid rule comes back with each problem at its path, the text kept, nothing saved", async () => {
    const { client } = await signedIn("catalog");
    const broken = ruleSet([
      { ...POINTS_RULE, conditions: { attr: "event.category", op: "gt", value: 5 } },
      BIG_SPENDER,
    ]);
    const typed = JSON.stringify(broken, null, 1);
    const saved = await post(client, "/console/rules/draft", { ruleSet: typed });
    expect(saved.status).toBe(400);
    const errors = editorErrors(saved.html, "ruleSet");
    expect(errors).toContain("rules[0].conditions.op (rule points-per-100)");
    expect(errors).toContain("does not apply to");
    expect(textareaOf(saved.html, "ruleSet")).toBe(typed);
    expect(saved.html).toContain('aria-invalid="true"');

    const notJson = await post(client, "/console/rules/draft", { ruleSet: '{\n  "rules": [,]\n}' });
    expect(notJson.status).toBe(400);
    expect(editorErrors(notJson.html, "ruleSet")).toContain("not JSON");
    expect(textareaOf(notJson.html, "ruleSet")).toBe('{\n  "rules": [,]\n}');

    const stored = await api("/admin/v1/rules/draft", { headers: ADMIN_HEADERS });
    expect(stored.status).toBe(404);
  });

  test("a valid draft is saved, its diff listed, and published as version 1", async () => {
    const { client, operator } = await signedIn("catalog");
    const saved = await post(client, "/console/rules/draft", {
      ruleSet: JSON.stringify(ruleSet([POINTS_RULE, BIG_SPENDER])),
    });
    expect(saved.status).toBe(303);
    expect(saved.location).toContain("/console/rules/draft?notice=");

    const draft = await page(client, saved.location ?? "");
    const text = textOf(draft.html);
    expect(text).toContain("Draft saved (revision 1).");
    expect(text).toContain("Added (2)");
    expect(draft.html).toMatch(/class="added"[\s\S]*points-per-100/);
    expect(text).toContain("Publish as version 1");

    const published = await post(client, "/console/rules/publish", { note: "points launch" });
    expect(published.status).toBe(303);
    expect(published.location).toContain("/console/rules?notice=");
    const live = textOf((await page(client, published.location ?? "")).html);
    expect(live).toContain("Version 1 published: it is live.");
    expect(live).toContain(operator.email);
    expect(live).toContain("points launch");
    expect(live).toContain("points-per-100");
    expect(live).toContain("10 points per 10,000 minor units spent");
    expect(live).toContain("base (stackable)");

    // Nothing left to publish: the API's 409 comes back readable on the draft page.
    const again = await post(client, "/console/rules/publish", { note: "again" });
    expect(again.status).toBe(409);
    expect(textOf(again.html)).toContain("nothing to publish");
    expect(textOf(again.html)).toContain("The draft equals live version 1");
    expect(textOf(again.html)).toContain(
      "Nothing to publish: save a draft that changes something first.",
    );
    expect(again.html).not.toContain('action="/console/rules/publish"');
  });

  test("the simulator shows the effects and, for every rule, the conditions with the values compared", async () => {
    const { client } = await signedIn("viewer");
    const form = await page(client, "/console/rules/simulate");
    expect(form.status).toBe(200);
    expect(textareaOf(form.html, "event")).toContain("purchase.completed");

    const simulated = await post(client, "/console/rules/simulate", {
      event: purchase(250_000),
      userId: "u-sim",
      against: "live",
      tier: "gold",
      segments: "students, new",
      accountAgeDays: "",
      countOfKindThisMonth: "0",
    });
    expect(simulated.status).toBe(200);
    const text = textOf(simulated.html);
    expect(text).toContain("Evaluated against live version 1");
    expect(text).toContain("250 points");
    expect(text).toContain("In all: 250 points");
    // The trace: the points rule passed, the big spender's threshold failed, values shown.
    expect(text).toMatch(/points-per-100 10 points per 100\.00 spent applied/);
    expect(text).toMatch(/big-spender 500 points from 10,000\.00 conditions failed/);
    expect(text).toMatch(/event\.amountMinor gte 1000000 250000 fail/);
    expect(text).toMatch(/event\.amountMinor gte 10000 250000 pass/);
    expect(text).toContain('"u-sim"');
    expect(text).toContain('["students","new"]');

    const bad = await post(client, "/console/rules/simulate", {
      event: JSON.stringify({
        id: "e",
        type: "purchase.completed",
        userId: "u",
        occurredAt: "x",
        data: {},
      }),
      userId: "",
      against: "live",
    });
    expect(bad.status).toBe(400);
    expect(editorErrors(bad.html, "event")).toContain("event.occurredAt");
  });

  test("rollback: a confirm step on the version's page, then a copy becomes live; a stale draft is re-based", async () => {
    const { client } = await signedIn("catalog");
    const changed = await post(client, "/console/rules/draft", {
      ruleSet: JSON.stringify(
        ruleSet([{ ...POINTS_RULE, effects: [{ kind: "points_fixed", points: 7 }] }]),
      ),
    });
    expect(changed.status).toBe(303);
    const diff = textOf((await page(client, "/console/rules/draft")).html);
    expect(diff).toContain("Removed (1)");
    expect(diff).toMatch(/points-per-100 : effects/);
    expect((await post(client, "/console/rules/publish", { note: "fixed points" })).status).toBe(
      303,
    );

    const live = await page(client, "/console/rules");
    expect(live.html).toContain('href="/console/rules/versions/1#rollback"');
    const confirm = await page(client, "/console/rules/versions/1");
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.html)).toContain("Roll back to version 1");
    // What it would change: version 1 had the big spender and the points per 100.00.
    expect(textOf(confirm.html)).toContain(
      "Rolling back to version 1 would change live version 2:",
    );
    expect(confirm.html).toMatch(/class="added"[\s\S]*big-spender/);
    expect(textOf(confirm.html)).toMatch(/Changed \(1\) points-per-100 : effects/);
    const apiDiff = await api("/admin/v1/rules/versions/1/diff", { headers: ADMIN_HEADERS });
    expect(await apiDiff.json()).toEqual({
      liveVersion: 2,
      version: 1,
      hasChanges: true,
      timeZone: null,
      groupsChanged: false,
      added: ["big-spender"],
      removed: [],
      changed: [{ id: "points-per-100", fields: ["effects"] }],
    });
    const never = await api("/admin/v1/rules/versions/99/diff", { headers: ADMIN_HEADERS });
    expect(never.status).toBe(404);
    expect(confirm.html).toContain('name="note"');

    const rolled = await post(client, "/console/rules/rollback", {
      version: "1",
      note: "too stingy",
    });
    expect(rolled.status).toBe(303);
    const after = textOf((await page(client, rolled.location ?? "")).html);
    expect(after).toContain("Version 3 is live: a copy of version 1.");
    expect(after).toContain("copy of version 1");
    expect(after).toContain("too stingy");

    // Rolling back to what is live is refused by the API, readably.
    const same = await post(client, "/console/rules/rollback", { version: "3", note: "no-op" });
    expect(same.status).toBe(409);
    expect(textOf(same.html)).toContain("nothing to roll back");

    // The draft was edited from version 2: publishing it is refused until it is re-based.
    const stale = await page(client, "/console/rules/draft");
    expect(textOf(stale.html)).toContain("version 3 is live now");
    const refused = await post(client, "/console/rules/publish", { note: "stale" });
    expect(refused.status).toBe(409);
    const rebased = await post(client, "/console/rules/draft", {
      ruleSet: textareaOf(stale.html, "ruleSet") ?? "",
      rebase: "on",
    });
    expect(rebased.status).toBe(303);
    const published = await post(client, "/console/rules/publish", { note: "fixed points again" });
    expect(published.status).toBe(303);
    expect(published.location).toContain(encodeURIComponent("Version 4 published"));
  });

  test("budgets: the use of global budgets this period, and a look-up of a user's", async () => {
    const { client } = await signedIn("catalog");
    const capped = {
      ...POINTS_RULE,
      budgets: [
        { entity: "global", period: "month", limit: { points: 1_000 } },
        { entity: "user", period: "day", limit: { points: 100 } },
      ],
    };
    expect(
      (await post(client, "/console/rules/draft", { ruleSet: JSON.stringify(ruleSet([capped])) }))
        .status,
    ).toBe(303);
    expect((await post(client, "/console/rules/publish", { note: "caps" })).status).toBe(303);

    const empty = textOf((await page(client, "/console/rules/budgets")).html);
    expect(empty).toContain("global, month: 1,000 points");
    expect(empty).toContain("nothing drawn on it this period");
    expect(empty).toContain("one budget per user, of 100 points");

    const month = periodKey("month", Date.now(), "Asia/Kolkata");
    const globalKey = `rule:points-per-100:global:${month}`;
    const request = {
      budgetKey: globalKey,
      unit: "points",
      limit: 1_000,
      limitVersion: 5,
      holder: "u1",
    };
    await budgetFor(env, globalKey).reserve({
      ...request,
      reference: "evt-a",
      desired: 250,
      seq: 1,
    });
    await budgetFor(env, globalKey).reserve({
      ...request,
      reference: "evt-b",
      desired: 100,
      seq: 1,
    });
    await budgetFor(env, globalKey).release({ ...request, reference: "evt-b", seq: 2 });
    const used = textOf((await page(client, "/console/rules/budgets")).html);
    // Asked, granted, released, remaining, limit.
    expect(used).toContain(`${month} 250 points 350 points 100 points 750 points 1,000 points`);

    // The simulator names the budgets an effect would draw on, with what remains of them now.
    const event = JSON.parse(purchase(250_000));
    const simulated = await post(client, "/console/rules/simulate", {
      event: JSON.stringify({ ...event, occurredAt: new Date().toISOString() }),
      userId: "u-sim",
      against: "live",
    });
    expect(simulated.status).toBe(200);
    expect(textOf(simulated.html)).toContain(
      `${globalKey} 750 points of 1,000 points remaining now`,
    );
    expect(textOf(simulated.html)).toContain("rule:points-per-100:user:u-sim:day:");
    expect(textOf(simulated.html)).toContain("nothing drawn on it yet");
    // And what the budgets would grant now: the user's day budget caps 250 at 100.
    expect(textOf(simulated.html)).toMatch(
      /points-per-100 250 points 100 points capped by rule:points-per-100:user:u-sim:day:[0-9-]+: 100 of 100 left/,
    );

    const userKey = `rule:points-per-100:user:u-7:day:2026-12-05`;
    await budgetFor(env, userKey).reserve({
      ...request,
      budgetKey: userKey,
      limit: 100,
      reference: "evt-c",
      desired: 40,
      seq: 1,
    });
    const lookup = await page(
      client,
      "/console/rules/budgets?lookup=1&ruleId=points-per-100&entity=user&entityId=u-7&period=day&date=2026-12-05",
    );
    expect(lookup.status).toBe(200);
    const text = textOf(lookup.html);
    expect(text).toContain(userKey);
    expect(text).toMatch(/Remaining 60 points/);

    const missing = await page(
      client,
      "/console/rules/budgets?lookup=1&ruleId=points-per-100&entity=user&entityId=",
    );
    expect(missing.status).toBe(400);
    expect(textOf(missing.html)).toContain("a user budget needs the user id");
  });

  test("roles that only read see no forms, and a post anyway is a readable 403 that changes nothing", async () => {
    const { client } = await signedIn("viewer");
    const live = await page(client, "/console/rules");
    expect(live.status).toBe(200);
    expect(textOf(live.html)).toContain("See the draft");
    expect(live.html).not.toContain("#rollback");
    const draft = await page(client, "/console/rules/draft");
    expect(draft.status).toBe(200);
    expect(textOf(draft.html)).toContain("needs the catalog or admin role");
    expect(draft.html).not.toContain('action="/console/rules/publish"');
    expect(draft.html).not.toContain('name="ruleSet"');
    const version = await page(client, "/console/rules/versions/1");
    expect(version.html).not.toContain('action="/console/rules/rollback"');

    const before = await (await api("/admin/v1/rules/live", { headers: ADMIN_HEADERS })).json();
    for (const [path, fields] of [
      ["/console/rules/publish", { note: "sneaky" }],
      ["/console/rules/rollback", { version: "1", note: "sneaky" }],
      ["/console/rules/draft", { ruleSet: JSON.stringify(ruleSet([])) }],
    ] as const) {
      const refused = await post(client, path, fields);
      expect(refused.status, path).toBe(403);
      expect(refused.html).toContain('role="alert"');
      expect(textOf(refused.html)).toMatch(/catalog/);
    }
    const after = await (await api("/admin/v1/rules/live", { headers: ADMIN_HEADERS })).json();
    expect(after).toEqual(before);

    // Support reads the budgets and simulates too.
    const support = (await signedIn("support")).client;
    expect((await page(support, "/console/rules/budgets")).status).toBe(200);
    expect((await page(support, "/console/rules/simulate")).status).toBe(200);
  });
});
