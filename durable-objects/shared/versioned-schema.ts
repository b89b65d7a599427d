/**
 * Applies a Durable Object's versioned SQLite schema on wake: only the steps this object has
 * not seen, all inside one transaction, so an object never runs on a half-migrated schema.
 * A failing statement is reported with the object kind, the step and the SQL it ran.
 *
 * @example
 * ctx.blockConcurrencyWhile(async () => applyVersionedSchema(ctx.storage, "wallet", STEPS));
 */
export function applyVersionedSchema(
  storage: DurableObjectStorage,
  label: string,
  steps: ReadonlyArray<ReadonlyArray<string>>,
): void {
  const sql = storage.sql;
  storage.transactionSync(() => {
    sql.exec(`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`);
    const row = sql.exec<{ version: number }>(`SELECT version FROM schema_version`).toArray()[0];
    const current = row?.version ?? 0;
    for (let step = current; step < steps.length; step++) {
      for (const statement of steps[step] ?? []) {
        try {
          sql.exec(statement);
        } catch (error) {
          throw new Error(`${label} schema step ${step + 1} failed on: ${statement.slice(0, 80)}`, {
            cause: error,
          });
        }
      }
    }
    // Only ever raised: an older build waking the object (a rollback, a gradual deploy) runs on
    // the newer schema and leaves its version, so the newer build does not re-run its steps.
    if (!row) sql.exec(`INSERT INTO schema_version (version) VALUES (?)`, steps.length);
    else if (current < steps.length)
      sql.exec(`UPDATE schema_version SET version = ?`, steps.length);
  });
}
