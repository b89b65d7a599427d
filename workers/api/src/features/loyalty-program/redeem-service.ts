import type { ApiEnv } from "#shared/env";
import { AppError } from "#shared/http/errors";
import { loadProgramSettings } from "#shared/loyalty/live-program-settings";
import { cashbackRateOf } from "#shared/loyalty/program-settings";
import { type RedeemPointsResult, walletOf } from "../../wallet-client";
import { claimCode, findClaim, findPool, releaseClaim } from "./voucher-store";

/**
 * A member's points redemptions (docs/loyalty.md "Redeeming points"): into cashback at the
 * program's rate, or into a voucher code from an operator pool. Idempotent on the member's
 * Idempotency-Key: the wallet's spend is keyed by it, and so is the pool's claim, so a retry
 * gets the same answer and the same code; the same key with another body is a 409.
 */

type Env = Pick<ApiEnv, "DB" | "CONFIG_KV" | "WALLET">;

export interface Redemption {
  id: string;
  kind: "cashback" | "voucher";
  points: number;
  cashback: { amountMinor: number; currency: string } | null;
  voucher: { poolId: string; code: string } | null;
}

export interface RedeemContext {
  userId: string;
  idempotencyKey: string;
  nowMs: number;
  waitUntil: (p: Promise<unknown>) => void;
}

/** The wallet's spend key: unique within the member's wallet. */
const spendKeyOf = (idempotencyKey: string) => `redeem:${idempotencyKey}`;
/** The pool's claim key: unique across members. */
const claimKeyOf = (ctx: RedeemContext) => `${ctx.userId}:${ctx.idempotencyKey}`;

type Redeemed = Extract<RedeemPointsResult, { status: "created" | "exists" }>;
const redeemed = (r: RedeemPointsResult): r is Redeemed =>
  r.status === "created" || r.status === "exists";

/** The wallet's refusals as problems; nothing was spent on any of them. */
function refusal(result: Exclude<RedeemPointsResult, Redeemed>): AppError {
  switch (result.status) {
    case "insufficient_points":
      return new AppError(
        "insufficient_points",
        `not enough active points: ${result.availablePoints} available`,
        [{ path: "points", message: `${result.availablePoints} active points are available` }],
      );
    case "exists_with_different_amount":
      return new AppError(
        "idempotency_conflict",
        "this Idempotency-Key was used for a different redemption",
      );
    case "voucher_code_taken":
      return new AppError("conflict", "this voucher code was already issued to you");
    case "invalid":
      return new AppError("validation_failed", result.reason);
  }
}

/**
 * Points → cashback at the program's rate, credited to confirmed cashback in one wallet
 * posting. Refused when the program offers no cashback (409) or below its minimum (422).
 *
 * @example
 * await redeemForCashback(env, 1_000, { userId, idempotencyKey, nowMs, waitUntil });
 * // { created: true, redemption: { kind: "cashback", points: 1000, cashback: { amountMinor: 500, … } } }
 */
export async function redeemForCashback(
  env: Env,
  points: number,
  ctx: RedeemContext,
): Promise<{ created: boolean; redemption: Redemption }> {
  const { settings } = await loadProgramSettings(env, ctx.waitUntil);
  const rate = cashbackRateOf(settings);
  if (rate === null) {
    throw new AppError("redemption_unavailable", "the program does not convert points to cashback");
  }
  const { minPoints } = settings.points.redemption;
  if (points < minPoints) {
    throw new AppError("below_minimum", `redeem at least ${minPoints} points`, [
      { path: "points", message: `at least ${minPoints}` },
    ]);
  }
  const result: RedeemPointsResult = await walletOf(env, ctx.userId).redeemPointsForCashback(
    ctx.userId,
    { key: spendKeyOf(ctx.idempotencyKey), points },
    rate,
    ctx.nowMs,
  );
  if (!redeemed(result)) throw refusal(result);
  return {
    created: result.status === "created",
    redemption: {
      id: ctx.idempotencyKey,
      kind: "cashback",
      points: result.points,
      cashback: { amountMinor: result.amountMinor, currency: result.currency ?? rate.currency },
      voucher: null,
    },
  };
}

/**
 * Points → one code from the pool: the code is claimed for this redemption first (a retry
 * finds the same claim), then the wallet spends the pool's cost for it; if the wallet refuses,
 * the claim is released and the code goes back to the pool. A pool with no code left is a 409
 * and no points are spent.
 */
export async function redeemForVoucher(
  env: Env,
  poolId: string,
  ctx: RedeemContext,
): Promise<{ created: boolean; redemption: Redemption }> {
  const claimKey = claimKeyOf(ctx);
  let claim = await findClaim(env.DB, claimKey);
  if (claim && claim.poolId !== poolId) {
    throw new AppError(
      "idempotency_conflict",
      "this Idempotency-Key was used for a voucher from another pool",
    );
  }
  if (!claim) {
    const pool = await findPool(env.DB, poolId);
    if (!pool) throw new AppError("not_found", "no such voucher pool");
    if (!pool.active) throw new AppError("redemption_unavailable", "this voucher pool is closed");
    // Not enough points: refused before a code is claimed (and released), so the pool does
    // not look empty to others meanwhile. The wallet checks again when it spends.
    const balance = await walletOf(env, ctx.userId).getPointsBalance(ctx.nowMs);
    if (balance.activePoints < pool.pointsCost) {
      throw refusal({ status: "insufficient_points", availablePoints: balance.activePoints });
    }
    const outcome = await claimCode(env.DB, {
      poolId,
      claimKey,
      points: pool.pointsCost,
      nowMs: ctx.nowMs,
    });
    if (outcome.status === "empty") {
      throw new AppError("voucher_pool_empty", `no codes are left in pool ${poolId}`);
    }
    claim = outcome.status === "claimed" ? outcome.claim : await findClaim(env.DB, claimKey);
    if (!claim || claim.poolId !== poolId) {
      throw new AppError(
        "idempotency_conflict",
        "this Idempotency-Key was used for a voucher from another pool",
      );
    }
  }
  const result: RedeemPointsResult = await walletOf(env, ctx.userId).redeemPointsForVoucher(
    ctx.userId,
    { key: spendKeyOf(ctx.idempotencyKey), points: claim.points },
    { poolId, code: claim.code },
    ctx.nowMs,
  );
  if (!redeemed(result)) {
    // The wallet spent nothing for this code; a code it already issued stays claimed.
    if (result.status !== "voucher_code_taken") await releaseClaim(env.DB, claimKey, claim.code);
    throw refusal(result);
  }
  return {
    created: result.status === "created",
    redemption: {
      id: ctx.idempotencyKey,
      kind: "voucher",
      points: result.points,
      cashback: null,
      voucher: { poolId, code: claim.code },
    },
  };
}
