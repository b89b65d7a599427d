import type { Fraction } from "./fraction";
import type { Validity } from "./validity";

/**
 * One earn from one rule for one source (an event, a referral, a confirmed conversion).
 * Idempotent on (sourceType, sourceId, ruleId): the same earn again is `exists`, with other
 * points `exists_with_different_amount`, and nothing changes either way.
 */
export interface EarnPointsInput {
  /** The caller's idempotency key (e.g. the event id and rule); names the ledger posting. */
  key: string;
  sourceType: string;
  sourceId: string;
  ruleId: string;
  ruleVersion: number;
  points: number;
  /** Pending until then (the return window); null: spendable at once. */
  pendingUntilMs: number | null;
  validity: Validity;
  nowMs: number;
  /** The activity the validity counts from (the event's time); `nowMs` when absent. */
  earnedAtMs?: number;
  /** The program's IANA time zone, for validity months and local midnights; UTC when absent. */
  timeZone?: string;
}

export type EarnPointsResult =
  | {
      status: "created" | "exists";
      lotId: string;
      points: number;
      activatedAtMs: number | null;
      expiresAtMs: number | null;
    }
  | { status: "exists_with_different_amount"; lotId: string; points: number }
  | { status: "invalid"; reason: string };

export interface RollbackPointsInput {
  /** One rollback (a refund's or a chargeback's id); the same key again is `exists`. */
  key: string;
  sourceType: string;
  sourceId: string;
  /** Share of what the source earned: `{ bps: 10000 }` or `{ num: refunded, den: amount }`. */
  fraction: Fraction;
  nowMs: number;
}

export type RollbackPointsResult =
  | {
      status: "created" | "exists";
      takenPoints: number;
      debtPoints: number;
    }
  | { status: "not_found" | "invalid"; reason: string };

export interface RestorePointsInput {
  /** The rollback to undo (the chargeback resolved in the member's favour). */
  rollbackKey: string;
  nowMs: number;
}

export type RestorePointsResult =
  | { status: "created" | "exists"; restoredPoints: number; debtCancelledPoints: number }
  | { status: "not_found"; reason: string };

/** How many points buy how much money: `{ points: 100, amountMinor: 50, currency: "INR" }`. */
export interface CashbackRate {
  points: number;
  amountMinor: number;
  currency: string;
}

export type RedeemPointsResult =
  | {
      status: "created" | "exists";
      spendId: string;
      points: number;
      /** Cashback credited to confirmed (0 for a voucher). */
      amountMinor: number;
      currency: string | null;
      voucherCode: string | null;
      draws: Array<{ lotId: string; points: number }>;
    }
  | { status: "exists_with_different_amount"; spendId: string }
  | { status: "insufficient_points"; availablePoints: number }
  | { status: "voucher_code_taken" }
  | { status: "invalid"; reason: string };

export interface PointsBalance {
  activePoints: number;
  pendingPoints: number;
  spentPoints: number;
  expiredPoints: number;
  /** Taken back by rollbacks (directly or as debt repaid). */
  reversedPoints: number;
  /** Rolled-back points already spent, repaid by later earns first. */
  debtPoints: number;
  /** The next expiry of active points, and how many expire then. */
  nextExpiry: { atMs: number; points: number } | null;
}

export interface LotView {
  lotId: string;
  sourceType: string;
  sourceId: string;
  ruleId: string;
  ruleVersion: number;
  earnedPoints: number;
  remainingPoints: number;
  spentPoints: number;
  expiredPoints: number;
  reversedPoints: number;
  status: "pending" | "active" | "expired" | "used";
  earnedAtMs: number;
  pendingUntilMs: number | null;
  activatedAtMs: number | null;
  expiresAtMs: number | null;
}
