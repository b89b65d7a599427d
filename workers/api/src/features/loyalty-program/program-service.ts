import type { ApiEnv } from "#shared/env";
import { propagateProgramSettings } from "#shared/loyalty/live-program-settings";
import type { ProgramSettings } from "#shared/loyalty/program-settings";
import type { Logger } from "#shared/observability/logger";
import { type Actor, type SaveInput, saveVersion } from "../../settings/save-version";
import { currentVersion, insertVersion, type ProgramVersionRow } from "./program-store";

export type { Actor } from "../../settings/save-version";

/**
 * Saves validated program settings as version current + 1 (settings/save-version.ts: 409 on
 * a stale `expectedVersion` or a lost race; equal settings make no new version).
 *
 * @example
 * await saveProgram(env, { settings, expectedVersion: 3 }, { by: "ops", nowMs }, log);
 * // { row: { version: 4, settings, savedAtMs, savedBy: "ops", note: null }, created: true }
 */
export function saveProgram(
  env: Pick<ApiEnv, "DB" | "CONFIG_KV">,
  input: SaveInput<ProgramSettings>,
  actor: Actor,
  log: Logger | undefined,
): Promise<{ row: ProgramVersionRow; created: boolean }> {
  return saveVersion(
    {
      name: "loyalty_program",
      current: () => currentVersion(env),
      rowFor: (version) => version,
      insert: (row) => insertVersion(env, row),
      propagate: (row) =>
        propagateProgramSettings(env, { version: row.version, settings: row.settings }),
    },
    input,
    actor,
    log,
  );
}
