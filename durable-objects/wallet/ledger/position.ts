import type { Leg } from "./posting";

/**
 * What the ledger should hold for one transaction, and the legs that move it there.
 *
 * A transaction's money is never moved by "what just happened" but by "where it should be
 * now": the latest network state (and whether the return window has passed) gives a target,
 * the transaction remembers what it holds, and the difference is posted. Replays, reordered
 * updates, partial refunds, corrections and clawbacks are all the same computation.
 */

export interface Holding {
  /** This transaction's share of the pending bucket. */
  pendingMinor: number;
  /**
   * This transaction's share of the user's net confirmed position
   * (confirmed + reserved + paid out − debt). A clawback of money already spent lowers it
   * by raising debt, so the user's history stays truthful and no balance goes negative.
   */
  confirmedMinor: number;
}

export type NetworkStatus = "pending" | "approved" | "cancelled";

/**
 * The base cashback and the campaign boost granted on top of it move together: both are
 * pending, confirmed or clawed back with the transaction.
 *
 * @example
 * targetHolding({ networkStatus: "pending", windowElapsed: false, cashbackMinor: 500, boostMinor: 100 })
 * // { pendingMinor: 600, confirmedMinor: 0 }
 */
export function targetHolding(state: {
  networkStatus: NetworkStatus;
  windowElapsed: boolean;
  cashbackMinor: number;
  /** Campaign boost granted by the budgets (boosts/boosts.ts `effectiveBoostMinor`); absent: 0. */
  boostMinor?: number;
}): Holding {
  const totalMinor = state.cashbackMinor + (state.boostMinor ?? 0);
  switch (settledStatus(state)) {
    case "cancelled":
      return { pendingMinor: 0, confirmedMinor: 0 };
    case "confirmed":
      return { pendingMinor: 0, confirmedMinor: totalMinor };
    case "pending":
      return { pendingMinor: totalMinor, confirmedMinor: 0 };
  }
}

/**
 * A transaction's status as its network state and return window give it; the same rule
 * decides where `targetHolding` puts its money. A cancellation is final; an approval or a
 * closed return window confirms.
 */
export function settledStatus(state: {
  networkStatus: NetworkStatus;
  windowElapsed: boolean;
}): "pending" | "confirmed" | "cancelled" {
  if (state.networkStatus === "cancelled") return "cancelled";
  return state.networkStatus === "approved" || state.windowElapsed ? "confirmed" : "pending";
}

/**
 * Legs that move a transaction from `held` to `target`, given the wallet's current confirmed
 * and debt balances. Credits to confirmed first repay debt; a debit larger than the confirmed
 * balance takes what is there and records the rest as debt (never a negative balance).
 *
 * @example
 * reconcileLegs("INR", { pendingMinor: 0, confirmedMinor: 500 }, { pendingMinor: 0, confirmedMinor: 0 },
 *   { confirmedMinor: 200, debtMinor: 0 })
 * // [{ bucket: "confirmed", amountMinor: -200 }, { bucket: "debt", amountMinor: 300 }] (with currency)
 */
export function reconcileLegs(
  currency: string,
  held: Holding,
  target: Holding,
  balances: { confirmedMinor: number; debtMinor: number },
): Leg[] {
  const legs: Leg[] = [];
  const pendingDelta = target.pendingMinor - held.pendingMinor;
  if (pendingDelta !== 0) legs.push({ bucket: "pending", currency, amountMinor: pendingDelta });

  const confirmedDelta = target.confirmedMinor - held.confirmedMinor;
  if (confirmedDelta > 0) {
    const repaid = Math.min(confirmedDelta, balances.debtMinor);
    if (confirmedDelta - repaid > 0) {
      legs.push({ bucket: "confirmed", currency, amountMinor: confirmedDelta - repaid });
    }
    if (repaid > 0) legs.push({ bucket: "debt", currency, amountMinor: -repaid });
  } else if (confirmedDelta < 0) {
    const owed = -confirmedDelta;
    const taken = Math.min(owed, balances.confirmedMinor);
    if (taken > 0) legs.push({ bucket: "confirmed", currency, amountMinor: -taken });
    if (owed - taken > 0) legs.push({ bucket: "debt", currency, amountMinor: owed - taken });
  }
  return legs;
}
