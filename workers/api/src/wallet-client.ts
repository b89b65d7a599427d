import type { ApiEnv } from "#shared/env";

/**
 * The one place the api worker reaches the wallet Durable Object: its stub, its class (for
 * the worker's exports) and the types of what its RPC methods take and return. When the
 * wallet's entry module moves, this file is the only one to change.
 */
export {
  type AdminPayoutAction,
  awaitsNetworkApproval,
  type ConversionEvent,
  type ConversionOutcome,
  type DestinationResult,
  type DestinationView,
  type ProcessorView,
  type RedeemPointsResult,
  type RedeemRefusalCode,
  type RepriceOffer,
  type RollupChunk,
  retryDelaySec,
  type StoredClaim,
  type StoredPayout,
  WalletDurableObject,
} from "#durable-objects/wallet/index";

/**
 * The wallet Durable Object of one user; the id is derived from the user id, so no lookup.
 *
 * @example
 * const balances = await walletOf(env, userId).getBalances();
 */
export function walletOf(env: Pick<ApiEnv, "WALLET">, userId: string) {
  return env.WALLET.get(env.WALLET.idFromName(userId));
}
