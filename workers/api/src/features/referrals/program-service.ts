import type { ApiEnv } from "#shared/env";
import type { Logger } from "#shared/observability/logger";
import { propagateReferralProgram } from "#shared/referrals/live-program-settings";
import type { ReferralProgramSettings } from "#shared/referrals/program-settings";
import { type Actor, type SaveInput, saveVersion } from "../../settings/save-version";
import {
  currentReferralVersion,
  insertReferralVersion,
  type ReferralProgramRow,
} from "./program-store";

export type { Actor } from "../../settings/save-version";

/**
 * Saves validated settings as version current + 1 of their program (D1 first, then the
 * config cache the share link reads; settings/save-version.ts: 409 on a stale
 * `expectedVersion` or a lost race; equal settings make no new version and repair the cache).
 *
 * @example
 * await saveReferralProgram(env, { settings, expectedVersion: 3 }, { by: "ops", nowMs }, log);
 */
export function saveReferralProgram(
  env: Pick<ApiEnv, "DB" | "CONFIG_KV">,
  input: SaveInput<ReferralProgramSettings>,
  actor: Actor,
  log: Logger | undefined,
): Promise<{ row: ReferralProgramRow; created: boolean }> {
  const programId = input.settings.programId;
  return saveVersion(
    {
      name: "referral_program",
      current: () => currentReferralVersion(env, programId),
      rowFor: (version) => ({ programId, ...version }),
      insert: (row) => insertReferralVersion(env, row),
      propagate: (row) =>
        propagateReferralProgram(env, { version: row.version, settings: row.settings }),
    },
    input,
    actor,
    log,
  );
}
