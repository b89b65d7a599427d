import type { CampaignBudgetHandOver, HandOverReservation } from "../campaign-budget/hand-over";
import type { Held } from "../shared/decide-reserve";
import type { BudgetTerms } from "./decide-budget";

/**
 * Turning a legacy campaign budget's hand-over (campaign-budget/hand-over.ts, all its pages)
 * into the rows of the campaign's rule budget, pure. Table tests: legacy-import.test.ts.
 *
 * The unit is the campaign's currency and the limit its budget (version 0: configured, no
 * rule version behind it). Each reservation keeps its key (holder = the wallet's user id,
 * reference = the transaction id), its values and its `seq`, so a wallet repeating its last
 * request gets the same grant and a newer one adjusts it, as before. The totals are re-derived
 * from the rows where the legacy totals disagree with them (they never should), so the budget
 * object's audit holds after the import.
 */

export interface ImportedReservation extends Held {
  holder: string;
  reference: string;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface LegacyImport {
  unit: string;
  terms: BudgetTerms;
  askedTotal: number;
  grantedTotal: number;
  releasedTotal: number;
  reservations: ImportedReservation[];
}

/**
 * @example
 * planLegacyImport({ campaignId: "c1", currency: "INR", budgetMinor: 1_000,
 *   grantedTotalMinor: 700, releasedTotalMinor: 100, handedOverAtMs: 0, next: null,
 *   reservations: [{ userId: "u1", txnId: "t1", desiredMinor: 800, grantedMinor: 600, seq: 2,
 *     createdAtMs: 1, updatedAtMs: 2 }] })
 * // { unit: "INR", terms: { limit: 1_000, limitVersion: 0, overLimit: 0 }, askedTotal: 800,
 * //   grantedTotal: 700, releasedTotal: 100, reservations: [{ holder: "u1", reference: "t1", … }] }
 */
export function planLegacyImport(
  header: Omit<CampaignBudgetHandOver, "reservations" | "next">,
  legacy: readonly HandOverReservation[],
): LegacyImport {
  let asked = 0;
  let held = 0;
  const reservations = legacy.map((r) => {
    asked += r.desiredMinor;
    held += r.grantedMinor;
    return {
      holder: r.userId,
      reference: r.txnId,
      desired: r.desiredMinor,
      granted: r.grantedMinor,
      seq: r.seq,
      createdAtMs: r.createdAtMs,
      updatedAtMs: r.updatedAtMs,
    };
  });
  const agree = header.grantedTotalMinor - header.releasedTotalMinor === held;
  // Kept apart from the rows, the released total is history only; the granted total follows
  // from it when the legacy totals disagree with the rows.
  const releasedTotal = header.releasedTotalMinor;
  const grantedTotal = agree ? header.grantedTotalMinor : releasedTotal + held;
  return {
    unit: header.currency,
    terms: {
      limit: header.budgetMinor,
      limitVersion: 0,
      // 0 whenever the legacy object kept its own invariant (outstanding ≤ budget).
      overLimit: Math.max(0, held - header.budgetMinor),
    },
    askedTotal: asked,
    grantedTotal,
    releasedTotal,
    reservations,
  };
}
