import type { BudgetPart } from "./parts";

/**
 * SQL for budget parts (parts.ts): the root's layout row and a part's allotment request. Plain
 * reads and writes; the flow is in budget-object.ts (the root) and part-side.ts (a part).
 */

export interface LayoutRow {
  /** The layout wallets are sent to now (1: the root serves them itself, as before parts). */
  parts: number;
  /** Every layout ever set, oldest first, 1 included when the budget served wallets itself. */
  layouts: number[];
  /** The share of the root's running totals that were allotments to parts. */
  allottedAsked: number;
  allottedGranted: number;
  allottedReleased: number;
}

export function readLayout(sql: SqlStorage): LayoutRow | null {
  const row = sql
    .exec<{
      parts: number;
      layouts_json: string;
      allotted_asked: number;
      allotted_granted: number;
      allotted_released: number;
    }>(`SELECT * FROM budget_layout WHERE id = 1`)
    .toArray()[0];
  if (!row) return null;
  return {
    parts: row.parts,
    layouts: JSON.parse(row.layouts_json) as number[],
    allottedAsked: row.allotted_asked,
    allottedGranted: row.allotted_granted,
    allottedReleased: row.allotted_released,
  };
}

/** Sets the current layout and adds it to the history (kept in first-use order). */
export function saveLayout(sql: SqlStorage, parts: number, layouts: number[]): void {
  sql.exec(
    `INSERT INTO budget_layout (id, parts, layouts_json) VALUES (1, ?1, ?2)
     ON CONFLICT (id) DO UPDATE SET parts = excluded.parts, layouts_json = excluded.layouts_json`,
    parts,
    JSON.stringify(layouts),
  );
}

/** Moves the allotment share of the totals by one allotment's change (same transaction). */
export function addAllotted(
  sql: SqlStorage,
  change: { askedDelta: number; granted: number; released: number },
): void {
  sql.exec(
    `UPDATE budget_layout SET allotted_asked = allotted_asked + ?,
       allotted_granted = allotted_granted + ?, allotted_released = allotted_released + ?
     WHERE id = 1`,
    change.askedDelta,
    change.granted,
    change.released,
  );
}

/** A part's own record: which part it is, and its newest allotment request to the root. */
export interface PartAllotmentRow extends BudgetPart {
  desired: number;
  seq: number;
  /** The newest `seq` the root answered (its allotment is then the part's limit). */
  confirmedSeq: number;
}

export function readPartAllotment(sql: SqlStorage): PartAllotmentRow | null {
  const row = sql
    .exec<{
      parts: number;
      part_index: number;
      desired: number;
      seq: number;
      confirmed_seq: number;
    }>(`SELECT parts, part_index, desired, seq, confirmed_seq FROM part_allotment WHERE id = 1`)
    .toArray()[0];
  return row
    ? {
        parts: row.parts,
        index: row.part_index,
        desired: row.desired,
        seq: row.seq,
        confirmedSeq: row.confirmed_seq,
      }
    : null;
}

export function savePartAllotment(sql: SqlStorage, row: PartAllotmentRow): void {
  sql.exec(
    `INSERT INTO part_allotment (id, parts, part_index, desired, seq, confirmed_seq)
     VALUES (1, ?1, ?2, ?3, ?4, ?5)
     ON CONFLICT (id) DO UPDATE SET desired = excluded.desired, seq = excluded.seq,
       confirmed_seq = excluded.confirmed_seq`,
    row.parts,
    row.index,
    row.desired,
    row.seq,
    row.confirmedSeq,
  );
}

/** Records that a part asked the root about its allotment (the root's usage visits it). */
export function notePartContact(sql: SqlStorage, holder: string): void {
  sql.exec(`INSERT OR IGNORE INTO part_contacts (holder) VALUES (?)`, holder);
}

/** The allotment holders of every part that ever asked the root, in holder order. */
export function readPartContacts(sql: SqlStorage): string[] {
  return sql
    .exec<{ holder: string }>(`SELECT holder FROM part_contacts ORDER BY holder`)
    .toArray()
    .map((row) => row.holder);
}
