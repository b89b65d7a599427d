// Node module hooks for scripts that import worker code outside workerd: `cloudflare:*`
// modules resolve to a stub (the Durable Object base classes), enough to evaluate modules
// that declare a Durable Object without running one. Registered by workers-runtime-stub.ts.
const STUB =
  "data:text/javascript,export class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env; } } export class WorkerEntrypoint {} export class RpcTarget {} export const env = {};";

export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith("cloudflare:")) return { url: STUB, shortCircuit: true };
  return nextResolve(specifier, context);
}
