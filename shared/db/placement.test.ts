import { getTableName, is } from "drizzle-orm";
import { SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { PLACEMENT, ROUTED } from "./placement";
import * as schema from "./schema";

const tables = Object.values(schema)
  .filter((value) => is(value, SQLiteTable))
  .map((table) => getTableName(table as SQLiteTable))
  .sort();

describe("table placement", () => {
  it("places every table of the schema, and nothing else", () => {
    expect(tables.length).toBeGreaterThan(70);
    expect(Object.keys(PLACEMENT).sort()).toEqual(tables);
  });

  it("routes only user tables, each with its store", () => {
    for (const [table, stores] of Object.entries(ROUTED)) {
      expect(PLACEMENT[table as keyof typeof PLACEMENT]).toBe("user");
      expect(stores?.length).toBeGreaterThan(0);
    }
  });
});
