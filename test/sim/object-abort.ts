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

/**
 * Aborts one wallet from outside, between two calls (its last write confirmed): its memory and
 * whatever it had in flight go, its storage stays. The abort rejects the call that makes it.
 */
export async function abortWallet(userId: string): Promise<void> {
  const stub = env.WALLET.get(env.WALLET.idFromName(userId));
  await runInDurableObject(stub, (_instance, state) => state.abort(SIM_ABORT_REASON)).catch(
    () => undefined,
  );
}

/** Rows in the wallet's outbox: publishes written but not delivered yet. */
export function outboxRows(userId: string): Promise<number> {
  const stub = env.WALLET.get(env.WALLET.idFromName(userId));
  return runInDurableObject(stub, (_instance, state) =>
    Number(state.storage.sql.exec(`SELECT COUNT(*) AS n FROM outbox`).one().n),
  );
}
