import type { ApiEnv } from "#shared/env";

/** The wallet Durable Object of one user; the id is derived from the user id, so no lookup. */
export function walletOf(env: Pick<ApiEnv, "WALLET">, userId: string) {
  return env.WALLET.get(env.WALLET.idFromName(userId));
}
