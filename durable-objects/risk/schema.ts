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
];

export function applyRiskSchema(storage: DurableObjectStorage): void {
  applyVersionedSchema(storage, "risk", STEPS);
}
