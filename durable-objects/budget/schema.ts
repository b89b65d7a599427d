import { applyVersionedSchema } from "../shared/versioned-schema";

/**
 * The budget object's SQLite schema, versioned like the other objects': `applyBudgetKeySchema`
 * runs on every wake and applies only the steps this object has not seen.
 */
const STEPS: string[][] = [
  [
    // One row: the key this object serves, its unit, the newest limit seen and the running
    // totals, kept incrementally so a reservation costs O(1); audit() re-derives them.
    // `over_limit` is what was granted under an older, higher limit above the current one: set
    // when a limit is adopted, shrunk by releases, never raised by a grant, so the CHECK below
    // bounds every grant by the newest limit.
    `CREATE TABLE budget (
       id INTEGER PRIMARY KEY CHECK (id = 1),
       budget_key TEXT NOT NULL,
       unit TEXT NOT NULL,
       limit_value INTEGER NOT NULL CHECK (limit_value >= 0),
       limit_version INTEGER NOT NULL CHECK (limit_version >= 0),
       over_limit INTEGER NOT NULL CHECK (over_limit >= 0),
       asked_total INTEGER NOT NULL CHECK (asked_total >= 0),
       granted_total INTEGER NOT NULL CHECK (granted_total >= 0),
       released_total INTEGER NOT NULL CHECK (released_total >= 0),
       updated_at_ms INTEGER NOT NULL,
       CHECK (granted_total - released_total BETWEEN 0 AND limit_value + over_limit)
     )`,
    // One row per reward: the holder (the user whose wallet numbers the requests) and the
    // reward's own key. Released rows stay (desired 0) so an older request stays stale.
    `CREATE TABLE reservations (
       holder TEXT NOT NULL,
       reference TEXT NOT NULL,
       desired INTEGER NOT NULL CHECK (desired >= 0),
       granted INTEGER NOT NULL CHECK (granted BETWEEN 0 AND desired),
       seq INTEGER NOT NULL CHECK (seq >= 1),
       created_at_ms INTEGER NOT NULL,
       updated_at_ms INTEGER NOT NULL,
       PRIMARY KEY (holder, reference)
     )`,
  ],
  [
    // Budget parts (parts.ts). On the root (the budget key's own object): the layout wallets
    // are sent to now, every layout ever used (a reservation stays in the part it was made
    // in, so every old part may still hold spare), and how much of the running totals were
    // allotments to parts rather than grants to users, so the usage can tell them apart.
    `CREATE TABLE budget_layout (
       id INTEGER PRIMARY KEY CHECK (id = 1),
       parts INTEGER NOT NULL CHECK (parts BETWEEN 1 AND 64),
       layouts_json TEXT NOT NULL,
       allotted_asked INTEGER NOT NULL DEFAULT 0,
       allotted_granted INTEGER NOT NULL DEFAULT 0,
       allotted_released INTEGER NOT NULL DEFAULT 0
     )`,
    // On a part: which part it is, and its numbered request to the root for its allotment
    // (the budget row's limit is the allotment the root confirmed; `desired` and `seq` are
    // the newest request, sent again as it stands until the root answers it).
    `CREATE TABLE part_allotment (
       id INTEGER PRIMARY KEY CHECK (id = 1),
       parts INTEGER NOT NULL CHECK (parts BETWEEN 2 AND 64),
       part_index INTEGER NOT NULL CHECK (part_index >= 0 AND part_index < parts),
       desired INTEGER NOT NULL CHECK (desired >= 0),
       seq INTEGER NOT NULL CHECK (seq >= 1)
     )`,
  ],
  [
    // On a part: the newest request the root is known to have answered. Below `seq`, the root
    // may hold another allotment than the part's limit (a lost answer), so the part tells it
    // again even when it has nothing to give. 0 for a part from before: resent once.
    `ALTER TABLE part_allotment ADD COLUMN confirmed_seq INTEGER NOT NULL DEFAULT 0`,
  ],
  [
    // On the root: the parts that ever asked it about their allotment (a part asks before its
    // first reservation), by allotment holder. The summed usage visits only these, so a part
    // never used is not woken. Before this step every part of every layout was visited: the
    // backfill keeps them all.
    `CREATE TABLE part_contacts (holder TEXT PRIMARY KEY) WITHOUT ROWID`,
    `INSERT OR IGNORE INTO part_contacts (holder)
       SELECT holder FROM reservations WHERE holder GLOB 'part:*'`,
  ],
];

export function applyBudgetKeySchema(storage: DurableObjectStorage): void {
  applyVersionedSchema(storage, "budget", STEPS);
}
