import { assertNever } from "#shared/assert";
import { reviewDueClaims } from "../claims/claims";
import { pruneClicks } from "../clicks/clicks";
import { confirmDue } from "../conversions/confirm-due";
import type { WalletTx } from "../core/wallet-tx";
import { SCHEDULE_KINDS } from "./schedule-kind";

export interface DueRun {
  confirmed: number;
  prunedClicks: number;
  /** True when confirmations were left for the next run. */
  more: boolean;
}

/**
 * Runs the schedule's work due by `asOfMs` inside the caller's storage transaction, kind by
 * kind. `asOfMs` may be ahead of `nowMs` (an operator's clock override in development).
 */
export function runDue(tx: WalletTx, asOfMs: number, nowMs: number): DueRun {
  const run: DueRun = { confirmed: 0, prunedClicks: 0, more: false };
  for (const kind of SCHEDULE_KINDS) {
    switch (kind) {
      case "confirm": {
        const confirmed = confirmDue(tx, asOfMs, nowMs);
        run.confirmed = confirmed.confirmed;
        run.more = confirmed.more;
        break;
      }
      case "claim_review":
        reviewDueClaims(tx, asOfMs, nowMs);
        break;
      case "prune_clicks":
        run.prunedClicks = pruneClicks(tx.sql, asOfMs);
        break;
      case "boost":
        // Asks other objects, so it cannot run inside a storage transaction: the object's
        // boost sync sends it after commit (boosts/boost-sync.ts).
        break;
      case "events":
        // Processing reads the live rule set first (an await), so the object runs it after
        // commit (wallet-object.ts processEvents), like the boost sync.
        break;
      default:
        assertNever(kind, "schedule kind");
    }
  }
  return run;
}
