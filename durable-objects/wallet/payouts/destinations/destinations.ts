import { assert } from "#shared/assert";
import { type KeyRing, needsResealing, open, seal } from "#shared/crypto/sealed";
import type { LinkKey } from "#shared/fraud/identity-links";
import { observationMessage } from "#shared/fraud/observation-message";
import { DEFAULT_PAYOUT_POLICY, type PayoutPolicy } from "#shared/payouts/policy";
import { boundUserId } from "../../core/meta-store";
import type { WalletTx } from "../../core/wallet-tx";
import { noteReported } from "../../risk/known-activity";
import { destinationIdentifiers, destinationObservation } from "../../risk/observations";
import { openSealedPayouts, resealPayout } from "../lifecycle/payout-store";
import type { DestinationResult, DestinationView, NewDestination } from "../types";
import { checkChangeCap, recordChange } from "./change-cap";
import {
  decideSave,
  detailsOf,
  type EarlierComparison,
  maskedOf,
  sameRequest,
  sealContext,
  usableFromMs,
  viewOf,
} from "./decide-destination";
import {
  countLiveDestinations,
  findDestination,
  listDestinations,
  liveSealedDestinations,
  resealDestination,
  type StoredDestination,
  saveDestination,
  setDestinationStatus,
} from "./destination-store";
import { eraseIfSettled } from "./erase-details";
import { digestKeyVersion, requestDigest } from "./request-digest";

/**
 * Payout destinations: details sealed at rest (shared/crypto/sealed.ts), shown masked.
 * Crypto is asynchronous, so it runs before the storage transaction (`prepareSave`), and the
 * transaction (`commitSave`) checks again what the async part read.
 */

export interface PreparedSave {
  mode: "add" | "update";
  userId: string;
  destinationId: string;
  input: NewDestination;
  policy: PayoutPolicy;
  sealed: string;
  /** Keyed digest of this request under the newest key (request-digest.ts). */
  requestDigest: string;
  /** For a repeated add: how it compared with the row found before the transaction. */
  earlier: EarlierComparison | null;
  /** The keyed hash of the account it pays, reported with the change (docs/fraud.md). */
  identifiers: Record<string, string>;
}

/**
 * Seals the details and digests the request; for a repeated add, also compares it with the
 * row found now wherever that needs async work (a digest under an older key, or a row saved
 * before digests existed, opened in memory). `commitSave` decides on the row it finds then.
 */
export async function prepareSave(
  sql: SqlStorage,
  ring: KeyRing | null,
  request: Omit<PreparedSave, "sealed" | "requestDigest" | "earlier" | "identifiers">,
  linkKey: LinkKey | null = null,
): Promise<PreparedSave | { status: "no_keys" }> {
  if (!ring) return { status: "no_keys" };
  const { userId, destinationId, input } = request;
  const identifiers = await destinationIdentifiers(linkKey, input);
  const sealed = await seal(
    ring,
    JSON.stringify(detailsOf(input)),
    sealContext(userId, destinationId),
  );
  const digest = await requestDigest(ring, userId, destinationId, input);
  assert(digest !== null, "the newest key of the ring always digests");
  const found = request.mode === "add" ? findDestination(sql, destinationId) : null;
  const earlier: EarlierComparison | null = found
    ? {
        sealedDetails: found.sealedDetails,
        requestDigest: found.requestDigest,
        same: await sameAsStored(ring, userId, found, input, digest),
      }
    : null;
  return { ...request, sealed, requestDigest: digest, earlier, identifiers };
}

export function commitSave(tx: WalletTx, prepared: PreparedSave, nowMs: number): DestinationResult {
  const { mode, destinationId, input } = prepared;
  tx.bindUser(prepared.userId);
  const existing = findDestination(tx.sql, destinationId);
  const decision = decideSave(
    mode,
    existing,
    existing ? sameRequest(existing, prepared.requestDigest, prepared.earlier) : true,
    mode === "add" ? countLiveDestinations(tx.sql) : 0,
  );
  switch (decision.status) {
    case "exists":
      return { status: "exists", destination: viewOf(existing as StoredDestination) };
    case "idempotency_conflict":
    case "not_found":
    case "too_many":
      return { status: decision.status };
    case "created":
    case "updated": {
      if (decision.status === "created") {
        const cap = checkChangeCap(tx.sql, prepared.policy.destinationChangesPerDay, nowMs);
        if (!cap.ok) return { status: "change_cap_reached", retryAtMs: cap.retryAtMs };
        recordChange(tx.sql, destinationId, "added", nowMs);
      }
      const destination: StoredDestination = {
        destinationId,
        type: input.type,
        label: input.label,
        sealedDetails: prepared.sealed,
        requestDigest: prepared.requestDigest,
        masked: maskedOf(input),
        status: "active",
        usableFromMs: usableFromMs(nowMs, prepared.policy.coolingOffHours),
        createdAtMs: existing?.createdAtMs ?? nowMs,
        updatedAtMs: nowMs,
        erasedAtMs: null,
      };
      saveDestination(tx.sql, destination);
      const observation = destinationObservation(
        prepared.userId,
        destinationId,
        decision.status,
        prepared.identifiers,
        nowMs,
      );
      // Reported through the queue, and known here for a redemption asked before it arrives.
      noteReported(tx.sql, observation);
      tx.enqueue(observationMessage(observation));
      return { status: decision.status, destination: viewOf(destination) };
    }
  }
}

/**
 * Whether `input` is what saved `stored`: by digest when the ring still holds the key it was
 * made under; otherwise (a retired key, a row from before digests) by opening the details in
 * memory. Erased details match nothing.
 */
async function sameAsStored(
  ring: KeyRing,
  userId: string,
  stored: StoredDestination,
  input: NewDestination,
  digest: string,
): Promise<boolean> {
  if (stored.requestDigest === digest) return true;
  const version = digestKeyVersion(stored.requestDigest);
  if (version !== null && ring[version]) {
    return (
      (await requestDigest(ring, userId, stored.destinationId, input, version)) ===
      stored.requestDigest
    );
  }
  if (stored.erasedAtMs !== null) return false;
  const opened = await open(ring, stored.sealedDetails, sealContext(userId, stored.destinationId));
  return (
    opened.ok &&
    opened.plaintext === JSON.stringify(detailsOf(input)) &&
    stored.label === input.label
  );
}

export function removeDestination(
  tx: WalletTx,
  destinationId: string,
  nowMs: number,
  changesPerDay: number = DEFAULT_PAYOUT_POLICY.destinationChangesPerDay,
): DestinationResult {
  const existing = findDestination(tx.sql, destinationId);
  if (!existing || existing.status === "removed") return { status: "not_found" };
  const cap = checkChangeCap(tx.sql, changesPerDay, nowMs);
  if (!cap.ok) return { status: "change_cap_reached", retryAtMs: cap.retryAtMs };
  recordChange(tx.sql, destinationId, "removed", nowMs);
  setDestinationStatus(tx.sql, destinationId, "removed", nowMs);
  // At once when no payout in flight uses it; otherwise when the last one is final.
  eraseIfSettled(tx, destinationId, nowMs);
  return {
    status: "removed",
    destination: viewOf({ ...existing, status: "removed", updatedAtMs: nowMs }),
  };
}

export function destinationViews(sql: SqlStorage): DestinationView[] {
  return listDestinations(sql).map(viewOf);
}

/**
 * Key rotation: re-seals every destination (and every unfinished payout's snapshot) that is
 * not under the newest key, so an old key can be retired. Run by the daily wallet audit.
 * Each value is written in its own transaction (`commit`), and only if it did not change
 * meanwhile; a value that changed is left for the next run.
 */
export async function resealDestinations(
  sql: SqlStorage,
  ring: KeyRing | null,
  commit: <T>(work: (tx: WalletTx) => T) => T,
  nowMs: number,
): Promise<{ resealed: number; unreadable: number }> {
  if (!ring) return { resealed: 0, unreadable: 0 };
  const stale = [
    ...liveSealedDestinations(sql).map((r) => ({ ...r, table: "destinations" as const })),
    ...openSealedPayouts(sql).map((r) => ({ ...r, table: "payouts" as const })),
  ].filter((r) => needsResealing(ring, r.sealed));
  if (stale.length === 0) return { resealed: 0, unreadable: 0 };
  const userId = boundUserId(sql);
  let resealed = 0;
  let unreadable = 0;
  for (const row of stale) {
    const context = sealContext(userId, row.ref);
    const opened = await open(ring, row.sealed, context);
    if (!opened.ok) {
      unreadable++;
      continue;
    }
    const fresh = await seal(ring, opened.plaintext, context);
    const changed = commit((tx) =>
      row.table === "destinations"
        ? resealDestination(tx.sql, row.id, row.sealed, fresh, nowMs)
        : resealPayout(tx.sql, row.id, row.sealed, fresh),
    );
    if (changed) resealed++;
  }
  return { resealed, unreadable };
}
