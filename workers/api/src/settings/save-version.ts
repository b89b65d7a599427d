import { AppError } from "#shared/http/errors";
import type { Logger } from "#shared/observability/logger";
import { errorFields } from "#shared/observability/logger";
import { toIso } from "../http/common-schemas";

/**
 * Operator settings kept as immutable versions (the loyalty program, the referral program):
 * D1 holds every version (the source of truth), the config cache the current one. One save
 * path for all of them, so each gets the same optimistic concurrency, idempotence and repair.
 */

/** Who is acting and when: the handler reads the clock and the caller once. */
export interface Actor {
  by: string;
  nowMs: number;
}

export interface SaveInput<S> {
  settings: S;
  expectedVersion?: number | undefined;
  note?: string | undefined;
}

/** A stored version: the number, the settings and who saved them when. */
export interface VersionRow<S> {
  version: number;
  settings: S;
  savedAtMs: number;
  savedBy: string;
  note: string | null;
}

/** A version's insert: saved, or another save took the number first. */
export type InsertOutcome = { status: "saved" } | { status: "stale"; currentVersion: number };

/** What one kind of settings brings: its storage, its cache and its name in logs. */
export interface VersionedSettings<S, R extends VersionRow<S>> {
  /** `loyalty_program`, `referral_program`: the prefix of the log events. */
  name: string;
  current(): Promise<R | null>;
  /** The row to insert for the next version (adds the kind's own keys). */
  rowFor(version: VersionRow<S>): R;
  insert(row: R): Promise<InsertOutcome>;
  propagate(row: R): Promise<void>;
}

/** Settings compared as stored: key order and absent keys do not make a change. */
export function sameSettings(a: unknown, b: unknown): boolean {
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
 * first; settings equal to the current ones make no new version and rewrite the cache, which
 * repairs a propagation that failed before.
 *
 * @example
 * await saveVersion(loyaltyProgramVersions(env), { settings, expectedVersion: 3 }, actor, log);
 * // { row: { version: 4, settings, savedAtMs, savedBy: "ops", note: null }, created: true }
 */
export async function saveVersion<S, R extends VersionRow<S>>(
  kind: VersionedSettings<S, R>,
  input: SaveInput<S>,
  actor: Actor,
  log: Logger | undefined,
): Promise<{ row: R; created: boolean }> {
  const current = await kind.current();
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
    await propagate(kind, current, log);
    return { row: current, created: false };
  }
  const row = kind.rowFor({
    version: currentNumber + 1,
    settings: input.settings,
    savedAtMs: actor.nowMs,
    savedBy: actor.by,
    note: input.note ?? null,
  });
  const outcome = await kind.insert(row);
  if (outcome.status === "stale") {
    throw new AppError(
      "conflict",
      `version ${outcome.currentVersion} was saved meanwhile; nothing was saved: reload and try again`,
    );
  }
  await propagate(kind, row, log);
  log?.info(`${kind.name}.saved`, { version: row.version, by: actor.by });
  return { row, created: true };
}

async function propagate<S, R extends VersionRow<S>>(
  kind: VersionedSettings<S, R>,
  row: R,
  log: Logger | undefined,
): Promise<void> {
  try {
    await kind.propagate(row);
  } catch (error) {
    // D1 holds the version (the source of truth); readers use the cached copy. Loud, and the
    // operator is told the new version is not yet in effect everywhere.
    log?.error(`${kind.name}.propagate_failed`, { version: row.version, ...errorFields(error) });
    throw new AppError(
      "unavailable",
      `version ${row.version} is saved, but the config cache could not be updated; it takes effect when the cache is next written (save again)`,
    );
  }
}

/**
 * A page of versions as the admin API lists them, newest first, the current one marked.
 *
 * @example
 * versionsView(await listVersions(env, { limit: 20 }), currentNumber)
 * // { items: [{ version: 4, savedAt, savedBy, note, current: true, settings }], nextCursor: "4" }
 */
export function versionsView<S>(
  page: { items: readonly VersionRow<S>[]; nextBeforeVersion: number | null },
  currentNumber: number | null,
) {
  return {
    items: page.items.map((v) => ({
      version: v.version,
      savedAt: toIso(v.savedAtMs),
      savedBy: v.savedBy,
      note: v.note,
      current: v.version === currentNumber,
      settings: v.settings,
    })),
    nextCursor: page.nextBeforeVersion === null ? null : String(page.nextBeforeVersion),
  };
}
