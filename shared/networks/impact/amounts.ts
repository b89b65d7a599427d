import { parseSignedDecimalToMinor } from "../../money/decimal";
import type { FieldCollector } from "../core/fields";
import type { ConversionStatus } from "../types";

/**
 * An impact.com action that was modified down to nothing (Amount and Payout both 0, after a
 * negative DeltaAmount or DeltaPayout) is a full return even while its state still says
 * PENDING or APPROVED; a modification to a lower, non-zero amount is a partial refund and keeps
 * its state with the new amounts.
 *
 * @example
 * effectiveImpactStatus("approved", 0, 0, ["-19.99", null], "USD", f) // "cancelled"
 */
export function effectiveImpactStatus(
  status: ConversionStatus,
  saleAmountMinor: number,
  commissionMinor: number,
  deltas: ReadonlyArray<unknown>,
  currency: string,
  f: FieldCollector,
  paths: readonly string[],
): ConversionStatus {
  let reduced = false;
  deltas.forEach((delta, i) => {
    if (delta === null || delta === undefined || delta === "") return;
    const parsed = parseSignedDecimalToMinor(delta, currency);
    if (!parsed.ok) {
      f.errors.push({ path: paths[i] ?? `delta${i}`, message: parsed.message });
      return;
    }
    if (parsed.negative) reduced = true;
  });
  return reduced && saleAmountMinor === 0 && commissionMinor === 0 ? "cancelled" : status;
}
