import type { ApiEnv } from "#shared/env";
import { AppError } from "#shared/http/errors";
import type { Logger } from "#shared/observability/logger";
import { errorFields } from "#shared/observability/logger";
import { propagateReferralProgram } from "#shared/referrals/live-program-settings";
import type { ReferralProgramSettings } from "#shared/referrals/program-settings";
import {
  currentReferralVersion,
  insertReferralVersion,
  type ReferralProgramRow,
} from "./program-store";

/** Who is acting and when: the handler reads the clock and the caller once. */
export interface Actor {
  by: string;
  nowMs: number;
}

export interface SaveInput {
  settings: ReferralProgramSettings;
  expectedVersion?: number | undefined;
  note?: string | undefined;
}

/** Settings compared as stored: key order does not make a change. */
export function sameReferralSettings(a: ReferralProgramSettings, b: ReferralProgramSettings) {
  const canonical = (value: unknown): unknown =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value as Record<string, unknown>)
            .filter(([, v]) => v !== undefined)
            .sort(([x], [y]) => (x < y ? -1 : 1))
            .map(([k, v]) => [k, canonical(v)]),
        )
      : value;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/**
 * Saves validated settings as version current + 1 (D1 first, then the config cache the share
 * link reads). 409 when `expectedVersion` is not current or another save took the number;
 * settings equal to the current ones make no new version (and rewrite the cache, which repairs
 * a propagation that failed before).
 *
 * @example
 * await saveReferralProgram(env, { settings, expectedVersion: 3 }, { by: "ops", nowMs }, log);
 */
export async function saveReferralProgram(
  env: Pick<ApiEnv, "DB" | "CONFIG_KV">,
  input: SaveInput,
  actor: Actor,
  log: Logger | undefined,
): Promise<{ row: ReferralProgramRow; created: boolean }> {
  const programId = input.settings.programId;
  const current = await currentReferralVersion(env, programId);
  const currentNumber = current?.version ?? 0;
  if (input.expectedVersion !== undefined && input.expectedVersion !== currentNumber) {
    throw new AppError(
      "conflict",
      `the settings were changed from version ${input.expectedVersion}, but version ` +
        `${currentNumber} is current now; nothing was saved: reload and apply the change again`,
    );
  }
  if (current && sameReferralSettings(current.settings, input.settings)) {
    await propagate(env, current, log);
    return { row: current, created: false };
  }
  const row: ReferralProgramRow = {
    programId,
    version: currentNumber + 1,
    settings: input.settings,
    savedAtMs: actor.nowMs,
    savedBy: actor.by,
    note: input.note ?? null,
  };
  const outcome = await insertReferralVersion(env, row);
  if (outcome.status === "stale") {
    throw new AppError(
      "conflict",
      `version ${outcome.currentVersion} was saved meanwhile; nothing was saved: reload and try again`,
    );
  }
  await propagate(env, row, log);
  log?.info("referral_program.saved", { version: row.version, by: actor.by });
  return { row, created: true };
}

async function propagate(
  env: Pick<ApiEnv, "DB" | "CONFIG_KV">,
  row: ReferralProgramRow,
  log: Logger | undefined,
): Promise<void> {
  try {
    await propagateReferralProgram(env, { version: row.version, settings: row.settings });
  } catch (error) {
    log?.error("referral_program.propagate_failed", {
      version: row.version,
      ...errorFields(error),
    });
    throw new AppError(
      "unavailable",
      `version ${row.version} is saved, but the config cache could not be updated; it takes effect when the cache is next written (save again)`,
    );
  }
}
