import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, test } from "vitest";
import { TEST_KEYS, withKey } from "./access-keys";
import { EVENT_KEYS, eventId, purchase, sendEvents } from "./events-client";
import { api, walletStub } from "./helpers";

/**
 * Custom event types through the real workers: registered with the admin API (api worker),
 * then sent to POST /v1/events (events worker) and recorded in the user's wallet.
 */

const QUIZ_WON = {
  description: "a user won a quiz",
  fields: {
    quizId: { type: "string", required: true, maxLength: 64 },
    score: { type: "integer", required: true, min: 0, max: 100 },
    mode: { type: "enum", values: ["solo", "team"] },
    perfect: { type: "boolean" },
  },
};

function putType(type: string, spec: unknown, key: string = TEST_KEYS.catalog) {
  return api(
    `/admin/v1/event-types/${type}`,
    withKey(key, { method: "PUT", body: JSON.stringify(spec) }),
  );
}

interface Problem {
  code: string;
  detail: string;
  errors?: { path: string; message: string }[];
}

async function problemOf(response: Response): Promise<Problem> {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  return (await response.json()) as Problem;
}

const userId = (label: string) => `evt-${label}-${Date.now().toString(36)}`;

function quizWon(user: string, id: string, data: Record<string, unknown>) {
  return { id, type: "custom.quiz_won", userId: user, occurredAt: "2026-11-21T09:00:00Z", data };
}

beforeAll(async () => {
  expect((await putType("custom.quiz_won", QUIZ_WON)).status).toBe(200);
});

describe("registering a type", () => {
  test("PUT stores the spec with defaults and a version; GET and the list show it", async () => {
    const response = await putType("custom.level_up", {
      fields: { level: { type: "integer", min: 1 } },
    });
    expect(response.status).toBe(200);
    const stored = (await response.json()) as { version: number };
    expect(stored).toMatchObject({
      type: "custom.level_up",
      description: null,
      active: true,
      fields: { level: { type: "integer", min: 1, required: false } },
    });
    expect(stored.version).toBeGreaterThan(0);

    const one = await api("/admin/v1/event-types/custom.level_up", withKey(TEST_KEYS.viewer));
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual(stored);

    const list = await api("/admin/v1/event-types", withKey(TEST_KEYS.viewer));
    expect(list.status).toBe(200);
    const body = (await list.json()) as { items: { type: string }[]; version: number };
    expect(body.items.map((t) => t.type)).toEqual(
      expect.arrayContaining(["custom.level_up", "custom.quiz_won"]),
    );
    expect(body.version).toBeGreaterThanOrEqual(stored.version);
  });

  test("every write raises the version of the set", async () => {
    const first = (await (await putType("custom.streak", { fields: {} })).json()) as {
      version: number;
    };
    const second = (await (
      await putType("custom.streak", { fields: { days: { type: "integer" } } })
    ).json()) as { version: number };
    expect(second.version).toBeGreaterThan(first.version);
  });

  test("an invalid spec is a 400 problem naming each bad field, and nothing is stored", async () => {
    const response = await putType("custom.bad_spec", {
      fields: {
        score: { type: "float" },
        mode: { type: "enum", values: [] },
        "Bad-Name": { type: "string" },
      },
    });
    expect(response.status).toBe(400);
    const problem = await problemOf(response);
    expect(problem.code).toBe("validation_failed");
    expect(problem.errors?.map((e) => e.path)).toEqual(
      expect.arrayContaining(["fields.score.type", "fields.mode.values", "fields.Bad-Name"]),
    );
    const read = await api("/admin/v1/event-types/custom.bad_spec", withKey(TEST_KEYS.viewer));
    expect(read.status).toBe(404);
  });

  test("an amount needs its currency", async () => {
    const response = await putType("custom.top_up", {
      fields: { amountMinor: { type: "integer", required: true } },
    });
    expect(response.status).toBe(400);
    expect((await problemOf(response)).errors?.map((e) => e.path)).toContain("fields.currency");
  });

  test.each(["quiz_won", "purchase.completed", "custom.Quiz", "custom."])(
    "the type %s is not custom.<name> (400)",
    async (type) => {
      const response = await putType(type, { fields: {} });
      expect(response.status).toBe(400);
      expect((await problemOf(response)).errors?.map((e) => e.path)).toContain("type");
    },
  );

  test("a viewer may read but not register (403, nothing stored)", async () => {
    const response = await putType("custom.viewer_try", { fields: {} }, TEST_KEYS.viewer);
    expect(response.status).toBe(403);
    expect((await problemOf(response)).code).toBe("forbidden");
    const read = await api("/admin/v1/event-types/custom.viewer_try", withKey(TEST_KEYS.viewer));
    expect(read.status).toBe(404);
  });
});

describe("sending events of a custom type", () => {
  test("a valid event is accepted (202) and stored with its data", async () => {
    const user = userId("ok");
    const id = eventId("quiz");
    const data = { quizId: "q-7", score: 92, mode: "team", perfect: false };
    const response = await sendEvents(quizWon(user, id, data));
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: "accepted", event_id: id });
    expect(await walletStub(user).getEvent(id)).toMatchObject({
      eventId: id,
      type: "custom.quiz_won",
      data,
    });
  });

  test.each([
    { label: "a score as a string", data: { quizId: "q-1", score: "92" }, path: "data.score" },
    { label: "a score above max", data: { quizId: "q-1", score: 101 }, path: "data.score" },
    {
      label: "a mode not listed",
      data: { quizId: "q-1", score: 1, mode: "duo" },
      path: "data.mode",
    },
    { label: "the required quizId missing", data: { score: 1 }, path: "data.quizId" },
    { label: "an unknown field", data: { quizId: "q-1", score: 1, sore: 1 }, path: "data" },
  ])("$label is a 400 naming $path, nothing recorded", async ({ data, path }) => {
    const user = userId("bad");
    const id = eventId("quiz");
    const response = await sendEvents(quizWon(user, id, data));
    expect(response.status).toBe(400);
    const problem = await problemOf(response);
    expect(problem.code).toBe("validation_failed");
    expect(problem.errors?.map((e) => e.path)).toContain(path);
    expect(await walletStub(user).getEvent(id)).toBeNull();
  });

  test("in a batch, the bad custom event is named by its position and none is recorded", async () => {
    const user = userId("batch");
    const good = eventId("quiz");
    const response = await sendEvents({
      events: [
        purchase(user, eventId()),
        quizWon(user, good, { quizId: "q-2", score: 5 }),
        quizWon(user, eventId("quiz"), { quizId: "q-3", score: -1 }),
      ],
    });
    expect(response.status).toBe(400);
    expect((await problemOf(response)).errors?.map((e) => e.path)).toEqual(["events.2.data.score"]);
    expect(await walletStub(user).getEvent(good)).toBeNull();
  });

  test("an unregistered custom type is a 400", async () => {
    const response = await sendEvents({
      id: eventId(),
      type: "custom.x",
      userId: userId("unreg"),
      occurredAt: "2026-11-21T09:00:00Z",
      data: {},
    });
    expect(response.status).toBe(400);
    const problem = await problemOf(response);
    expect(problem.errors).toEqual([
      { path: "type", message: "custom event type custom.x is not registered" },
    ]);
  });

  test("a type switched inactive is refused (400), and accepted again once active", async () => {
    const spec = { fields: { code: { type: "string", required: true } } };
    expect((await putType("custom.coupon_used", spec)).status).toBe(200);
    const send = (user: string) =>
      sendEvents({
        id: eventId("coupon"),
        type: "custom.coupon_used",
        userId: user,
        occurredAt: "2026-11-21T09:00:00Z",
        data: { code: "WELCOME" },
      });
    expect((await send(userId("active"))).status).toBe(202);

    expect((await putType("custom.coupon_used", { ...spec, active: false })).status).toBe(200);
    const refused = await send(userId("inactive"));
    expect(refused.status).toBe(400);
    expect((await problemOf(refused)).errors?.map((e) => e.path)).toEqual(["type"]);

    expect((await putType("custom.coupon_used", spec)).status).toBe(200);
    expect((await send(userId("again"))).status).toBe(202);
  });

  test("changing a type's fields keeps what was recorded and checks new events by the new spec", async () => {
    const v1 = { fields: { badge: { type: "string", required: true } } };
    const v2 = { fields: { badge: { type: "enum", values: ["gold"], required: true } } };
    expect((await putType("custom.badge_earned", v1)).status).toBe(200);
    const user = userId("change");
    const first = eventId("badge");
    const event = (id: string, badge: string) => ({
      id,
      type: "custom.badge_earned",
      userId: user,
      occurredAt: "2026-11-21T09:00:00Z",
      data: { badge },
    });
    expect((await sendEvents(event(first, "silver"))).status).toBe(202);

    expect((await putType("custom.badge_earned", v2)).status).toBe(200);
    expect((await walletStub(user).getEvent(first))?.data).toEqual({ badge: "silver" });
    const refused = await sendEvents(event(eventId("badge"), "silver"));
    expect(refused.status).toBe(400);
    expect((await problemOf(refused)).errors?.map((e) => e.path)).toEqual(["data.badge"]);
    expect((await sendEvents(event(eventId("badge"), "gold"))).status).toBe(202);
  });

  test("a key's eventTypes scope applies to custom types (403)", async () => {
    const response = await sendEvents(
      quizWon(userId("scoped"), eventId("quiz"), { quizId: "q-1", score: 1 }),
      { key: EVENT_KEYS.shop },
    );
    expect(response.status).toBe(403);
  });

  test("built-in events never read the config store (worker run without KV and D1)", async () => {
    const withoutConfig = { ...env, CONFIG_KV: undefined, DB: undefined } as unknown as typeof env;
    const response = await sendEvents(purchase(userId("hot"), eventId()), { env: withoutConfig });
    expect(response.status).toBe(202);
  });
});
