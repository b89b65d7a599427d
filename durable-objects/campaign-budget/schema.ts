import { applyVersionedSchema } from "../shared/versioned-schema";

/**
 * The campaign budget object's SQLite schema, versioned like the wallet's (wallet/schema.ts):
 * `applyBudgetSchema` runs on every wake and applies only the steps this object has not seen.
 */
const STEPS: string[][] = [
  [
    // One row: the campaign this object serves, its budget and running totals. The totals are
    // kept incrementally so a reservation costs O(1); audit() re-derives them from the rows.
    `CREATE TABLE budget (
       id INTEGER PRIMARY KEY CHECK (id = 1),
       campaign_id TEXT NOT NULL,
       currency TEXT NOT NULL,
       budget_minor INTEGER NOT NULL CHECK (budget_minor >= 0),
       desired_minor INTEGER NOT NULL CHECK (desired_minor >= 0),
       granted_total_minor INTEGER NOT NULL CHECK (granted_total_minor >= 0),
       released_total_minor INTEGER NOT NULL CHECK (released_total_minor >= 0),
       updated_at_ms INTEGER NOT NULL,
       CHECK (granted_total_minor - released_total_minor BETWEEN 0 AND budget_minor)
     )`,
    // Keyed by wallet and transaction: the transaction's wallet is the only one that numbers
    // its requests, so even an order id reported for two users cannot share one grant.
    `CREATE TABLE reservations (
       user_id TEXT NOT NULL,
       txn_id TEXT NOT NULL,
       desired_minor INTEGER NOT NULL CHECK (desired_minor >= 0),
       granted_minor INTEGER NOT NULL CHECK (granted_minor BETWEEN 0 AND desired_minor),
       seq INTEGER NOT NULL,
       created_at_ms INTEGER NOT NULL,
       updated_at_ms INTEGER NOT NULL,
       PRIMARY KEY (user_id, txn_id)
     )`,
  ],
  [
    // Issue 11: the budget moved to the generalised budget object. One row once handed over;
    // from then on the object answers `moved` and changes nothing (its data stays, read-only,
    // so a repeated hand-over gives the same answer).
    `CREATE TABLE hand_over (
       id INTEGER PRIMARY KEY CHECK (id = 1),
       handed_over_at_ms INTEGER NOT NULL
     )`,
  ],
];

export function applyBudgetSchema(storage: DurableObjectStorage): void {
  applyVersionedSchema(storage, "budget", STEPS);
}
