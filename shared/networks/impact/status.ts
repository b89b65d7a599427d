import type { ConversionStatus } from "../types";

/**
 * impact.com action states. PENDING: waiting for its locking date or manual review (modified
 * actions return to it); APPROVED: locked and will pay; REVERSED: will not pay.
 */
const IMPACT_STATES: ReadonlyMap<string, ConversionStatus> = new Map([
  ["pending", "pending"],
  ["approved", "approved"],
  ["reversed", "cancelled"],
]);

/**
 * @example
 * impactStatus("REVERSED") // "cancelled"
 * impactStatus("approved") // "approved"
 */
export function impactStatus(value: string | null): ConversionStatus | null {
  if (value === null) return null;
  return IMPACT_STATES.get(value.trim().toLowerCase()) ?? null;
}
