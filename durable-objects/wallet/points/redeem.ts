import { mulDivRound } from "#shared/money/rounding";
import type { WalletTx } from "../core/wallet-tx";
import { readBalance } from "../ledger/ledger-store";
import { decideSpend } from "./decide-spend";
import {
  drawsOf,
  findSpend,
  insertSpend,
  type SpendRow,
  spendableLots,
  voucherCodeIssued,
} from "./lot-store";
import { PointsChange } from "./points-change";
import { reschedulePoints } from "./points-schedule";
import type { CashbackRate, RedeemPointsResult } from "./types";

/** Lots one spend may draw from: a bound on the work of one redemption. */
const MAX_LOTS_PER_SPEND = 5_000;
const MAX_KEY_CHARS = 150;

export interface RedeemPointsInput {
  /** The redemption's idempotency key. */
  key: string;
  points: number;
  nowMs: number;
}

/** Pure: why a cashback rate is refused, or null. */
export function rateProblem(rate: CashbackRate): string | null {
  if (!Number.isSafeInteger(rate.points) || rate.points <= 0) return "rate points must be positive";
  if (!Number.isSafeInteger(rate.amountMinor) || rate.amountMinor <= 0) {
    return "rate amountMinor must be positive";
  }
  if (!/^[A-Z]{3}$/.test(rate.currency)) return "rate currency is a 3-letter code";
  return null;
}

/** Pure: the cashback `points` buy at `rate`, rounded down (the one rounding helper). */
export function cashbackForPoints(points: number, rate: CashbackRate): number {
  return mulDivRound(points, rate.amountMinor, rate.points, "floor");
}

/**
 * Converts points into cashback in `confirmed` at `rate`: ONE posting under one key moves the
 * points from active to spent and credits the money (repaying money debt first, as every credit
 * to confirmed does). Draws lots earliest expiry first; more than the active balance is refused
 * whole. The object serialises requests and nothing awaits inside, so concurrent redemptions
 * cannot overdraw. Idempotent on `key`.
 *
 * @example
 * commit((tx) => redeemPointsForCashback(tx, { key: "r1", points: 500, nowMs },
 *   { points: 100, amountMinor: 50, currency: "INR" }))
 * // { status: "created", amountMinor: 250, currency: "INR", draws: [...] }
 */
export function redeemPointsForCashback(
  tx: WalletTx,
  input: RedeemPointsInput,
  rate: CashbackRate,
): RedeemPointsResult {
  const problem = rateProblem(rate);
  if (problem !== null) return { status: "invalid", reason: problem };
  const existing = replay(tx, input, "cashback");
  if (existing) return existing;
  const amountMinor =
    Number.isSafeInteger(input.points) && input.points > 0
      ? cashbackForPoints(input.points, rate)
      : 0;
  if (amountMinor === 0) {
    return { status: "invalid", reason: "too few points to buy any cashback at this rate" };
  }
  return spend(tx, input, {
    kind: "cashback",
    currency: rate.currency,
    amountMinor,
    voucherPool: null,
    voucherCode: null,
  });
}

/**
 * Converts points into a voucher code the caller took from the operator's pool for this
 * redemption (the pool hands each code out once, keyed by the redemption; see docs/loyalty.md).
 * The wallet refuses a code it has already issued; on any refusal the caller returns the code
 * to the pool. Idempotent on `key`.
 */
export function redeemPointsForVoucher(
  tx: WalletTx,
  input: RedeemPointsInput,
  voucher: { poolId: string; code: string },
): RedeemPointsResult {
  if (!voucher.poolId || !voucher.code || voucher.code.length > 200) {
    return { status: "invalid", reason: "a voucher names its pool and a code of 1..200 chars" };
  }
  const existing = replay(tx, input, "voucher", voucher.code);
  if (existing) return existing;
  if (voucherCodeIssued(tx.sql, voucher.poolId, voucher.code))
    return { status: "voucher_code_taken" };
  return spend(tx, input, {
    kind: "voucher",
    currency: null,
    amountMinor: 0,
    voucherPool: voucher.poolId,
    voucherCode: voucher.code,
  });
}

function replay(
  tx: WalletTx,
  input: RedeemPointsInput,
  kind: SpendRow["kind"],
  voucherCode?: string,
): RedeemPointsResult | null {
  const found = findSpend(tx.sql, input.key);
  if (!found) return null;
  const same =
    found.kind === kind &&
    found.points === input.points &&
    (voucherCode === undefined || found.voucherCode === voucherCode);
  if (!same) return { status: "exists_with_different_amount", spendId: found.spendId };
  return {
    status: "exists",
    spendId: found.spendId,
    points: found.points,
    amountMinor: found.amountMinor,
    currency: found.currency,
    voucherCode: found.voucherCode,
    draws: drawsOf(tx.sql, found.spendId, "spend").map((d) => ({
      lotId: d.lotId,
      points: d.points,
    })),
  };
}

function spend(
  tx: WalletTx,
  input: RedeemPointsInput,
  what: Omit<SpendRow, "spendId" | "kind" | "points" | "atMs"> & { kind: SpendRow["kind"] },
): RedeemPointsResult {
  if (!input.key || input.key.length > MAX_KEY_CHARS) {
    return { status: "invalid", reason: `key must be 1..${MAX_KEY_CHARS} chars` };
  }
  const lots =
    Number.isSafeInteger(input.points) && input.points > 0
      ? spendableLots(tx.sql, input.points, input.nowMs, MAX_LOTS_PER_SPEND)
      : [];
  const decision = decideSpend(lots, input.points, input.nowMs);
  if (decision.status === "invalid") return decision;
  if (decision.status === "insufficient") {
    return { status: "insufficient_points", availablePoints: decision.availablePoints };
  }

  const change = new PointsChange(tx, input.nowMs);
  for (const d of decision.draws) {
    const lot = lots.find((l) => l.lotId === d.lotId);
    if (!lot) continue;
    const touched = change.touch(lot);
    touched.remaining -= d.points;
    touched.spent += d.points;
    change.draw({
      drawId: input.key,
      kind: "spend",
      lotId: d.lotId,
      points: d.points,
      place: "active",
      ref: null,
    });
  }
  change.move("points_active", -input.points);
  change.move("points_spent", input.points);
  if (what.kind === "cashback" && what.currency !== null) {
    // Like every credit to confirmed: money debt is repaid first.
    const debtMinor = readBalance(tx.sql, "debt", what.currency);
    const repaid = Math.min(debtMinor, what.amountMinor);
    if (what.amountMinor - repaid > 0) {
      change.addMoneyLeg({
        bucket: "confirmed",
        currency: what.currency,
        amountMinor: what.amountMinor - repaid,
      });
    }
    if (repaid > 0)
      change.addMoneyLeg({ bucket: "debt", currency: what.currency, amountMinor: -repaid });
  }
  insertSpend(tx.sql, {
    spendId: input.key,
    kind: what.kind,
    points: input.points,
    currency: what.currency,
    amountMinor: what.amountMinor,
    voucherPool: what.voucherPool,
    voucherCode: what.voucherCode,
    atMs: input.nowMs,
  });
  change.commit(`points:spend:${input.key}`, `points_redeem_${what.kind}`);
  if (what.kind === "cashback") tx.publishBalances(input.nowMs);
  reschedulePoints(tx.sql, input.nowMs);
  return {
    status: "created",
    spendId: input.key,
    points: input.points,
    amountMinor: what.amountMinor,
    currency: what.currency,
    voucherCode: what.voucherCode,
    draws: decision.draws,
  };
}
