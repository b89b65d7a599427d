import type { ConversionStatus } from "../types";

/**
 * Admitad's action statuses. `approved_but_stalled` is approved by the advertiser but not yet
 * paid out by Admitad (the advertiser's balance is short): the order itself is confirmed, so
 * it counts as approved. `rejected` is not documented for actions but appears in the wild.
 */
const ADMITAD_STATUSES: ReadonlyMap<string, ConversionStatus> = new Map([
  ["pending", "pending"],
  ["approved", "approved"],
  ["approved_but_stalled", "approved"],
  ["declined", "cancelled"],
  ["rejected", "cancelled"],
]);

/**
 * @example
 * admitadStatus("approved_but_stalled") // "approved"
 * admitadStatus("declined")             // "cancelled"
 * admitadStatus("hold")                 // null (unknown: refused, never guessed)
 */
export function admitadStatus(value: string | null): ConversionStatus | null {
  if (value === null) return null;
  return ADMITAD_STATUSES.get(value.trim().toLowerCase()) ?? null;
}
