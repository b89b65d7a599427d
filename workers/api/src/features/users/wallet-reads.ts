import type { ApiEnv } from "#shared/env";
import { rowsToFetch, splitPage } from "#shared/paging";
import { toIso, toIsoOrNull } from "../../http/common-schemas";
import { awaitsNetworkApproval, walletOf } from "../../wallet-client";
import { cursorInt, decodeCursor, encodeCursor } from "./cursor";

/**
 * Reads of one user's wallet Durable Object as the API shows them: buckets per currency, the
 * ledger, transactions. The user API (`/v1/me/…`) and users admin (`/admin/v1/users/{id}/…`)
 * both answer with these, so the user and the operator see the same wallet.
 */

type WalletEnv = Pick<ApiEnv, "WALLET">;

/**
 * The wallet's buckets, grouped per currency.
 *
 * @example
 * await walletBalances(env, "u1"); // [{ currency: "INR", pendingMinor: 500, confirmedMinor: 0, buckets: { pending: 500 } }]
 */
export async function walletBalances(env: WalletEnv, userId: string) {
  const rows = await walletOf(env, userId).getBalances();
  const byCurrency = new Map<string, Record<string, number>>();
  for (const row of rows) {
    const buckets = byCurrency.get(row.currency) ?? {};
    buckets[row.bucket] = row.balanceMinor;
    byCurrency.set(row.currency, buckets);
  }
  return [...byCurrency].map(([currency, buckets]) => ({
    currency,
    pendingMinor: buckets.pending ?? 0,
    confirmedMinor: buckets.confirmed ?? 0,
    buckets,
  }));
}

/** One page of the ledger, newest first, each entry with the bucket's balance after it. */
export async function ledgerPage(
  env: WalletEnv,
  userId: string,
  cursor: string | undefined,
  limit: number,
) {
  const position = decodeCursor(cursor, 1);
  const beforeSeq = position ? cursorInt(position[0] as string) : null;
  const fetched = await walletOf(env, userId).listLedger(beforeSeq, rowsToFetch(limit));
  const { rows, nextCursor } = splitPage(fetched, limit, (last) => encodeCursor([last.seq]));
  return {
    items: rows.map((e) => ({
      seq: e.seq,
      bucket: e.bucket,
      currency: e.currency,
      amountMinor: e.amountMinor,
      balanceAfterMinor: e.balanceAfterMinor,
      kind: e.kind,
      transactionId: e.txnId,
      idempotencyKey: e.idempotencyKey,
      createdAt: toIso(e.createdAtMs),
      ruleId: e.ruleId,
      ruleVersion: e.ruleVersion,
    })),
    nextCursor,
  };
}

/** One page of the wallet's transactions, newest purchase first. */
export async function transactionsPage(
  env: WalletEnv,
  userId: string,
  cursor: string | undefined,
  limit: number,
) {
  const position = decodeCursor(cursor, 2);
  const after = position
    ? { convertedAtMs: cursorInt(position[0] as string), txnId: position[1] as string }
    : null;
  const fetched = await walletOf(env, userId).listTransactions(after, rowsToFetch(limit));
  const { rows, nextCursor } = splitPage(fetched, limit, (last) =>
    encodeCursor([last.convertedAtMs, last.txnId]),
  );
  return {
    items: rows.map((t) => ({
      id: t.txnId,
      networkId: t.networkId,
      orderId: t.orderId,
      offerId: t.offerId,
      status: t.status,
      rejectReason: t.rejectReason,
      currency: t.currency,
      saleAmountMinor: t.saleAmountMinor,
      cashbackMinor: t.cashbackMinor,
      rateBps: t.rateBps,
      boostMinor: t.grantedBoostMinor,
      boostRequestedMinor: t.desiredBoostMinor,
      clickedAt: toIsoOrNull(t.clickedAtMs),
      purchasedAt: toIso(t.convertedAtMs),
      expectedConfirmationAt: t.status === "pending" ? toIsoOrNull(t.expectedConfirmAtMs) : null,
      awaitingNetworkApproval: awaitsNetworkApproval(t),
      confirmedAt: toIsoOrNull(t.confirmedAtMs),
    })),
    nextCursor,
  };
}
