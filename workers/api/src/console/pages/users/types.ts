/** The admin API's answers the users pages read (client/schema.d.ts has the full contract). */

export interface AdminUser {
  id: string;
  displayName: string | null;
  createdAt: string;
  kyc: { status: string; updatedAt: string | null };
  balances: Array<{ currency: string; buckets: Record<string, number> }>;
}

export interface LedgerEntry {
  seq: number;
  bucket: string;
  currency: string;
  amountMinor: number;
  balanceAfterMinor: number;
  kind: string;
  transactionId: string | null;
  createdAt: string;
}

export interface WalletTransaction {
  id: string;
  networkId: string;
  orderId: string;
  status: string;
  currency: string;
  saleAmountMinor: number;
  cashbackMinor: number;
  purchasedAt: string;
  expectedConfirmationAt: string | null;
  awaitingNetworkApproval: boolean;
}

export interface Click {
  clickId: string;
  offerId: string;
  clickedAt: string;
}

export interface Claim {
  id: string;
  orderId: string;
  amountMinor: number;
  currency: string;
  status: string;
  transactionId: string | null;
  purchasedAt: string;
}

export interface Destination {
  id: string;
  type: string;
  label: string | null;
  masked: string;
  status: string;
  usableFrom: string;
}

export interface AdminPayout {
  id: string;
  status: string;
  amountMinor: number | null;
  currency: string | null;
  destinationType: string | null;
  destinationMasked: string | null;
  createdAt: string | null;
}

export type Page<T> = { items: T[]; nextCursor: string | null };
export type List<T> = { items: T[] };

export interface UserEvent {
  eventId: string;
  type: string;
  occurredAt: string;
  receivedAt: string;
  keyName: string;
  status: string;
  outcome: { result: string; detail?: string } | null;
}

export interface MaskedContact {
  masked: { email?: string; phone?: string };
  updatedAt: string;
  reveals: Array<{ revealedBy: string; reason: string; at: string }>;
}

export type RevealedContact = { email?: string; phone?: string };

export interface PointsSummary {
  balance: {
    activePoints: number;
    pendingPoints: number;
    spentPoints: number;
    expiredPoints: number;
    reversedPoints: number;
    debtPoints: number;
    nextExpiry: { at: string; points: number } | null;
  };
  tier: {
    tier: string;
    qualifyingSpendMinor: number;
    keptUntil: string | null;
    next: { tier: string; remainingMinor: number; progressBps: number } | null;
  } | null;
}

export interface PointsLot {
  lotId: string;
  sourceType: string;
  sourceId: string;
  ruleId: string;
  ruleVersion: number;
  earnedPoints: number;
  remainingPoints: number;
  status: string;
  earnedAt: string;
  expiresAt: string | null;
}

export interface TierHistoryEntry {
  fromTier: string | null;
  toTier: string;
  reason: string;
  qualifyingSpendMinor: number;
  at: string;
}

/** The chain part of a ledger export (`getLedgerExport`); the console reads it without entries. */
export interface LedgerChainState {
  head: { seq: number; hash: string } | null;
  sealing: boolean;
  anchor: {
    headSeq: number;
    status: "ok" | "broken" | "sealing";
    firstBadSeq: number | null;
    verifiedAtMs: number;
  } | null;
}

/** A wallet's last anchor in `listLedgerChains`. */
export interface LedgerChainAnchor {
  userId: string;
  headSeq: number;
  status: "ok" | "broken" | "sealing";
  firstBadSeq: number | null;
  verifiedAtMs: number;
}
