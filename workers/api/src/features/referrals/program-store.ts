import { and, desc, eq, lt, max } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { referralProgramVersions } from "#shared/db/schema";
import type { ApiEnv } from "#shared/env";
import {
  type ReferralProgramSettings,
  validateReferralProgramSettings,
} from "#shared/referrals/program-settings";
import type { InsertOutcome } from "../../settings/save-version";

/**
 * Referral program settings in D1: immutable versions per program, each inserted as current
 * + 1, so the current settings are the highest version and inserting version N + 1 succeeds
 * exactly when the current version is still N (the primary key is the concurrency check).
 */

export interface ReferralProgramRow {
  programId: string;
  version: number;
  settings: ReferralProgramSettings;
  savedAtMs: number;
  savedBy: string;
  note: string | null;
}

type Row = typeof referralProgramVersions.$inferSelect;
type Db = Pick<ApiEnv, "DB">;

function rowOf(row: Row): ReferralProgramRow {
  const checked = validateReferralProgramSettings(row.settings);
  // Stored only after validation; a row that no longer validates is a bug, not input.
  if (!checked.ok) throw new Error(`referral program version ${row.version} no longer validates`);
  return { ...row, settings: checked.settings };
}

/** The current version's number, or 0 when nothing was ever saved. */
export async function currentReferralVersionNumber(env: Db, programId: string): Promise<number> {
  const row = (
    await drizzle(env.DB)
      .select({ version: max(referralProgramVersions.version) })
      .from(referralProgramVersions)
      .where(eq(referralProgramVersions.programId, programId))
  )[0];
  return row?.version ?? 0;
}

/** The current version, or null when nothing was ever saved. */
export async function currentReferralVersion(
  env: Db,
  programId: string,
): Promise<ReferralProgramRow | null> {
  const row = (
    await drizzle(env.DB)
      .select()
      .from(referralProgramVersions)
      .where(eq(referralProgramVersions.programId, programId))
      .orderBy(desc(referralProgramVersions.version))
      .limit(1)
  )[0];
  return row ? rowOf(row) : null;
}

/** Versions newest first, `limit` at a time below `beforeVersion`. */
export async function listReferralVersions(
  env: Db,
  programId: string,
  query: { limit: number; beforeVersion?: number | undefined },
): Promise<{ items: ReferralProgramRow[]; nextBeforeVersion: number | null }> {
  const rows = await drizzle(env.DB)
    .select()
    .from(referralProgramVersions)
    .where(
      and(
        eq(referralProgramVersions.programId, programId),
        query.beforeVersion === undefined
          ? undefined
          : lt(referralProgramVersions.version, query.beforeVersion),
      ),
    )
    .orderBy(desc(referralProgramVersions.version))
    .limit(query.limit + 1);
  const items = rows.slice(0, query.limit).map(rowOf);
  return {
    items,
    nextBeforeVersion: rows.length > query.limit ? (items.at(-1)?.version ?? null) : null,
  };
}

/** Inserts `row` (current + 1); `stale`, writing nothing, when another save took the number. */
export async function insertReferralVersion(
  env: Db,
  row: ReferralProgramRow,
): Promise<InsertOutcome> {
  const result = await drizzle(env.DB)
    .insert(referralProgramVersions)
    .values(row)
    .onConflictDoNothing()
    .run();
  if (result.meta.changes === 1) return { status: "saved" };
  return {
    status: "stale",
    currentVersion: await currentReferralVersionNumber(env, row.programId),
  };
}
