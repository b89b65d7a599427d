import type { ApiEnv } from "#shared/env";
import { AppError } from "#shared/http/errors";
import { propagateProgramSettings } from "#shared/loyalty/live-program-settings";
import type { ProgramSettings } from "#shared/loyalty/program-settings";
import type { Logger } from "#shared/observability/logger";
import { errorFields } from "#shared/observability/logger";
import { currentVersion, insertVersion, type ProgramVersionRow } from "./program-store";

/** Who is acting and when: the handler reads the clock and the caller once. */
export interface Actor {
  by: string;
  nowMs: number;
}

export interface SaveInput {
  settings: ProgramSettings;
  expectedVersion?: number | undefined;
  note?: string | undefined;
}

/** Settings compared as stored: key order does not make a change. */
function sameSettings(a: ProgramSettings, b: ProgramSettings): boolean {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === "object"
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
 * Saves validated settings as version current + 1 (D1 first, then the config cache). Refused
 * with 409 when `expectedVersion` is not the current version or another save took the number
 * first; settings equal to the current ones make no new version (the save is idempotent).
 *
 * @example
 * await saveProgram(env, { settings, expectedVersion: 3 }, { by: "ops", nowMs }, log);
 * // { version: 4, settings, savedAtMs, savedBy: "ops", note: null }
 */
export async function saveProgram(
  env: Pick<ApiEnv, "DB" | "CONFIG_KV">,
  input: SaveInput,
  actor: Actor,
  log: Logger | undefined,
): Promise<{ row: ProgramVersionRow; created: boolean }> {
  const current = await currentVersion(env);
  const currentNumber = current?.version ?? 0;
  if (input.expectedVersion !== undefined && input.expectedVersion !== currentNumber) {
    throw new AppError(
      "conflict",
      `the settings were changed from version ${input.expectedVersion}, but version ` +
        `${currentNumber} is current now; nothing was saved: reload and apply the change again`,
    );
  }
  if (current && sameSettings(current.settings, input.settings)) {
    // Written again all the same: a save after a failed propagation repairs the cache.
    await propagate(env, current, log);
    return { row: current, created: false };
  }
  const row: ProgramVersionRow = {
    version: currentNumber + 1,
    settings: input.settings,
    savedAtMs: actor.nowMs,
    savedBy: actor.by,
    note: input.note ?? null,
  };
  const outcome = await insertVersion(env, row);
  if (outcome.status === "stale") {
    throw new AppError(
      "conflict",
      `version ${outcome.currentVersion} was saved meanwhile; nothing was saved: reload and try again`,
    );
  }
  await propagate(env, row, log);
  log?.info("loyalty_program.saved", { version: row.version, by: actor.by });
  return { row, created: true };
}

async function propagate(
  env: Pick<ApiEnv, "DB" | "CONFIG_KV">,
  row: ProgramVersionRow,
  log: Logger | undefined,
): Promise<void> {
  try {
    await propagateProgramSettings(env, { version: row.version, settings: row.settings });
  } catch (error) {
    // D1 holds the version (the source of truth); the wallets read the KV copy. Loud, and
    // the operator is told the new version is not yet in effect everywhere.
    log?.error("loyalty_program.propagate_failed", { version: row.version, ...errorFields(error) });
    throw new AppError(
      "unavailable",
      `version ${row.version} is saved, but the config cache could not be updated; it takes effect when the cache is next written (save again)`,
    );
  }
}
