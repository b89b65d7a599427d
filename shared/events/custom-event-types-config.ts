import { forgetCachedConfig, readConfigThrough } from "../config/config-read";
import type { customEventTypes } from "../db/schema";
import type { ConfigBindings } from "../env";
import {
  buildDataSchema,
  type CustomEventTypeSpec,
  CustomEventTypeSpecMiniSchema,
} from "./custom-data";
import type { CustomDataSchemas } from "./event-check";

/**
 * The registered custom event types as the events worker reads them: the active ones, as ONE
 * config value in KV with a version number, read through isolate memory → KV → D1
 * (shared/config/config-store.ts). D1's `custom_event_types` is the source of truth; every
 * admin write rewrites the KV value and forgets this isolate's copy, so other isolates see a
 * change within the config cache's bound (30 s in memory, plus KV's propagation).
 */

export const CUSTOM_EVENT_TYPES_KEY = "event-types:v1";

/**
 * The KV value expires (then the next reader rebuilds it from D1), so a write that lost a
 * race — a write-back after a D1 read landing after an admin write, or two admin writes'
 * refreshes crossing — cannot keep an older set in KV for longer than this. KV has no
 * compare-and-set; the cost is one D1 read per expiry where the events worker runs.
 */
const KV_TTL_SEC = 600;

export interface CustomEventTypesConfig {
  /** Grows with every write to any type (the highest row version); 0: none ever registered. */
  version: number;
  /** The active types' specs by type (`custom.<name>`). */
  types: Record<string, CustomEventTypeSpec>;
}

/** The config value from D1: every active type, and the version of the whole set. */
export async function loadCustomEventTypesConfig(db: D1Database): Promise<CustomEventTypesConfig> {
  // Prepared SQL, not the ORM: the events worker reads this (no drizzle in its bundle).
  const { results } = await db
    .prepare("SELECT type, description, active, fields, version FROM custom_event_types")
    .all<{
      type: string;
      description: string | null;
      active: number;
      fields: string;
      version: number;
    }>();
  const rows: Pick<
    typeof customEventTypes.$inferSelect,
    "type" | "description" | "active" | "fields" | "version"
  >[] = results.map((r) => ({
    type: r.type,
    description: r.description,
    active: Number(r.active) === 1,
    fields: JSON.parse(r.fields),
    version: r.version,
  }));
  const types: Record<string, CustomEventTypeSpec> = {};
  let version = 0;
  for (const row of rows) {
    version = Math.max(version, row.version);
    if (!row.active) continue;
    types[row.type] = {
      ...(row.description === null ? {} : { description: row.description }),
      active: true,
      fields: row.fields as CustomEventTypeSpec["fields"],
    };
  }
  return { version, types };
}

/** Rewrites the KV value from D1 and forgets this isolate's copy; after every admin write. */
export async function refreshCustomEventTypesConfig(
  env: ConfigBindings,
): Promise<CustomEventTypesConfig> {
  const config = await loadCustomEventTypesConfig(env.DB);
  await env.CONFIG_KV.put(CUSTOM_EVENT_TYPES_KEY, JSON.stringify(config), {
    expirationTtl: KV_TTL_SEC,
  });
  forgetCachedConfig([CUSTOM_EVENT_TYPES_KEY]);
  return config;
}

/** Compiled once per config version in this isolate: a request never compiles a schema. */
let compiled: { version: number; schemas: CustomDataSchemas } | null = null;

/** The `data` schemas of a config's active types (exported for tests). */
export function compileCustomDataSchemas(config: CustomEventTypesConfig): CustomDataSchemas {
  const schemas = new Map<string, ReturnType<typeof buildDataSchema>>();
  for (const [type, raw] of Object.entries(config.types)) {
    // Specs were validated on write; one that no longer parses (a hand-edited row) is
    // treated as not registered rather than failing every custom event.
    const spec = CustomEventTypeSpecMiniSchema.safeParse(raw);
    if (spec.success && spec.data.active) schemas.set(type, buildDataSchema(spec.data));
  }
  return schemas;
}

/**
 * The registered custom types' `data` schemas, for `checkEvent`. Call it only when a request
 * carries a `custom.*` event: built-in events never read KV.
 *
 * @example
 * const custom = raws.some((e) => isCustomEventType(e?.type))
 *   ? await customDataSchemas(c.env, (p) => c.executionCtx.waitUntil(p))
 *   : NO_CUSTOM_TYPES;
 * checkEvent(raw, custom);
 */
export async function customDataSchemas(
  env: ConfigBindings,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<CustomDataSchemas> {
  const config = await readConfigThrough(
    env,
    CUSTOM_EVENT_TYPES_KEY,
    () => loadCustomEventTypesConfig(env.DB),
    waitUntil,
    { writeBackTtlSec: KV_TTL_SEC },
  );
  if (!config) return new Map();
  if (compiled?.version !== config.version) {
    compiled = { version: config.version, schemas: compileCustomDataSchemas(config) };
  }
  return compiled.schemas;
}
