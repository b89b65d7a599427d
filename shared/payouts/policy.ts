import { z } from "zod";
import type { DestinationType } from "./types";

/**
 * The operator's payout rules. Defaults below; a deployment overrides any of them with the
 * PAYOUT_POLICY variable (JSON, validated here). Amounts are minor units per currency.
 */
const MinorSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const CurrencyKey = z.string().regex(/^[A-Z]{3}$/);

const PayoutPolicySchema = z
  .object({
    /** Smallest redemption per destination type; a currency not listed cannot be redeemed. */
    minimumMinor: z.record(
      CurrencyKey,
      z.object({ bank: MinorSchema, upi: MinorSchema, gift_card: MinorSchema }).strict(),
    ),
    /** Once a user's redemptions (this one included) exceed this, KYC must be verified. */
    kycThresholdMinor: z.record(CurrencyKey, MinorSchema),
    /** A new or changed bank account or UPI id receives nothing until this has passed. */
    coolingOffHours: z
      .number()
      .int()
      .min(0)
      .max(24 * 90),
    /** A login from a new device this recently before a redemption holds it for review. */
    newDeviceHoldHours: z
      .number()
      .int()
      .min(0)
      .max(24 * 90),
    stepUpTtlSec: z.number().int().min(30).max(3_600),
    stepUpMaxAttempts: z.number().int().min(1).max(10),
    /** Unused codes a user may hold per hour: enough for typos and retries, not for guessing. */
    stepUpMaxOpenPerHour: z.number().int().min(1).max(1_000),
    /** Destinations a user may add or remove in any 24 hours (wallet payouts/destinations/change-cap.ts). */
    destinationChangesPerDay: z.number().int().min(1).max(1_000),
  })
  .strict();

export type PayoutPolicy = z.infer<typeof PayoutPolicySchema>;

export const DEFAULT_PAYOUT_POLICY: PayoutPolicy = {
  minimumMinor: {
    INR: { bank: 10_000, upi: 5_000, gift_card: 0 },
    USD: { bank: 1_000, upi: 1_000, gift_card: 0 },
    EUR: { bank: 1_000, upi: 1_000, gift_card: 0 },
  },
  kycThresholdMinor: { INR: 1_000_000, USD: 50_000, EUR: 50_000 },
  coolingOffHours: 24,
  newDeviceHoldHours: 24,
  stepUpTtlSec: 600,
  stepUpMaxAttempts: 5,
  stepUpMaxOpenPerHour: 5,
  destinationChangesPerDay: 5,
};

export type PolicyParse = { ok: true; policy: PayoutPolicy } | { ok: false; detail: string };

/** The effective policy: defaults with the operator's overrides (top-level keys replace). */
export function parsePayoutPolicy(raw: string | undefined): PolicyParse {
  if (raw === undefined || raw.trim() === "") return { ok: true, policy: DEFAULT_PAYOUT_POLICY };
  let overrides: unknown;
  try {
    overrides = JSON.parse(raw);
  } catch {
    return { ok: false, detail: "PAYOUT_POLICY is not JSON" };
  }
  if (typeof overrides !== "object" || overrides === null || Array.isArray(overrides)) {
    return { ok: false, detail: "PAYOUT_POLICY must be a JSON object" };
  }
  const parsed = PayoutPolicySchema.safeParse({ ...DEFAULT_PAYOUT_POLICY, ...overrides });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, detail: `PAYOUT_POLICY: ${issue?.path.join(".")} ${issue?.message}` };
  }
  return { ok: true, policy: parsed.data };
}

/** Why a redemption is refused before any money moves; each maps to one problem response. */
export type RedemptionRefusal =
  | { code: "currency_not_redeemable"; detail: string }
  | { code: "below_minimum"; detail: string; minimumMinor: number }
  | { code: "kyc_required"; detail: string }
  | { code: "destination_cooling_off"; detail: string; usableFromMs: number }
  | { code: "destination_unusable"; detail: string };

export interface RedemptionFacts {
  type: DestinationType;
  currency: string;
  amountMinor: number;
  /** When the destination may first receive money (cooling-off); gift cards have none. */
  destinationUsableFromMs: number;
  destinationStatus: "active" | "needs_attention" | "removed";
  kycStatus: "none" | "pending" | "verified" | "rejected";
  /** Sum of the user's earlier redemptions in this currency that were not credited back. */
  redeemedBeforeMinor: number;
  nowMs: number;
}

/**
 * Pure: whether a redemption may go ahead under `policy`. Checked before the step-up code is
 * consumed, so a refusal never costs the user their code.
 */
export function checkRedemption(
  policy: PayoutPolicy,
  facts: RedemptionFacts,
): RedemptionRefusal | null {
  const minimums = policy.minimumMinor[facts.currency];
  if (!minimums) {
    return {
      code: "currency_not_redeemable",
      detail: `${facts.currency} cannot be redeemed on this platform`,
    };
  }
  const minimumMinor = minimums[facts.type];
  if (facts.amountMinor < minimumMinor) {
    return {
      code: "below_minimum",
      detail: `the smallest ${facts.type} redemption is ${minimumMinor} minor units of ${facts.currency}`,
      minimumMinor,
    };
  }
  if (facts.destinationStatus !== "active") {
    return {
      code: "destination_unusable",
      detail:
        facts.destinationStatus === "removed"
          ? "that destination was removed"
          : "a payout to that destination failed; update its details first",
    };
  }
  if (facts.nowMs < facts.destinationUsableFromMs) {
    return {
      code: "destination_cooling_off",
      detail: "a new or changed destination can receive money only after its cooling-off period",
      usableFromMs: facts.destinationUsableFromMs,
    };
  }
  const threshold = policy.kycThresholdMinor[facts.currency];
  if (
    threshold !== undefined &&
    facts.redeemedBeforeMinor + facts.amountMinor > threshold &&
    facts.kycStatus !== "verified"
  ) {
    return {
      code: "kyc_required",
      detail: `redemptions above ${threshold} minor units of ${facts.currency} need verified KYC`,
    };
  }
  return null;
}

/**
 * Pure: whether a redemption is held for review because a new device logged in shortly
 * before it. The user's first device is not "new": there is no earlier one it could be
 * taking over from.
 */
export function newDeviceHold(
  policy: PayoutPolicy,
  deviceFirstSeenMs: readonly number[],
  nowMs: number,
): boolean {
  if (deviceFirstSeenMs.length < 2 || policy.newDeviceHoldHours === 0) return false;
  const earliest = Math.min(...deviceFirstSeenMs);
  const windowStart = nowMs - policy.newDeviceHoldHours * 3_600_000;
  return deviceFirstSeenMs.some((seen) => seen > earliest && seen >= windowStart && seen <= nowMs);
}
