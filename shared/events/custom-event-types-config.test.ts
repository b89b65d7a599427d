import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { beforeEach, describe, expect, test } from "vitest";
import { forgetCachedConfig } from "../config/config-store";
import { customEventTypes } from "../db/schema";
import {
  CUSTOM_EVENT_TYPES_KEY,
  type CustomEventTypesConfig,
  compileCustomDataSchemas,
  customDataSchemas,
  loadCustomEventTypesConfig,
  refreshCustomEventTypesConfig,
} from "./custom-event-types-config";

/** The custom types' config value: built from D1, read through memory → KV → D1, compiled once per version. */

const NOW_MS = Date.now();
const row = (type: string, version: number, active = true) => ({
  type,
  description: null,
  active,
  fields: { n: { type: "integer", required: true } },
  version,
  createdAtMs: NOW_MS,
  updatedAtMs: NOW_MS,
});

const pending: Promise<unknown>[] = [];
const waitUntil = (p: Promise<unknown>) => {
  pending.push(p);
};

beforeEach(async () => {
  await drizzle(env.DB).delete(customEventTypes);
  await env.CONFIG_KV.delete(CUSTOM_EVENT_TYPES_KEY);
  forgetCachedConfig([CUSTOM_EVENT_TYPES_KEY]);
});

describe("the config value", () => {
  test("holds the active types only, versioned by the highest row version", async () => {
    await drizzle(env.DB)
      .insert(customEventTypes)
      .values([row("custom.a", 3), row("custom.off", 7, false), row("custom.b", 5)]);
    const config = await loadCustomEventTypesConfig(env.DB);
    expect(config.version).toBe(7);
    expect(Object.keys(config.types).sort()).toEqual(["custom.a", "custom.b"]);
    expect(config.types["custom.a"]).toEqual({ active: true, fields: row("", 0).fields });
  });

  test("with no types it is version 0 and empty, and checks nothing in", async () => {
    expect(await loadCustomEventTypesConfig(env.DB)).toEqual({ version: 0, types: {} });
    expect((await customDataSchemas(env, waitUntil)).size).toBe(0);
  });

  test("a spec that no longer parses is treated as not registered", () => {
    const config: CustomEventTypesConfig = {
      version: 1,
      types: {
        "custom.ok": { active: true, fields: {} },
        "custom.broken": { active: true, fields: { x: { type: "date" } } } as never,
      },
    };
    expect([...compileCustomDataSchemas(config).keys()]).toEqual(["custom.ok"]);
  });
});

describe("reading it in the events worker", () => {
  test("a KV miss reads D1 and writes the value back to KV", async () => {
    await drizzle(env.DB).insert(customEventTypes).values(row("custom.a", 1));
    const schemas = await customDataSchemas(env, waitUntil);
    expect([...schemas.keys()]).toEqual(["custom.a"]);
    await Promise.all(pending.splice(0));
    expect(await env.CONFIG_KV.get(CUSTOM_EVENT_TYPES_KEY, "json")).toMatchObject({ version: 1 });
  });

  test("compiles once per version: the same version gives the same schemas, a new one new ones", async () => {
    await drizzle(env.DB).insert(customEventTypes).values(row("custom.a", 1));
    await refreshCustomEventTypesConfig(env);
    const first = await customDataSchemas(env, waitUntil);
    forgetCachedConfig([CUSTOM_EVENT_TYPES_KEY]); // re-read from KV: same version
    expect(await customDataSchemas(env, waitUntil)).toBe(first);

    await drizzle(env.DB).insert(customEventTypes).values(row("custom.b", 2));
    await refreshCustomEventTypesConfig(env);
    const second = await customDataSchemas(env, waitUntil);
    expect(second).not.toBe(first);
    expect([...second.keys()].sort()).toEqual(["custom.a", "custom.b"]);
  });

  test("an isolate's copy is kept until forgotten (refresh forgets it)", async () => {
    await refreshCustomEventTypesConfig(env);
    expect((await customDataSchemas(env, waitUntil)).size).toBe(0);
    await drizzle(env.DB).insert(customEventTypes).values(row("custom.a", 1));
    await env.CONFIG_KV.put(
      CUSTOM_EVENT_TYPES_KEY,
      JSON.stringify(await loadCustomEventTypesConfig(env.DB)),
    );
    // KV changed behind the isolate's back: the memory copy still answers (≤ 30 s).
    expect((await customDataSchemas(env, waitUntil)).size).toBe(0);
    await refreshCustomEventTypesConfig(env);
    expect((await customDataSchemas(env, waitUntil)).has("custom.a")).toBe(true);
  });
});
