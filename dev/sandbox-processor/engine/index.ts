/**
 * The sandbox payout processor (docs/sandbox.md, "The sandbox payout processor"): an
 * in-memory processor with a processor's HTTP API and signed webhooks, for tests and local
 * demos. dev/sandbox-processor/ serves it over HTTP with its state in a Durable Object.
 */
export {
  finalOutcome,
  SANDBOX_MAGIC,
  SandboxProcessorEngine,
  type SubmissionRefusal,
  type SubmitInput,
  type SubmitOutcome,
  submissionRefusal,
} from "./engine";
export { handleProcessorRequest } from "./http";
export * from "./types";
export {
  canonicalWebhookString,
  isoTime,
  payoutWire,
  requestFingerprint,
  SANDBOX_SIGNATURE_HEADER,
  type SandboxPayoutWire,
  type SandboxWebhookWire,
  signSandboxWebhook,
  webhookWire,
} from "./wire";
