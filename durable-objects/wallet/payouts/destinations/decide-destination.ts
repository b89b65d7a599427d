import { mask } from "#shared/crypto/sealed";
import type { DestinationDetails } from "#shared/payouts/types";
import type { DestinationView, NewDestination } from "../types";
import type { StoredDestination } from "./destination-store";

/** Pure: what is sealed, shown and stored of a payout destination. */

/** Each user keeps at most this many live destinations. */
export const MAX_DESTINATIONS = 10;
const MS_PER_HOUR = 3_600_000;

/** The sealing context binds a sealed value to its user and destination. */
export function sealContext(userId: string, destinationId: string): string {
  return `dest:${userId}:${destinationId}`;
}

/** The details that are sealed (never the label). */
export function detailsOf(input: NewDestination): DestinationDetails {
  return input.type === "bank"
    ? {
        type: "bank",
        accountNumber: input.accountNumber,
        ifsc: input.ifsc,
        holderName: input.holderName,
      }
    : { type: "upi", vpa: input.vpa, holderName: input.holderName };
}

/**
 * Bank: the IFSC's bank code and the account's last four. UPI: the handle's last four.
 *
 * @example
 * maskedOf({ type: "upi", vpa: "alice.demo@okbank", holderName: null, label: null })
 * // "••••••••mo@okbank"
 */
export function maskedOf(input: NewDestination): string {
  if (input.type === "bank") return `${input.ifsc.slice(0, 4)} ${mask(input.accountNumber)}`;
  const [name = "", provider = ""] = input.vpa.split("@");
  return `${mask(name, Math.min(2, Math.max(name.length - 2, 0)))}@${provider}`;
}

/** What users and operators see of a destination: never the details themselves. */
export function viewOf(d: StoredDestination): DestinationView {
  return {
    destinationId: d.destinationId,
    type: d.type,
    label: d.label,
    masked: d.masked,
    status: d.status,
    usableFromMs: d.usableFromMs,
    createdAtMs: d.createdAtMs,
    updatedAtMs: d.updatedAtMs,
  };
}

/** New details start a new cooling-off period: a changed account is as untrusted as a new one. */
export function usableFromMs(nowMs: number, coolingOffHours: number): number {
  return nowMs + coolingOffHours * MS_PER_HOUR;
}

export type SaveDecision =
  | { status: "exists" | "idempotency_conflict" | "not_found" | "too_many" }
  | { status: "created" | "updated" };

/**
 * Pure: what adding or updating a destination does. A repeated add (same Idempotency-Key)
 * must carry the same details; an update needs a live destination; a user has at most
 * MAX_DESTINATIONS live ones.
 */
export function decideSave(
  mode: "add" | "update",
  existing: Pick<StoredDestination, "status"> | null,
  sameAsEarlier: boolean,
  liveDestinations: number,
): SaveDecision {
  if (mode === "add" && existing) {
    return { status: sameAsEarlier ? "exists" : "idempotency_conflict" };
  }
  if (mode === "update" && (!existing || existing.status === "removed")) {
    return { status: "not_found" };
  }
  if (mode === "add" && liveDestinations >= MAX_DESTINATIONS) return { status: "too_many" };
  return { status: mode === "add" ? "created" : "updated" };
}

/** What a repeated add compared, in `prepareSave`, against the row it found then. */
export interface EarlierComparison {
  /** The row as it was read: a later change to it invalidates the comparison. */
  sealedDetails: string;
  requestDigest: string | null;
  same: boolean;
}

/**
 * Pure: whether a repeated add (same Idempotency-Key) carries what saved the row that is
 * there now. Equal digests decide. Otherwise the comparison made before the transaction
 * (under an older key, or in memory for a row saved before digests) stands only if the row
 * is still the one it read: a row written meanwhile by a concurrent add, with other details,
 * is a conflict, never a replay.
 */
export function sameRequest(
  existing: Pick<StoredDestination, "sealedDetails" | "requestDigest">,
  requestDigest: string,
  earlier: EarlierComparison | null,
): boolean {
  if (existing.requestDigest !== null && existing.requestDigest === requestDigest) return true;
  return (
    earlier !== null &&
    earlier.sealedDetails === existing.sealedDetails &&
    earlier.requestDigest === existing.requestDigest &&
    earlier.same
  );
}

export type ErasureDecision = "erase" | "keep_until_payouts_final" | "nothing_to_erase";

/**
 * Pure: whether a destination's sealed details can go. Only a removed destination's, and
 * only once no payout that used it is still unfinished (a payout in flight may need them
 * for a retry or a lookup).
 */
export function decideErasure(
  destination: Pick<StoredDestination, "status" | "erasedAtMs"> | null,
  unfinishedPayouts: number,
): ErasureDecision {
  if (destination?.status !== "removed" || destination.erasedAtMs !== null) {
    return "nothing_to_erase";
  }
  return unfinishedPayouts > 0 ? "keep_until_payouts_final" : "erase";
}
