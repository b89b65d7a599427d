import type { ConversionStatus } from "../types";

/**
 * CJ action statuses. new: recently posted, still correctable; extended: the advertiser
 * pushed its locking out one cycle (still correctable); locked: past correction, in the payout
 * cycle; closed: prepared for payment. `corrected` is not a CJ status value but appears in
 * some exports for correction records; the amounts, not the word, decide whether a corrected
 * order is cancelled (see effectiveCjStatus).
 */
const CJ_STATUSES: ReadonlyMap<string, ConversionStatus> = new Map([
  ["new", "pending"],
  ["extended", "pending"],
  ["locked", "approved"],
  ["closed", "approved"],
  ["corrected", "approved"],
]);

/**
 * @example
 * cjStatus("locked")   // "approved"
 * cjStatus("EXTENDED") // "pending"
 */
export function cjStatus(value: string | null): ConversionStatus | null {
  if (value === null) return null;
  return CJ_STATUSES.get(value.trim().toLowerCase()) ?? null;
}

/**
 * A corrected order whose amounts are now zero was fully reversed ("corrected to zero"): it is
 * cancelled whatever its locking status says. A correction to a lower, non-zero amount is a
 * partial refund: the status stands, with the new amounts.
 *
 * @example
 * effectiveCjStatus("approved", true, 0, 0)     // "cancelled"
 * effectiveCjStatus("approved", true, 500, 40)  // "approved"
 */
export function effectiveCjStatus(
  status: ConversionStatus,
  corrected: boolean,
  saleAmountMinor: number,
  commissionMinor: number,
): ConversionStatus {
  return corrected && saleAmountMinor === 0 && commissionMinor === 0 ? "cancelled" : status;
}
