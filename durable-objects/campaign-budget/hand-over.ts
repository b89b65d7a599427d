/**
 * What a campaign's legacy budget object hands over to the generalised budget object (issue
 * 11: a campaign's boost budget is now the rule budget `rule:campaign.<id>:campaign:<id>:lifetime`).
 * The first hand-over marks the legacy object moved: from then on it changes nothing, so every
 * later call, and every page of it, sees the same data.
 */

/** One transaction's reservation, as the legacy object recorded it. */
export interface HandOverReservation {
  userId: string;
  txnId: string;
  desiredMinor: number;
  grantedMinor: number;
  /** The wallet's request number the row answers. */
  seq: number;
  createdAtMs: number;
  updatedAtMs: number;
}

/** Where the next page starts (exclusive), in (userId, txnId) order. */
export interface HandOverCursor {
  afterUserId: string;
  afterTxnId: string;
}

export interface HandOverPage extends Partial<HandOverCursor> {
  /** Reservations per page, 1..HAND_OVER_PAGE_MAX (the default). */
  limit?: number;
}

export interface CampaignBudgetHandOver {
  campaignId: string;
  currency: string;
  budgetMinor: number;
  grantedTotalMinor: number;
  releasedTotalMinor: number;
  /** When the object was first handed over (the same on every later call). */
  handedOverAtMs: number;
  /** One page of the reservations, every one of them (released ones too), by (userId, txnId). */
  reservations: HandOverReservation[];
  /** The cursor of the next page; null on the last. */
  next: HandOverCursor | null;
}

/**
 * A page holds at most this many reservations (about 200 bytes each over RPC), so one answer
 * stays far below the RPC message limit however many transactions the campaign boosted; the
 * receiver reads page after page.
 */
export const HAND_OVER_PAGE_MAX = 1_000;
