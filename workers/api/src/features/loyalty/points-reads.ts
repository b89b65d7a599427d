import type { ApiEnv } from "#shared/env";
import { rowsToFetch, splitPage } from "#shared/paging";
import { toIso, toIsoOrNull } from "../../http/common-schemas";
import { walletOf } from "../../wallet-client";
import { cursorInt, decodeCursor, encodeCursor } from "../users/index";

/**
 * Reads of one wallet's points and tier as the API shows them; the member (`/v1/me/points…`)
 * and the operator (`/admin/v1/users/{id}/points…`) see the same answers.
 */

type WalletEnv = Pick<ApiEnv, "WALLET">;

/**
 * Balance by state, the next expiry and the tier with progress.
 *
 * @example
 * await pointsSummary(env, "u1"); // { balance: { activePoints: 120, … }, tier: { tier: "silver", … } }
 */
export async function pointsSummary(env: WalletEnv, userId: string) {
  const wallet = walletOf(env, userId);
  const [balance, tier] = await Promise.all([wallet.getPointsBalance(), wallet.getTier()]);
  return {
    balance: {
      activePoints: balance.activePoints,
      pendingPoints: balance.pendingPoints,
      spentPoints: balance.spentPoints,
      expiredPoints: balance.expiredPoints,
      reversedPoints: balance.reversedPoints,
      debtPoints: balance.debtPoints,
      nextExpiry: balance.nextExpiry
        ? { at: toIso(balance.nextExpiry.atMs), points: balance.nextExpiry.points }
        : null,
    },
    tier: tier
      ? {
          tier: tier.tier,
          qualifyingSpendMinor: tier.qualifyingSpendMinor,
          graceEndsAt: toIsoOrNull(tier.graceEndsAtMs),
          keptUntil: toIsoOrNull(tier.keptUntilMs),
          next: tier.next,
          benefits: tier.benefits,
        }
      : null,
  };
}

/** One page of lots, newest first, each with its expiry. */
export async function lotsPage(
  env: WalletEnv,
  userId: string,
  cursor: string | undefined,
  limit: number,
) {
  const position = decodeCursor(cursor, 1);
  const beforeSeq = position ? cursorInt(position[0] as string) : null;
  const fetched = await walletOf(env, userId).getPointsLots(beforeSeq, rowsToFetch(limit));
  const { rows, nextCursor } = splitPage(fetched, limit, (last) => encodeCursor([last.seq]));
  return {
    items: rows.map((l) => ({
      lotId: l.lotId,
      sourceType: l.sourceType,
      sourceId: l.sourceId,
      ruleId: l.ruleId,
      ruleVersion: l.ruleVersion,
      earnedPoints: l.earnedPoints,
      remainingPoints: l.remainingPoints,
      spentPoints: l.spentPoints,
      expiredPoints: l.expiredPoints,
      reversedPoints: l.reversedPoints,
      status: l.status,
      earnedAt: toIso(l.earnedAtMs),
      pendingUntil: toIsoOrNull(l.pendingUntilMs),
      activatedAt: toIsoOrNull(l.activatedAtMs),
      expiresAt: toIsoOrNull(l.expiresAtMs),
    })),
    nextCursor,
  };
}

/** One page of the points ledger, newest first: every earn, activation, spend, expiry, rollback. */
export async function historyPage(
  env: WalletEnv,
  userId: string,
  cursor: string | undefined,
  limit: number,
) {
  const position = decodeCursor(cursor, 1);
  const beforeSeq = position ? cursorInt(position[0] as string) : null;
  const fetched = await walletOf(env, userId).getPointsHistory(beforeSeq, rowsToFetch(limit));
  const { rows, nextCursor } = splitPage(fetched, limit, (last) => encodeCursor([last.seq]));
  return {
    items: rows.map((e) => ({
      seq: e.seq,
      bucket: e.bucket,
      points: e.points,
      balanceAfter: e.balanceAfter,
      kind: e.kind,
      key: e.key,
      at: toIso(e.atMs),
    })),
    nextCursor,
  };
}

export async function tierHistory(env: WalletEnv, userId: string, limit: number) {
  const rows = await walletOf(env, userId).getTierHistory(limit);
  return {
    items: rows.map((r) => ({
      fromTier: r.fromTier,
      toTier: r.toTier,
      reason: r.reason,
      qualifyingSpendMinor: r.qualifyingSpendMinor,
      at: toIso(r.atMs),
    })),
  };
}
