import { drainingUnreadBody } from "#shared/http/drain-body";
import { SANDBOX_PROCESSOR_OBJECT_NAME, type SandboxProcessorWorkerEnv } from "./config";

export { SandboxProcessorObject } from "./processor-object";

/**
 * The sandbox payout processor worker (dev and test only, never deployed): every request
 * goes to the one Durable Object holding the processor's state. See docs/sandbox.md.
 * (A main module may export only handlers and classes: constants live in config.ts.)
 */
export default {
  fetch: drainingUnreadBody((request: Request, env: SandboxProcessorWorkerEnv) => {
    const stub = env.SANDBOX_PROCESSOR.get(
      env.SANDBOX_PROCESSOR.idFromName(SANDBOX_PROCESSOR_OBJECT_NAME),
    );
    return stub.fetch(request);
  }),
} satisfies ExportedHandler<SandboxProcessorWorkerEnv>;
