import { desc, lt, max } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { loyaltyProgramVersions } from "#shared/db/schema";
import type { ApiEnv } from "#shared/env";
import { type ProgramSettings, validateProgramSettings } from "#shared/loyalty/program-settings";
import type { InsertOutcome } from "../../settings/save-version";

/**
 * Loyalty program settings in D1: immutable versions, each inserted as current + 1, so the
 * current settings are the highest version and inserting version N + 1 succeeds exactly when
 * the current version is still N (the primary key is the optimistic-concurrency check).
 */

export interface ProgramVersionRow {
  version: number;
  settings: ProgramSettings;
  savedAtMs: number;
  savedBy: string;
  note: string | null;
}

type Row = typeof loyaltyProgramVersions.$inferSelect;

function rowOf(row: Row): ProgramVersionRow {
  const checked = validateProgramSettings(row.settings);
  // Stored only after validation; a row that no longer validates is a bug, not input.
  if (!checked.ok) throw new Error(`loyalty program version ${row.version} no longer validates`);
  return { ...row, settings: checked.settings };
}

/** The current version's number, or 0 when nothing was ever saved. */
export async function currentVersionNumber(env: Pick<ApiEnv, "DB">): Promise<number> {
  const row = (
    await drizzle(env.DB)
      .select({ version: max(loyaltyProgramVersions.version) })
      .from(loyaltyProgramVersions)
  )[0];
  return row?.version ?? 0;
}

/** The current version, or null when nothing was ever saved. */
export async function currentVersion(env: Pick<ApiEnv, "DB">): Promise<ProgramVersionRow | null> {
  const row = (
    await drizzle(env.DB)
      .select()
      .from(loyaltyProgramVersions)
      .orderBy(desc(loyaltyProgramVersions.version))
      .limit(1)
  )[0];
  return row ? rowOf(row) : null;
}

/** Versions newest first, `limit` at a time below `beforeVersion`. */
export async function listVersions(
  env: Pick<ApiEnv, "DB">,
  query: { limit: number; beforeVersion?: number | undefined },
): Promise<{ items: ProgramVersionRow[]; nextBeforeVersion: number | null }> {
  const rows = await drizzle(env.DB)
    .select()
    .from(loyaltyProgramVersions)
    .where(
      query.beforeVersion === undefined
        ? undefined
        : lt(loyaltyProgramVersions.version, query.beforeVersion),
    )
    .orderBy(desc(loyaltyProgramVersions.version))
    .limit(query.limit + 1);
  const items = rows.slice(0, query.limit).map(rowOf);
  return {
    items,
    nextBeforeVersion: rows.length > query.limit ? (items.at(-1)?.version ?? null) : null,
  };
}

/**
 * Inserts `row` (its number must be the current one + 1). If another save took the number
 * first, nothing is written and the outcome is `stale`.
 */
export async function insertVersion(
  env: Pick<ApiEnv, "DB">,
  row: ProgramVersionRow,
): Promise<InsertOutcome> {
  try {
    await drizzle(env.DB).insert(loyaltyProgramVersions).values(row);
    return { status: "saved" };
  } catch (error) {
    const current = await currentVersionNumber(env);
    if (current >= row.version) return { status: "stale", currentVersion: current };
    throw error;
  }
}
