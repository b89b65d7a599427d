/**
 * Pure: conservation between the ledger and the records that explain it, per currency. The
 * pending bucket equals what transactions hold pending; reserved equals what unfinished
 * payouts hold; confirmed + reserved + paid out − debt equals what transactions hold
 * confirmed. Money cannot appear or vanish between them.
 *
 * @example
 * conservationViolations("INR", { pending: 0, confirmed: 500, reserved: 0, paid_out: 0, debt: 0 },
 *   { pendingMinor: 0, confirmedMinor: 500 }, 0) // []
 */
export function conservationViolations(
  currency: string,
  balanceOf: (bucket: string) => number,
  heldByTxns: { pendingMinor: number; confirmedMinor: number },
  openPayoutsMinor: number,
): string[] {
  const violations: string[] = [];
  const pending = balanceOf("pending");
  if (pending !== heldByTxns.pendingMinor) {
    violations.push(
      `${currency}: pending ${pending} != held by transactions ${heldByTxns.pendingMinor}`,
    );
  }
  // Reserved money is exactly what unfinished payouts hold.
  const reserved = balanceOf("reserved");
  if (reserved !== openPayoutsMinor) {
    violations.push(`${currency}: reserved ${reserved} != open payouts ${openPayoutsMinor}`);
  }
  const net = balanceOf("confirmed") + reserved + balanceOf("paid_out") - balanceOf("debt");
  if (net !== heldByTxns.confirmedMinor) {
    violations.push(
      `${currency}: net confirmed ${net} != held by transactions ${heldByTxns.confirmedMinor}`,
    );
  }
  return violations;
}
