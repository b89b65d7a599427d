import { type KeyRing, needsResealing, open, seal } from "#shared/crypto/sealed";
import { DEFAULT_PAYOUT_POLICY, type PayoutPolicy } from "#shared/payouts/policy";
import { boundUserId } from "../../core/meta-store";
import type { WalletTx } from "../../core/wallet-tx";
import { openSealedPayouts, resealPayout } from "../lifecycle/payout-store";
import type { DestinationResult, DestinationView, NewDestination } from "../types";
import { checkChangeCap, recordChange } from "./change-cap";
import {
  decideSave,
  detailsOf,
  maskedOf,
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
  sameAsEarlier: boolean;
}

/** Seals the details and, for a repeated add, compares them with the stored ones. */
export async function prepareSave(
  sql: SqlStorage,
  ring: KeyRing | null,
  request: Omit<PreparedSave, "sealed" | "sameAsEarlier">,
): Promise<PreparedSave | { status: "no_keys" }> {
  if (!ring) return { status: "no_keys" };
  const { userId, destinationId, input } = request;
  const sealed = await seal(
    ring,
    JSON.stringify(detailsOf(input)),
    sealContext(userId, destinationId),
  );
  // A repeated add (same Idempotency-Key) must carry the same details: compared in the
  // clear, in memory, so nothing derived from an account number is ever stored.
  const earlier = request.mode === "add" ? findDestination(sql, destinationId) : null;
  const sameAsEarlier = earlier ? await sameDetails(ring, userId, earlier, input) : true;
  return { ...request, sealed, sameAsEarlier };
}

export function commitSave(tx: WalletTx, prepared: PreparedSave, nowMs: number): DestinationResult {
  const { mode, destinationId, input } = prepared;
  tx.bindUser(prepared.userId);
  const existing = findDestination(tx.sql, destinationId);
  const decision = decideSave(
    mode,
    existing,
    prepared.sameAsEarlier,
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
        masked: maskedOf(input),
        status: "active",
        usableFromMs: usableFromMs(nowMs, prepared.policy.coolingOffHours),
        createdAtMs: existing?.createdAtMs ?? nowMs,
        updatedAtMs: nowMs,
      };
      saveDestination(tx.sql, destination);
      return { status: decision.status, destination: viewOf(destination) };
    }
  }
}

async function sameDetails(
  ring: KeyRing,
  userId: string,
  stored: StoredDestination,
  input: NewDestination,
): Promise<boolean> {
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
