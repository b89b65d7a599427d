import type { Leg } from "../ledger/posting";

/**
 * Pure: the ledger legs of cashback an event's rule pays, takes back and restores. Cashback
 * from events is credited to `confirmed` (the operator's backend reports refunds and
 * chargebacks as events of their own, which take it back), and, like every confirmed credit,
 * repays money the member owes (`debt`) first. Taking back never makes a bucket negative: what
 * the member no longer holds becomes debt.
 */

/** At most two legs; zero legs are left out (the ledger refuses them). */
function legs(currency: string, confirmedMinor: number, debtMinor: number): Leg[] {
  const out: Leg[] = [];
  if (confirmedMinor !== 0)
    out.push({ bucket: "confirmed", currency, amountMinor: confirmedMinor });
  if (debtMinor !== 0) out.push({ bucket: "debt", currency, amountMinor: debtMinor });
  return out;
}

/**
 * A credit of `amountMinor`, repaying up to `debtMinor` owed first.
 *
 * @example
 * creditLegs(500, "INR", 200) // [{ confirmed +300 }, { debt -200 }]
 */
export function creditLegs(amountMinor: number, currency: string, debtMinor: number): Leg[] {
  const repay = Math.min(Math.max(debtMinor, 0), amountMinor);
  return legs(currency, amountMinor - repay, -repay);
}

/**
 * Taking back `amountMinor`: from confirmed as far as it goes, the rest owed as debt.
 *
 * @example
 * takeLegs(500, "INR", 300) // { legs: [{ confirmed -300 }, { debt +200 }], takenMinor: 300, debtMinor: 200 }
 */
export function takeLegs(
  amountMinor: number,
  currency: string,
  confirmedMinor: number,
): { legs: Leg[]; takenMinor: number; debtMinor: number } {
  const takenMinor = Math.min(Math.max(confirmedMinor, 0), amountMinor);
  const debtMinor = amountMinor - takenMinor;
  return { legs: legs(currency, -takenMinor, debtMinor), takenMinor, debtMinor };
}

/**
 * Giving back what one take took (a chargeback the member won): the debt it created is
 * cancelled as far as it is still owed, and everything else comes back to confirmed.
 *
 * @example
 * restoreLegs({ takenMinor: 300, debtMinor: 200 }, "INR", 50) // [{ confirmed +450 }, { debt -50 }]
 */
export function restoreLegs(
  take: { takenMinor: number; debtMinor: number },
  currency: string,
  debtOwedMinor: number,
): Leg[] {
  const cancel = Math.min(take.debtMinor, Math.max(debtOwedMinor, 0));
  return legs(currency, take.takenMinor + take.debtMinor - cancel, -cancel);
}
