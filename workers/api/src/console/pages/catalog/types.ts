/**
 * The admin API's catalog shapes, as the pages read them (the API's schemas are the truth:
 * features/catalog/schemas.ts, campaigns/schemas.ts, sync/schemas.ts, reconciliation).
 */

export interface Network {
  id: string;
  name: string;
  trackingTemplate: string;
  postbackFormat: string;
  postbackSecretSet: boolean;
  reportApiTokenSet: boolean;
  options: Record<string, unknown>;
  active: boolean;
  updatedAt: string;
}

export interface Merchant {
  id: string;
  networkId: string;
  name: string;
  landingUrl: string;
  active: boolean;
  deactivatedBy: "operator" | "feed" | null;
  updatedAt: string;
}

export interface Offer {
  id: string;
  merchantId: string;
  title: string;
  description: string;
  networkOfferRef: string;
  currency: string;
  cashback: {
    basis: "sale" | "commission";
    defaultRateBps: number;
    categoryRates: Record<string, number>;
    excludedCategories?: string[];
    policy?: "per_line" | "lowest_rate";
    capMinor?: number | null;
  };
  returnWindowDays: number;
  startsAt: string | null;
  endsAt: string | null;
  active: boolean;
  deactivatedBy: "operator" | "feed" | null;
  confirmationPolicy: string | null;
  origin: "operator" | "feed";
  updatedAt: string;
}

export interface Campaign {
  id: string;
  name: string;
  active: boolean;
  startsAt: string | null;
  endsAt: string | null;
  merchantId: string | null;
  offerId: string | null;
  category: string | null;
  userSegment: string | null;
  boostRateBps: number;
  currency: string;
  budgetMinor: number;
  createdAt: string;
  updatedAt: string;
  /** The budget object's key: the campaign rule's campaign/lifetime budget. */
  budgetKey: string;
  /** The campaign as a rule of the rules engine (only what the page shows). */
  rule: { id: string; eventTypes: string[]; group: string };
}

export interface CampaignBudget {
  campaignId: string;
  budgetKey: string;
  currency: string;
  budgetMinor: number;
  desiredMinor: number;
  grantedMinor: number;
  remainingMinor: number;
  grantedTotalMinor: number;
  releasedMinor: number;
  reservations: number;
  partialReservations: number;
  /** How many objects new reservations are spread over (docs/rules.md "Budget parts"). */
  budgetParts: number;
  /** True when a part did not answer: the figures are the root's view of it. */
  partial: boolean;
  updatedAt: string | null;
}

export interface NetworkHealth {
  state: "closed" | "open" | "half_open";
  consecutiveFailures: number;
  failureThreshold: number;
  openedAt: string | null;
  retryAt: string | null;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  lastError: string | null;
}

export interface SyncRun {
  id: string;
  trigger: string;
  status: string;
  offersHeld: number;
  offers: { created: number; updated: number; deactivated: number; unchanged: number };
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface ReconciliationRun {
  id: string;
  status: string;
  counts: Record<string, number>;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface HeldFeedChange {
  id: string;
  offerId: string;
  status: string;
  proposed: { title: string };
  maxRateBps: number;
  ceilingBps: number;
  createdAt: string;
}

/** A list page as the admin API answers it. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
