import { SandboxProcessorObject } from "#dev/sandbox-processor/worker/processor-object";
import apiWorker from "#workers/api/src/index";

/**
 * The test runtime's main module: the api worker exactly as deployed, plus the sandbox payout
 * processor bound as SANDBOX_PROCESSOR (vitest.config.ts). Its webhooks go straight to the api
 * worker's fetch handler, the same route the processor reaches over HTTP in `wrangler dev`.
 */
export * from "#workers/api/src/index";
export default apiWorker;

export class TestSandboxProcessor extends SandboxProcessorObject {
  protected override deliver(request: Request): Promise<Response> {
    return Promise.resolve(apiWorker.fetch(request, this.env as never));
  }
}
