import { type BoostSnapshot, computeBoostMinor } from "#shared/money/boost";
import type { CashbackQuote } from "#shared/money/cashback";

/**
 * A transaction's campaign boosts, pure. The budget of each campaign lives in its own object
 * (durable-objects/campaign-budget/), and a wallet mutation awaits nothing but storage, so a
 * boost moves in two steps:
 *
 * 1. With the conversion, in the same transaction: the boost the order earns at the click's
 *    boost rate becomes the *desired* amount, and a request to the budget is owed (its `seq`
 *    is ahead of `syncedSeq`). The ledger holds the base cashback and any earlier grant.
 * 2. After commit: the wallet asks the budget (reserve, or release when nothing is desired),
 *    then records the *granted* amount in a second transaction and settles again.
 *
 * What the ledger holds for a boost is min(granted, desired): a lower desired amount (partial
 * refund, cancellation) takes effect at once, and a higher one only once the budget grants it.
 */

export interface TxnBoost extends BoostSnapshot {
  /** What the order earns at the boost rate now, in minor units (0 once cancelled). */
  desiredMinor: number;
  /** What the campaign's budget granted for request `syncedSeq`, in minor units. */
  grantedMinor: number;
  /** Request number, bumped whenever `desiredMinor` changes. */
  seq: number;
  /** The request the budget last answered; behind `seq` while a request is owed. */
  syncedSeq: number;
  /**
   * The campaign budget's layout this boost's reservation lives in (docs/scaling.md "Budget
   * parts"): 1, the budget's own object, or the part `shardOf(userId, budgetParts)`. Pinned
   * before the first request is sent, so every later request (a raise, a release) reaches the
   * same object whatever the operator sets later. Absent on a boost answered before budgets
   * could be split: the budget's own object.
   */
  budgetParts?: number;
}

/**
 * A new transaction's boosts. One that earns nothing needs no request: nothing was reserved.
 *
 * @example
 * openBoosts([{ campaignId: "diwali", boostRateBps: 200, category: null }], quote, true)
 * // [{ campaignId: "diwali", ..., desiredMinor: 2_000, grantedMinor: 0, seq: 1, syncedSeq: 0 }]
 */
export function openBoosts(
  snapshots: readonly BoostSnapshot[],
  quote: Pick<CashbackQuote, "lines"> | null,
  earning: boolean,
): TxnBoost[] {
  return snapshots.map((snapshot) => {
    const desiredMinor = earning && quote ? computeBoostMinor(quote, snapshot) : 0;
    return {
      campaignId: snapshot.campaignId,
      boostRateBps: snapshot.boostRateBps,
      category: snapshot.category,
      ...(snapshot.ruleVersion === undefined ? {} : { ruleVersion: snapshot.ruleVersion }),
      desiredMinor,
      grantedMinor: 0,
      seq: 1,
      syncedSeq: desiredMinor === 0 ? 1 : 0,
    };
  });
}

/** The boosts after the order changed: each changed desired amount is a new request. */
export function repriceBoosts(
  boosts: readonly TxnBoost[],
  quote: Pick<CashbackQuote, "lines">,
  earning: boolean,
): TxnBoost[] {
  return boosts.map((boost) => {
    const desiredMinor = earning ? computeBoostMinor(quote, boost) : 0;
    return desiredMinor === boost.desiredMinor
      ? boost
      : { ...boost, desiredMinor, seq: boost.seq + 1 };
  });
}

/** What the ledger holds for the boosts, in minor units. */
export function effectiveBoostMinor(boosts: readonly TxnBoost[]): number {
  return boosts.reduce((sum, b) => sum + Math.min(b.grantedMinor, b.desiredMinor), 0);
}

export function desiredBoostMinor(boosts: readonly TxnBoost[]): number {
  return boosts.reduce((sum, b) => sum + b.desiredMinor, 0);
}

/**
 * The layout a boost's requests go to, or null when none is pinned yet and one must be chosen
 * (and pinned) before its first request. A boost answered before budgets could be split made
 * its reservation in the budget's own object (1).
 *
 * @example
 * pinnedParts({ budgetParts: 4 } as TxnBoost) // 4
 * pinnedParts({ syncedSeq: 1 } as TxnBoost) // 1
 * pinnedParts({ syncedSeq: 0 } as TxnBoost) // null
 */
export function pinnedParts(boost: Pick<TxnBoost, "budgetParts" | "syncedSeq">): number | null {
  if (boost.budgetParts !== undefined) return boost.budgetParts;
  return boost.syncedSeq > 0 ? 1 : null;
}

/** The boosts with `campaignId`'s layout pinned to `parts`, unless one is pinned already. */
export function pinBudgetParts(
  boosts: readonly TxnBoost[],
  campaignId: string,
  parts: number,
): TxnBoost[] {
  return boosts.map((b) =>
    b.campaignId === campaignId && pinnedParts(b) === null ? { ...b, budgetParts: parts } : b,
  );
}

/** Boosts with a request to the budget still owed. */
export function owedBoosts(boosts: readonly TxnBoost[]): TxnBoost[] {
  return boosts.filter((b) => b.syncedSeq !== b.seq);
}

/**
 * Records the budget's answer to request `seq` of `campaignId`; null when that request has
 * been superseded (the newer one is still owed) or the boost is unknown. A grant above the
 * desired amount would break the budget's contract and is refused loudly.
 */
export function recordGrant(
  boosts: readonly TxnBoost[],
  campaignId: string,
  seq: number,
  grantedMinor: number,
): TxnBoost[] | null {
  const boost = boosts.find((b) => b.campaignId === campaignId);
  if (!boost || boost.seq !== seq) return null;
  if (
    !Number.isSafeInteger(grantedMinor) ||
    grantedMinor < 0 ||
    grantedMinor > boost.desiredMinor
  ) {
    throw new RangeError(
      `campaign ${campaignId} granted ${grantedMinor} for a desired ${boost.desiredMinor}`,
    );
  }
  return boosts.map((b) => (b === boost ? { ...b, grantedMinor, syncedSeq: seq } : b));
}
