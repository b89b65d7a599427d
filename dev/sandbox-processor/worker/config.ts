import type { SandboxProcessorOptions } from "../engine";
import type { SandboxProcessorObject } from "./processor-object";

/** Vars of the sandbox processor's Durable Object (dev/sandbox-processor/wrangler.toml). */
export interface SandboxProcessorEnv {
  /** Bearer token of `/v1/*`. Local-only by design; default below. */
  SANDBOX_PROCESSOR_API_KEY?: string;
  /** Signs webhooks. Local-only by design; default below. */
  SANDBOX_PROCESSOR_WEBHOOK_SECRET?: string;
  /** Where webhooks are POSTed; default `http://localhost:8787/webhooks/payouts/sandbox`. */
  BOOMERANG_WEBHOOK_URL?: string;
  /** Acceptance → `processing`, in ms; default 1000. */
  SANDBOX_PROCESSOR_PROCESSING_DELAY_MS?: string;
  /** `processing` → `completed`/`failed`, in ms; default 3000. */
  SANDBOX_PROCESSOR_FINAL_DELAY_MS?: string;
  /** PRNG seed (shuffled delivery) of a fresh processor; default 1. */
  SANDBOX_PROCESSOR_SEED?: string;
  /** `"false"`: no alarm, webhooks go out only when asked (tests). Default on. */
  SANDBOX_PROCESSOR_AUTO_DELIVER?: string;
}

/** The worker's bindings: the vars plus the object's namespace. */
export interface SandboxProcessorWorkerEnv extends SandboxProcessorEnv {
  SANDBOX_PROCESSOR: DurableObjectNamespace<SandboxProcessorObject>;
}

/** The one object that holds the processor's state (`idFromName`). */
export const SANDBOX_PROCESSOR_OBJECT_NAME = "sandbox";

/** Public on purpose, like the sandbox network's: the sandbox never runs outside a laptop or CI. */
export const DEFAULT_PROCESSOR_API_KEY = "sandbox-processor-api-key-local-only";
export const DEFAULT_PROCESSOR_WEBHOOK_SECRET = "sandbox-processor-webhook-secret-local-only";
export const DEFAULT_BOOMERANG_WEBHOOK_URL = "http://localhost:8787/webhooks/payouts/sandbox";

export interface ProcessorWorkerConfig {
  options: Required<SandboxProcessorOptions>;
  autoDeliver: boolean;
}

/**
 * Reads the vars, refusing nonsense at startup rather than on the first request.
 *
 * @example
 * processorConfig({ SANDBOX_PROCESSOR_FINAL_DELAY_MS: "0" }).options.finalDelayMs // 0
 */
export function processorConfig(env: SandboxProcessorEnv): ProcessorWorkerConfig {
  const int = (value: string | undefined, fallback: number, name: string) => {
    const parsed = value === undefined || value === "" ? fallback : Number(value);
    if (!Number.isSafeInteger(parsed) || parsed < 0) {
      throw new Error(`${name} must be a non-negative integer`);
    }
    return parsed;
  };
  const webhookUrl = env.BOOMERANG_WEBHOOK_URL ?? DEFAULT_BOOMERANG_WEBHOOK_URL;
  if (!/^https?:\/\//.test(webhookUrl))
    throw new Error("BOOMERANG_WEBHOOK_URL must be an http(s) URL");
  return {
    options: {
      apiKey: env.SANDBOX_PROCESSOR_API_KEY ?? DEFAULT_PROCESSOR_API_KEY,
      webhookSecret: env.SANDBOX_PROCESSOR_WEBHOOK_SECRET ?? DEFAULT_PROCESSOR_WEBHOOK_SECRET,
      webhookUrl,
      seed: int(env.SANDBOX_PROCESSOR_SEED, 1, "SANDBOX_PROCESSOR_SEED"),
      processingDelayMs: int(
        env.SANDBOX_PROCESSOR_PROCESSING_DELAY_MS,
        1_000,
        "SANDBOX_PROCESSOR_PROCESSING_DELAY_MS",
      ),
      finalDelayMs: int(
        env.SANDBOX_PROCESSOR_FINAL_DELAY_MS,
        3_000,
        "SANDBOX_PROCESSOR_FINAL_DELAY_MS",
      ),
    },
    autoDeliver: env.SANDBOX_PROCESSOR_AUTO_DELIVER !== "false",
  };
}
