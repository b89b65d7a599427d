import { DurableObject } from "cloudflare:workers";
import type { Hono } from "hono";
import { answerThenDiscard } from "#shared/http/drain-body";
import { type SandboxEnv, sandboxConfig } from "./config";
import { createControlApp } from "./control";
import { SandboxHost } from "./host";

/**
 * One sandbox network, persisted: a thin shell over `SandboxHost` (state and storage) and
 * `createControlApp` (HTTP). The state is loaded once, before the first request, and saved
 * after every change. Dev and test only; never deployed.
 */
export class SandboxNetworkObject extends DurableObject<SandboxEnv> {
  #app: Hono | null = null;

  constructor(ctx: DurableObjectState, env: SandboxEnv) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      const host = await SandboxHost.open(ctx.storage, sandboxConfig(env));
      this.#app = createControlApp(host);
    });
  }

  override async fetch(request: Request): Promise<Response> {
    const app = this.#app;
    if (app === null) throw new Error("the sandbox failed to load its state");
    // A body the app answered without reading is read out, so the connection stays usable.
    return answerThenDiscard(request, () => app.fetch(request));
  }
}
