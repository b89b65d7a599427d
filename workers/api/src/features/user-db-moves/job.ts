import { type DbRouterEnv, MAX_USER_DBS, userDbAt, userDbCount } from "#shared/db/router";
import { AppError } from "#shared/http/errors";
import { shardOf } from "#shared/queues/shards";
import {
  countPresent,
  countRows,
  deleteStatement,
  type Key,
  keyOf,
  type Row,
  readPage,
  writeStatement,
} from "./pages";
import { freshProgress, freshStep, type StepName, type StepProgress } from "./progress";
import { insertMove, readMove, type StoredMove, saveCancelled, saveProgress } from "./store";
import { MOVED_TABLES, type MovedTable } from "./tables";

/**
 * Re-sharding the user databases (docs/scaling.md "Re-sharding the user databases"): copy
 * while the old count is live, verify, the operator raises `USER_DB_SHARDS`, sweep (copy what
 * changed meanwhile under each table's own rule, then delete from the old home), verify.
 * Each call does at most `maxRows` rows and saves its cursor after every page, so a run cut
 * short resumes at the page it was on, and a page done twice writes the same rows again.
 */
export const PAGE_ROWS = 100;

/**
 * D1 allows 1,000 queries per Worker invocation: a slice stops (its progress saved) before
 * its count could pass this, whatever `maxRows` allows.
 */
export const QUERIES_PER_SLICE = 900;

/** What the operator does next. */
export type NextAction = "copy" | "verify" | "flip" | "sweep" | "done" | "cancelled" | "blocked";

export function nextAction(env: DbRouterEnv, move: StoredMove): NextAction {
  if (move.cancelledAtMs !== null) return "cancelled";
  if (move.finishedAtMs !== null) return "done";
  const current = userDbCount(env);
  const { copy, verify, sweep } = move.progress;
  const verifiedSince = (step: StepProgress) =>
    verify.done && step.finishedAtMs !== null && (verify.startedAtMs ?? 0) >= step.finishedAtMs;
  if (current === move.fromShards) {
    if (!copy.done) return "copy";
    if (!verifiedSince(copy)) return "verify";
    // Rows missing at home need a copy pass (and then a verify), not another verify.
    if (verify.missingAtHome > 0) return "copy";
    return "flip";
  }
  if (current === move.toShards) {
    // A verify after the sweep that still finds rows away from home (written by an isolate
    // still on the old count after the sweep passed them) asks for another sweep pass.
    if (!sweep.done || (verifiedSince(sweep) && verify.notAtHome > 0)) return "sweep";
    return "verify";
  }
  return "blocked";
}

/** Opens a move from the current count to `toShards`. */
export async function startMove(
  env: DbRouterEnv,
  toShards: number,
  nowMs: number,
): Promise<StoredMove> {
  const fromShards = userDbCount(env);
  // A multiple keeps every moved row in a database the live count does not name yet (if
  // h mod to = t and t < from, then t = h mod from), so no reader sees a row twice before the
  // count is raised.
  if (toShards <= fromShards || toShards % fromShards !== 0 || toShards > MAX_USER_DBS) {
    throw new AppError(
      "validation_failed",
      `toShards must be a multiple of the current ${fromShards} user databases, above it and at most ${MAX_USER_DBS}`,
    );
  }
  for (let i = 0; i < toShards; i++) {
    try {
      userDbAt(env, i);
    } catch {
      throw new AppError("conflict", `user database ${i} (binding USER_DB_${i}) is not bound`);
    }
  }
  const move: StoredMove = {
    id: `udm_${nowMs.toString(36)}_${crypto.randomUUID().slice(0, 8)}`,
    fromShards,
    toShards,
    progress: freshProgress(),
    rev: 0,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    finishedAtMs: null,
    cancelledAtMs: null,
  };
  if (!(await insertMove(env, move))) {
    throw new AppError("conflict", "a move of the user databases is already open");
  }
  return move;
}

/**
 * Cancels a move before its flip: closes it, so another can be opened. Nothing live changes:
 * until the flip every reader and writer uses the old homes, and the copies already made sit
 * in databases the live count does not name. Refused once the worker reads the new count or
 * the sweep has started: the new homes then hold writes the old ones lack. Cancelling a
 * cancelled move answers it again.
 */
export async function cancelMove(env: DbRouterEnv, id: string, nowMs: number): Promise<StoredMove> {
  // A slice saving between the read and the close moves the revision: read again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const move = await readMove(env, id);
    if (!move) throw new AppError("not_found", "no such move of the user databases");
    if (move.cancelledAtMs !== null) return move;
    if (move.finishedAtMs !== null) throw new AppError("conflict", "this move is finished");
    const current = userDbCount(env);
    if (current !== move.fromShards || move.progress.sweep.startedAtMs !== null) {
      throw new AppError(
        "conflict",
        `this move is flipped (USER_DB_SHARDS is ${current}, the sweep ${move.progress.sweep.startedAtMs === null ? "not started" : "started"}): the new homes take writes, so finish it with sweep and verify`,
      );
    }
    if (await saveCancelled(env, move, nowMs)) return move;
  }
  throw new AppError("conflict", "the move kept changing while cancelling it; cancel again");
}

const unitsOf = (move: StoredMove, step: StepName) => {
  const databases = step === "verify" ? move.toShards : move.fromShards;
  return MOVED_TABLES.flatMap((spec) =>
    Array.from({ length: databases }, (_, i) => ({ spec, index: i, name: `${spec.table}@${i}` })),
  );
};

const homeIndex = (spec: MovedTable, row: Row, count: number): number | null => {
  const user = row[spec.home];
  return typeof user === "string" ? shardOf(user, count) : null;
};

/** Rows of a page not at home under `count`, grouped by the database that is. */
function byNewHome(spec: MovedTable, rows: readonly Row[], index: number, count: number) {
  const groups = new Map<number, Row[]>();
  for (const row of rows) {
    const home = homeIndex(spec, row, count);
    if (home === null || home === index) continue;
    groups.set(home, [...(groups.get(home) ?? []), row]);
  }
  return groups;
}

async function copyPage(
  env: DbRouterEnv,
  move: StoredMove,
  spec: MovedTable,
  index: number,
  rows: readonly Row[],
  step: "copy" | "sweep",
): Promise<{ written: number; deleted: number }> {
  const groups = byNewHome(spec, rows, index, move.toShards);
  const mode = step === "copy" ? "mirror" : "live";
  await Promise.all(
    [...groups].map(([home, group]) =>
      writeStatement(userDbAt(env, home), spec, group, mode).run(),
    ),
  );
  const moved = [...groups.values()].flat();
  let deleted = 0;
  if (step === "sweep" && moved.length > 0) {
    // Only after the new homes committed: a failure in between leaves the row in both, and the
    // retry writes it again (a no-op) and deletes it.
    const result = await deleteStatement(userDbAt(env, index), spec, moved).run();
    deleted = result.meta.changes;
  }
  return { written: moved.length, deleted };
}

async function verifyPage(
  env: DbRouterEnv,
  move: StoredMove,
  spec: MovedTable,
  index: number,
  rows: readonly Row[],
): Promise<{ notAtHome: number; missing: number }> {
  const groups = byNewHome(spec, rows, index, move.toShards);
  const present = await Promise.all(
    [...groups].map(([home, group]) =>
      countPresent(
        userDbAt(env, home),
        spec,
        group.map((row) => keyOf(spec, row)),
      ),
    ),
  );
  const notAtHome = [...groups.values()].reduce((n, g) => n + g.length, 0);
  return { notAtHome, missing: notAtHome - present.reduce((a, b) => a + b, 0) };
}

/**
 * Runs one budgeted slice of `step`. A step already done starts a new pass (a second copy
 * catches up rows written since the first; a verify counts afresh).
 */
export async function runStep(
  env: DbRouterEnv,
  id: string,
  step: StepName,
  maxRows: number,
  now: () => number,
  queryBudget = QUERIES_PER_SLICE,
): Promise<StoredMove> {
  const move = await readMove(env, id);
  if (!move) throw new AppError("not_found", "no such move of the user databases");
  if (move.cancelledAtMs !== null) throw new AppError("conflict", "this move is cancelled");
  if (move.finishedAtMs !== null) throw new AppError("conflict", "this move is finished");
  const current = userDbCount(env);
  if (step === "copy" && current !== move.fromShards) {
    throw new AppError("conflict", `copy runs while USER_DB_SHARDS is ${move.fromShards}`);
  }
  // An isolate still on the old count after the flip passes the check above; once the sweep
  // has started the new homes are live, and only the sweep's rules may write there.
  if (step === "copy" && move.progress.sweep.startedAtMs !== null) {
    throw new AppError("conflict", "copy is closed: the sweep of this move has started");
  }
  if (step === "sweep" && current !== move.toShards) {
    throw new AppError("conflict", `sweep runs once USER_DB_SHARDS is ${move.toShards}`);
  }
  if (move.progress[step].done) move.progress[step] = freshStep(move.progress[step].pass + 1);
  const progress = move.progress[step];
  progress.startedAtMs ??= now();
  let budget = maxRows;
  // Queries charged so far: the move's read, and the last save kept in reserve. A page is
  // charged its most: the read, a write or lookup per database, the delete and the save.
  let queries = 2;
  const pageQueries = 3 + move.toShards;
  const roomFor = (n: number) => queries + n <= queryBudget;
  for (const unit of unitsOf(move, step)) {
    if (budget <= 0 || !roomFor(pageQueries + 1)) break;
    let cursor = progress.cursors[unit.name];
    if (cursor === "done") continue;
    const db = userDbAt(env, unit.index);
    if (step === "verify" && cursor === undefined) {
      const counts = progress.rowsPerDb[unit.spec.table] ?? Array(move.toShards).fill(0);
      counts[unit.index] = await countRows(db, unit.spec);
      progress.rowsPerDb[unit.spec.table] = counts;
      queries += 1;
    }
    while (budget > 0 && cursor !== "done" && roomFor(pageQueries)) {
      queries += pageQueries;
      const limit = Math.min(PAGE_ROWS, budget);
      const rows = await readPage(
        db,
        unit.spec,
        (cursor as Key | undefined) ?? null,
        limit,
        step === "verify" ? "keys" : "rows",
      );
      if (step === "verify") {
        const seen = await verifyPage(env, move, unit.spec, unit.index, rows);
        progress.notAtHome += seen.notAtHome;
        progress.missingAtHome += seen.missing;
      } else {
        const done = await copyPage(env, move, unit.spec, unit.index, rows, step);
        progress.written += done.written;
        progress.deleted += done.deleted;
      }
      progress.read += rows.length;
      budget -= rows.length;
      const last = rows.at(-1);
      cursor = rows.length < limit || !last ? "done" : keyOf(unit.spec, last);
      progress.cursors[unit.name] = cursor;
      if (!(await saveProgress(env, move, now(), false))) {
        throw new AppError("conflict", "another run of this move saved first; run again");
      }
    }
  }
  const units = unitsOf(move, step);
  if (units.every((u) => progress.cursors[u.name] === "done")) {
    progress.done = true;
    progress.finishedAtMs = now();
    const finished =
      step === "verify" &&
      current === move.toShards &&
      move.progress.sweep.done &&
      progress.notAtHome === 0 &&
      progress.missingAtHome === 0;
    if (!(await saveProgress(env, move, progress.finishedAtMs, finished))) {
      throw new AppError("conflict", "another run of this move saved first; run again");
    }
  }
  return move;
}
