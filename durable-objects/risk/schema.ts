import { applyVersionedSchema } from "../shared/versioned-schema";

/**
 * The risk object's SQLite schema (docs/fraud.md), versioned like the other objects':
 * applied on every wake, only the steps this object has not seen.
 */
const STEPS: string[][] = [
  [
    // What the user did, as producers reported it; observed twice, kept once.
    `CREATE TABLE observations (
       observation_id TEXT PRIMARY KEY,
       kind TEXT NOT NULL,
       at_ms INTEGER NOT NULL,
       subject_ref TEXT,
       identifiers_json TEXT NOT NULL,
       facts_json TEXT NOT NULL
     )`,
    `CREATE INDEX observations_kind_time_idx ON observations (kind, at_ms)`,
  ],
  [
    // Scoring (risk-store.ts): a login's device never seen before counts as a new-device login.
    `ALTER TABLE observations ADD COLUMN new_device INTEGER NOT NULL DEFAULT 0`,
    `CREATE INDEX observations_time_idx ON observations (at_ms)`,
    // What each observation was answered, so a repeat is answered the same (effects and all).
    `CREATE TABLE assessments (
       observation_id TEXT PRIMARY KEY,
       at_ms INTEGER NOT NULL,
       assessment_json TEXT NOT NULL
     )`,
    `CREATE INDEX assessments_time_idx ON assessments (at_ms)`,
    // The reasons in the score, each code once, until its window ends (shared/fraud/risk-score.ts).
    `CREATE TABLE reasons (
       code TEXT PRIMARY KEY,
       score INTEGER NOT NULL,
       detail TEXT NOT NULL,
       rule_id TEXT NOT NULL,
       rule_version INTEGER NOT NULL,
       since_ms INTEGER NOT NULL,
       until_ms INTEGER NOT NULL
     )`,
    // Each change of the score, with its reasons and the rule set version that made it.
    `CREATE TABLE score_history (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       at_ms INTEGER NOT NULL,
       score INTEGER NOT NULL,
       reasons_json TEXT NOT NULL,
       rule_version INTEGER,
       observation_id TEXT NOT NULL
     )`,
    // Device hashes the user was seen with (keyed hashes, never raw ids).
    `CREATE TABLE devices (device_hash TEXT PRIMARY KEY, first_seen_ms INTEGER NOT NULL)`,
  ],
  [
    // Return abuse (order-store.ts): the user's orders over the return window and whether each
    // came back; kept apart from observations, which are kept 30 days, not 90.
    `CREATE TABLE orders (
       order_ref TEXT PRIMARY KEY,
       ordered_at_ms INTEGER NOT NULL,
       returned_at_ms INTEGER
     )`,
    `CREATE INDEX orders_time_idx ON orders (ordered_at_ms)`,
  ],
  [
    // A user's orders are counted from D1 `risk_orders` now (shared/fraud/user-order-counts.ts):
    // most conversions never reach this object, so its own copy would undercount.
    `DROP TABLE IF EXISTS orders`,
  ],
];

export function applyRiskSchema(storage: DurableObjectStorage): void {
  applyVersionedSchema(storage, "risk", STEPS);
}
