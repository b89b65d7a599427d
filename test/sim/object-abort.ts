import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";

/**
 * One wallet's `ctx` (its DurableObjectState), taken through `runInDurableObject` before an
 * operation, so a fault point the wallet then reaches can call `ctx.abort()` on that object
 * alone, mid-operation: its memory and whatever it had in flight go (an outbox not yet flushed,
 * an alarm not yet armed), its storage stays, and every other object keeps running. Compare
 * `abortAllDurableObjects()`, which resets every object between two steps.
 */
export function walletContext(userId: string): Promise<DurableObjectState> {
  const stub = env.WALLET.get(env.WALLET.idFromName(userId));
  return runInDurableObject(stub, (_instance, state) => state);
}

/** The reason an aborted wallet's callers see; the simulation tells its own aborts apart by it. */
export const SIM_ABORT_REASON = "sim: wallet aborted at a fault point";
