/**
 * The append-only ledger inside one user's wallet object. Money moves only by postings:
 * a posting is a set of legs (bucket, currency, signed amount) written under one
 * idempotency key, all or nothing. A correction is a new posting, never an UPDATE.
 *
 * Callers run `applyPosting` inside `storage.transactionSync`, so a posting and whatever
 * state change caused it commit together.
 */

export const BUCKETS = [
  "pending",
  "confirmed",
  // Reserved for the buckets later features add; the schema already accepts them.
  "reserved",
  "paid_out",
  "referral_bonus",
  "debt",
] as const;
export type MoneyBucket = (typeof BUCKETS)[number];

/**
 * Loyalty points sit in the same ledger under their own buckets and a unit, `points`, that no
 * currency code can match (currencies are three capital letters), so a points leg can never be
 * read as money nor a money leg as points (points/points-ledger.ts says what each holds).
 */
export const POINTS_BUCKETS = [
  "points_pending",
  "points_active",
  "points_spent",
  "points_expired",
  "points_reversed",
  "points_debt",
] as const;
export type PointsBucket = (typeof POINTS_BUCKETS)[number];
export type Bucket = MoneyBucket | PointsBucket;

/** The unit every points leg is written in, in place of a currency. */
export const POINTS_UNIT = "points";

export function isPointsBucket(bucket: string): bucket is PointsBucket {
  return (POINTS_BUCKETS as readonly string[]).includes(bucket);
}

export interface Leg {
  bucket: Bucket;
  currency: string;
  /** Signed: positive credits the bucket, negative debits it. */
  amountMinor: number;
}

export interface Posting {
  /** Idempotency key: the same key with the same legs is a no-op, with other legs an error. */
  key: string;
  kind: string;
  txnId: string | null;
  memo?: string;
  /** The rule version that produced this money or these points (events/rewards.ts), if any. */
  rule?: { id: string; version: number };
  legs: Leg[];
}

/**
 * Exhaustive result of a posting. `created` and `exists` are success; the others change
 * nothing. `exists_with_different_amount` and `invalid` are permanent for that key;
 * `insufficient_funds` records nothing, so the same key may succeed once funds arrive.
 */
export type PostingStatus =
  | "created"
  | "exists"
  | "exists_with_different_amount"
  | "insufficient_funds"
  | "invalid";

export interface PostingResult {
  status: PostingStatus;
  lastSeq: number | null;
}

const MAX_LEGS = 8;

export function validatePosting(posting: Posting): string | null {
  if (!posting.key || posting.key.length > 200) return "posting key must be 1..200 chars";
  if (posting.legs.length === 0 || posting.legs.length > MAX_LEGS) {
    return `a posting has 1..${MAX_LEGS} legs`;
  }
  const seen = new Set<string>();
  for (const leg of posting.legs) {
    // One leg per bucket and currency, so every entry's balance_after is a real balance.
    const id = `${leg.bucket}/${leg.currency}`;
    if (seen.has(id)) return `two legs on ${id}`;
    seen.add(id);
    if (isPointsBucket(leg.bucket)) {
      // Points buckets take only the points unit; money buckets never do (below).
      if (leg.currency !== POINTS_UNIT) return `points bucket ${leg.bucket} in ${leg.currency}`;
    } else {
      if (!(BUCKETS as readonly string[]).includes(leg.bucket)) {
        return `unknown bucket ${leg.bucket}`;
      }
      if (!/^[A-Z]{3}$/.test(leg.currency)) return `bad currency ${leg.currency}`;
    }
    if (!Number.isSafeInteger(leg.amountMinor) || leg.amountMinor === 0) {
      return "leg amounts are non-zero safe integers";
    }
  }
  return null;
}

/** One leg as it will be written: the bucket's balance before and after it. */
export interface PlannedLeg {
  leg: Leg;
  beforeMinor: number;
  afterMinor: number;
}

export type PostingPlan =
  | { status: "insufficient_funds" }
  | { status: "write"; legs: PlannedLeg[] };

/**
 * Pure: the balances a valid posting leads to, given each touched bucket's balance now. If any
 * would go negative (or leave the safe-integer range), nothing is written: the posting is
 * refused whole. Debt is its own non-negative bucket, so "owing" never needs a negative one.
 *
 * @example
 * planPosting({ key: "k", kind: "x", txnId: null, legs: [{ bucket: "confirmed", currency: "INR", amountMinor: -50 }] }, () => 30)
 * // { status: "insufficient_funds" }
 */
export function planPosting(
  posting: Posting,
  balanceOf: (bucket: Bucket, currency: string) => number,
): PostingPlan {
  const legs = posting.legs.map((leg) => {
    const beforeMinor = balanceOf(leg.bucket, leg.currency);
    return { leg, beforeMinor, afterMinor: beforeMinor + leg.amountMinor };
  });
  const fits = legs.every((l) => l.afterMinor >= 0 && Number.isSafeInteger(l.afterMinor));
  return fits ? { status: "write", legs } : { status: "insufficient_funds" };
}
