import { env } from "cloudflare:workers";

/**
 * The wallet's scheduled work (`runDue`, what its alarm runs), driven by the simulation at a
 * seed-chosen step on a seed-chosen wallet, as of now. The generator's timeline never reaches a
 * return window's end, so nothing money-bearing is due: the run must confirm nothing and leave
 * the wallet's money as it was (the runner compares fingerprints), while whatever it does do
 * (pruning, the chain sealer, the outbox and alarm after it) runs between the other steps.
 */
export function runWalletDue(userId: string, asOfMs: number) {
  return env.WALLET.get(env.WALLET.idFromName(userId)).runDue(asOfMs);
}

/** Chance, after any step, that one wallet's due run is driven (from its own seed fork). */
export const DUE_RUN_CHANCE = 0.03;
