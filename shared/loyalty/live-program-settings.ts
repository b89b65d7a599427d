import { desc } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { forgetCachedConfig, readConfigThrough } from "../config/config-store";
import { loyaltyProgramVersions } from "../db/schema";
import type { ConfigBindings } from "../env";
import {
  DEFAULT_PROGRAM_SETTINGS,
  type ProgramSettings,
  validateProgramSettings,
} from "./program-settings";

/**
 * The current loyalty program settings, as the wallet's event processing reads them: the one
 * file of `shared/loyalty/` that does I/O. A save writes D1 first (the source of truth, one new
 * version), then this KV key; readers go through isolate memory (30 s) → KV (cacheTtl 60 s) →
 * D1, like the live rule set (shared/rules/live-rule-set.ts). So a save takes effect without a
 * deploy, and an isolate may keep the previous version for up to ~90 s after it. Each value
 * read is one whole `{ version, settings }`.
 */

/** The CONFIG_KV key holding `{ version, settings }` of the current version. */
export const PROGRAM_SETTINGS_KEY = "loyalty:program";

/**
 * A write-back after a D1 read could race a save and put the older version back into KV: it
 * expires after this long, so the staleness such a race can cause is bounded.
 */
const WRITE_BACK_TTL_SEC = 300;

export interface VersionedProgramSettings {
  /** 0 while the operator has never saved settings (the defaults). */
  version: number;
  settings: ProgramSettings;
}

/**
 * The current settings; version 0 and DEFAULT_PROGRAM_SETTINGS when never saved.
 *
 * @example
 * const { version, settings } = await loadProgramSettings(env, ctx.waitUntil.bind(ctx));
 * earnPoints(tx, { …, validity: validityOf(settings), timeZone: settings.timeZone });
 */
export async function loadProgramSettings(
  env: ConfigBindings,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<VersionedProgramSettings> {
  const current = await readConfigThrough(
    env,
    PROGRAM_SETTINGS_KEY,
    () => programSettingsFromD1(env.DB),
    waitUntil,
    { writeBackTtlSec: WRITE_BACK_TTL_SEC },
  );
  return current ?? { version: 0, settings: DEFAULT_PROGRAM_SETTINGS };
}

/** The current version straight from D1 (the source of truth), or null when never saved. */
export async function programSettingsFromD1(
  db: D1Database,
): Promise<VersionedProgramSettings | null> {
  const row = (
    await drizzle(db)
      .select({
        version: loyaltyProgramVersions.version,
        settings: loyaltyProgramVersions.settings,
      })
      .from(loyaltyProgramVersions)
      .orderBy(desc(loyaltyProgramVersions.version))
      .limit(1)
  )[0];
  if (!row) return null;
  // Stored only after validation; checked again so fields added later get their defaults.
  const checked = validateProgramSettings(row.settings);
  if (!checked.ok) {
    throw new Error(`loyalty program version ${row.version} no longer validates`);
  }
  return { version: row.version, settings: checked.settings };
}

/**
 * After a save has committed in D1: the new version into KV, and this isolate's copy
 * forgotten, so reads here see it at once and other isolates within the staleness bound.
 */
export async function propagateProgramSettings(
  env: ConfigBindings,
  value: VersionedProgramSettings,
): Promise<void> {
  await env.CONFIG_KV.put(PROGRAM_SETTINGS_KEY, JSON.stringify(value));
  forgetCachedConfig([PROGRAM_SETTINGS_KEY]);
}
