import { forgetCachedConfig, readConfigThrough } from "../config/config-read";
import type { referralProgramVersions } from "../db/schema";
import type { ConfigBindings } from "../env";
import type { ReferralProgramSettings } from "./program-settings";
import {
  checkReferralProgramSettings,
  DEFAULT_REFERRAL_PROGRAM,
  DEFAULT_REFERRAL_PROGRAM_ID,
} from "./program-settings-check";

/**
 * The current referral program settings, as the share link (redirect worker) and attribution
 * at signup read them: the file of `shared/referrals/` that does I/O for settings. A save
 * writes D1 first (the source of truth, one new version), then this KV key; readers go through
 * isolate memory (30 s) → KV (cacheTtl 60 s) → D1, like the loyalty program's settings. D1 is
 * read only when KV has no copy, and what it gives, the version 0 defaults included, is written
 * back (expiring), so a program never saved does not send every isolate to D1.
 */

/** The CONFIG_KV key holding `{ version, settings }` of the program's current version. */
export function referralProgramKvKey(programId: string = DEFAULT_REFERRAL_PROGRAM_ID): string {
  return `ref:program:v1:${programId}`;
}

/** A write-back after a D1 read that raced a save expires after this long (bounded staleness). */
const WRITE_BACK_TTL_SEC = 300;

export interface VersionedReferralProgram {
  /** 0 while the operator has never saved settings (the defaults). */
  version: number;
  settings: ReferralProgramSettings;
}

/**
 * The current settings with their version; version 0 and DEFAULT_REFERRAL_PROGRAM when never
 * saved (the share link refuses to redirect then).
 *
 * @example
 * const { version, settings } = await loadVersionedReferralProgram(env, (p) => ctx.waitUntil(p));
 */
export async function loadVersionedReferralProgram(
  env: ConfigBindings,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<VersionedReferralProgram> {
  const current = await readConfigThrough<VersionedReferralProgram>(
    env,
    referralProgramKvKey(),
    async () =>
      (await referralProgramFromD1(env.DB)) ?? { version: 0, settings: DEFAULT_REFERRAL_PROGRAM },
    waitUntil,
    { writeBackTtlSec: WRITE_BACK_TTL_SEC },
  );
  return current ?? { version: 0, settings: DEFAULT_REFERRAL_PROGRAM };
}

/**
 * The current settings (the defaults when never saved).
 *
 * @example
 * const { attribution } = await loadLiveReferralProgram(env, (p) => ctx.waitUntil(p));
 * const windowMs = attribution.windowDays * MS_PER_DAY;
 */
export async function loadLiveReferralProgram(
  env: ConfigBindings,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<ReferralProgramSettings> {
  return (await loadVersionedReferralProgram(env, waitUntil)).settings;
}

/** The current version straight from D1 (the source of truth), or null when never saved. */
export async function referralProgramFromD1(
  db: D1Database,
  programId: string = DEFAULT_REFERRAL_PROGRAM_ID,
): Promise<VersionedReferralProgram | null> {
  // Prepared SQL, not the ORM: the redirect worker reads this (no drizzle in its bundle).
  const found = await db
    .prepare(
      `SELECT version, settings FROM referral_program_versions
       WHERE program_id = ? ORDER BY version DESC LIMIT 1`,
    )
    .bind(programId)
    .first<{ version: number; settings: string }>();
  if (!found) return null;
  const row: Pick<typeof referralProgramVersions.$inferSelect, "version" | "settings"> = {
    version: found.version,
    settings: JSON.parse(found.settings),
  };
  // Stored only after validation; checked again so fields added later get their defaults.
  const checked = checkReferralProgramSettings(row.settings);
  if (!checked.ok) throw new Error(`referral program version ${row.version} no longer validates`);
  return { version: row.version, settings: checked.settings };
}

/**
 * After a save has committed in D1: the new version into KV, and this isolate's copy
 * forgotten, so reads here see it at once and other isolates within the staleness bound.
 */
export async function propagateReferralProgram(
  env: ConfigBindings,
  value: VersionedReferralProgram,
): Promise<void> {
  const key = referralProgramKvKey(value.settings.programId);
  await env.CONFIG_KV.put(key, JSON.stringify(value));
  forgetCachedConfig([key]);
}
