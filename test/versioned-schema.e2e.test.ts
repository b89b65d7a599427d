import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { applyBudgetKeySchema } from "#durable-objects/budget/schema";
import { applyVersionedSchema } from "#durable-objects/shared/versioned-schema";

/**
 * A Durable Object's schema version is only ever raised: an older build waking an object the
 * newer build already migrated (a rollback, a gradual deploy) must not lower it, or the newer
 * build re-runs its `ALTER TABLE` steps on the next wake and the object fails every request.
 */
function versionOf(storage: DurableObjectStorage): number | undefined {
  return storage.sql.exec<{ version: number }>(`SELECT version FROM schema_version`).toArray()[0]
    ?.version;
}

describe("versioned Durable Object schemas", () => {
  it("an older build's wake leaves the newer version, and the newer build's next wake runs nothing again", async () => {
    const stub = env.BUDGET.get(env.BUDGET.idFromName(`schema-rollback-${crypto.randomUUID()}`));
    await runInDurableObject(stub, (_instance, state) => {
      const migrated = versionOf(state.storage);
      expect(migrated).toBeGreaterThan(2);
      // The older build knows two steps only.
      applyVersionedSchema(state.storage, "budget", [[], []]);
      expect(versionOf(state.storage)).toBe(migrated);
      expect(() => applyBudgetKeySchema(state.storage)).not.toThrow();
      expect(versionOf(state.storage)).toBe(migrated);
    });
  });
});
