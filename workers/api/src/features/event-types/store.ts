import { asc, count, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { customEventTypes } from "#shared/db/schema";
import type { CustomEventTypeSpec } from "#shared/events/custom-event-types";
import { AppError } from "#shared/http/errors";

/** Custom event types in D1, the source of truth the events worker's KV config is built from. */

/** How many custom types may be registered: bounds the one config value every isolate holds. */
export const MAX_CUSTOM_EVENT_TYPES = 100;

export type EventTypeRow = typeof customEventTypes.$inferSelect;

/**
 * Every write takes the highest version so far plus one, in the same statement, so the set's
 * version (its highest row version) grows with each write and isolates recompile on change.
 */
const nextVersion = sql`(select coalesce(max(version), 0) + 1 from custom_event_types)`;

/** Creates or replaces one type's spec; 409 past the bound on the number of types. */
export async function saveEventType(
  db: D1Database,
  type: string,
  spec: CustomEventTypeSpec,
  nowMs: number,
): Promise<EventTypeRow> {
  const orm = drizzle(db);
  if (!(await findEventType(db, type))) {
    const [existing] = await orm.select({ n: count() }).from(customEventTypes);
    if ((existing?.n ?? 0) >= MAX_CUSTOM_EVENT_TYPES) {
      throw new AppError(
        "conflict",
        `at most ${MAX_CUSTOM_EVENT_TYPES} custom event types; switch one inactive and reuse it`,
      );
    }
  }
  const values = {
    description: spec.description ?? null,
    active: spec.active,
    fields: spec.fields,
    version: nextVersion,
    updatedAtMs: nowMs,
  };
  const [row] = await orm
    .insert(customEventTypes)
    .values({ type, ...values, createdAtMs: nowMs })
    .onConflictDoUpdate({ target: customEventTypes.type, set: values })
    .returning();
  if (!row) throw new Error(`custom event type ${type} was not saved`);
  return row;
}

export async function findEventType(db: D1Database, type: string): Promise<EventTypeRow | null> {
  const [row] = await drizzle(db)
    .select()
    .from(customEventTypes)
    .where(eq(customEventTypes.type, type))
    .limit(1);
  return row ?? null;
}

export async function getEventType(db: D1Database, type: string): Promise<EventTypeRow> {
  const row = await findEventType(db, type);
  if (!row) throw new AppError("not_found", `custom event type ${type} is not registered`);
  return row;
}

/** Every registered type (active or not) by name; at most MAX_CUSTOM_EVENT_TYPES. */
export async function listEventTypes(db: D1Database): Promise<EventTypeRow[]> {
  return drizzle(db)
    .select()
    .from(customEventTypes)
    .orderBy(asc(customEventTypes.type))
    .limit(MAX_CUSTOM_EVENT_TYPES);
}
