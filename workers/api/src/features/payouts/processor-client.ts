import type { ApiEnv } from "#shared/env";
import { AppError } from "#shared/http/errors";
import { insecureUrlsAllowed, secretBearingUrl } from "#shared/http/secure-url";
import { createLogger } from "#shared/observability/logger";
import type {
  PayoutProcessor,
  ProcessorEvent,
  ProcessorFetcher,
  ProcessorPayout,
} from "#shared/payouts/processor";
import { createSandboxProcessor } from "#shared/payouts/processors/sandbox";
import type { ProcessorView } from "../../wallet-client";

const log = createLogger({ worker: "api", feature: "payouts" });

/** Where requests to the sandbox go when it is reached through the test-only binding. */
const SANDBOX_BINDING_ORIGIN = "https://sandbox-processor.internal";

/**
 * The configured payout processor adapter (PAYOUT_PROCESSOR). Adding a real processor is one
 * more case here and one adapter file (docs/payouts.md). A missing setting refuses with a 503
 * naming nothing secret, so a misconfigured deployment never pays out half-configured.
 */
export function payoutProcessorFor(env: ApiEnv): PayoutProcessor {
  switch (env.PAYOUT_PROCESSOR) {
    case "sandbox": {
      const { fetcher, baseUrl } = sandboxTransport(env);
      return createSandboxProcessor({
        baseUrl,
        apiKey: required(env.PAYOUT_PROCESSOR_API_KEY, "PAYOUT_PROCESSOR_API_KEY"),
        webhookSecret: required(
          env.PAYOUT_PROCESSOR_WEBHOOK_SECRET,
          "PAYOUT_PROCESSOR_WEBHOOK_SECRET",
        ),
        fetcher,
      });
    }
    default:
      log.error("payouts.unknown_processor", { processor: env.PAYOUT_PROCESSOR });
      throw new AppError("unavailable", "payouts are not configured");
  }
}

/** What the wallet is told of a payout, from a processor's create, lookup or webhook. */
export function processorViewOf(p: ProcessorPayout | ProcessorEvent): ProcessorView {
  return {
    status: p.status,
    processorRef: p.processorRef,
    failureCode: p.failureCode,
    amountMinor: p.amountMinor,
    currency: p.currency,
  };
}

/**
 * Stands in when no processor is configured, so the daily run still audits wallets and
 * reports the processor side as unavailable instead of not running at all.
 */
const NO_PROCESSOR: PayoutProcessor = {
  id: "none",
  create: async () => ({ kind: "unavailable", reason: "no payout processor is configured" }),
  lookup: async () => ({ kind: "unavailable", reason: "no payout processor is configured" }),
  parseWebhook: async () => ({
    ok: false,
    reason: "malformed",
    detail: "no payout processor is configured",
  }),
  report: async () => ({ kind: "unavailable", reason: "no payout processor is configured" }),
};

/** The configured processor, or the stand-in when PAYOUT_PROCESSOR is empty (crons). */
export function payoutProcessorOrNone(env: ApiEnv): PayoutProcessor {
  return env.PAYOUT_PROCESSOR ? payoutProcessorFor(env) : NO_PROCESSOR;
}

/**
 * Tests bind the sandbox's Durable Object directly (SANDBOX_PROCESSOR); `wrangler dev` and
 * any shared sandbox are reached over HTTP at PAYOUT_PROCESSOR_URL.
 */
function sandboxTransport(env: ApiEnv): { fetcher: ProcessorFetcher; baseUrl: string } {
  const binding = env.SANDBOX_PROCESSOR;
  if (binding) {
    const stub = binding.get(binding.idFromName("sandbox"));
    return { fetcher: (request) => stub.fetch(request), baseUrl: SANDBOX_BINDING_ORIGIN };
  }
  return { fetcher: (request) => fetch(request), baseUrl: processorBaseUrl(env) };
}

/**
 * PAYOUT_PROCESSOR_URL, which receives the API key and payout details: https only (plain http
 * where ALLOW_INSECURE_URLS is "true", in development and tests). Anything else refuses like
 * a missing setting, a 503 that names nothing secret. Every HTTP processor adapter takes its
 * base URL from here.
 *
 * @example
 * createSandboxProcessor({ baseUrl: processorBaseUrl(env), … })
 */
export function processorBaseUrl(
  env: Pick<ApiEnv, "PAYOUT_PROCESSOR_URL" | "ALLOW_INSECURE_URLS">,
): string {
  const raw = required(env.PAYOUT_PROCESSOR_URL, "PAYOUT_PROCESSOR_URL");
  const check = secretBearingUrl(raw, insecureUrlsAllowed(env));
  if (!check.ok) {
    log.error("payouts.processor_url_refused", {
      setting: "PAYOUT_PROCESSOR_URL",
      reason: check.reason,
    });
    throw new AppError("unavailable", "payouts are not configured");
  }
  // As configured: the adapter appends paths to it.
  return raw;
}

function required(value: string | undefined, name: string): string {
  if (!value) {
    log.error("payouts.processor_setting_missing", { setting: name });
    throw new AppError("unavailable", "payouts are not configured");
  }
  return value;
}
