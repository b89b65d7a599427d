import type { Key } from "./pages";

/** The three steps of a move (docs/scaling.md "Re-sharding the user databases"). */
export type StepName = "copy" | "verify" | "sweep";

/** One pass of a step over every (table, database) unit, resumable from its cursors. */
export interface StepProgress {
  pass: number;
  done: boolean;
  startedAtMs: number | null;
  finishedAtMs: number | null;
  /** `table@database` → the last key done, or "done". */
  cursors: Record<string, Key | "done">;
  /** Rows read. */
  read: number;
  /** Rows written to their new home (copy, sweep). */
  written: number;
  /** Rows deleted from their old home (sweep). */
  deleted: number;
  /** Rows found outside the database the new count names (verify). */
  notAtHome: number;
  /** Of those, rows whose key the new home does not hold (verify). */
  missingAtHome: number;
  /** Rows per table per database, counted when the verify pass reached it. */
  rowsPerDb: Record<string, number[]>;
}

export type MoveProgress = Record<StepName, StepProgress>;

export function freshStep(pass: number): StepProgress {
  return {
    pass,
    done: false,
    startedAtMs: null,
    finishedAtMs: null,
    cursors: {},
    read: 0,
    written: 0,
    deleted: 0,
    notAtHome: 0,
    missingAtHome: 0,
    rowsPerDb: {},
  };
}

export function freshProgress(): MoveProgress {
  return { copy: freshStep(0), verify: freshStep(0), sweep: freshStep(0) };
}
