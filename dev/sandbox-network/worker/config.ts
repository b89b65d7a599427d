import { type FormatSettings, SANDBOX_FORMATS, type SandboxFormat } from "../engine";
import type { SandboxNetworkObject } from "./sandbox-object";

/** Bindings and vars of the sandbox network worker (dev/sandbox-network/wrangler.toml). */
export interface SandboxEnv {
  SANDBOX_NETWORK: DurableObjectNamespace<SandboxNetworkObject>;
  /** The network id Boomerang knows the sandbox by; default `sandbox-network`. */
  SANDBOX_NETWORK_ID?: string;
  /** Signs postbacks and guards the report/feed API. Local-only by design. */
  SANDBOX_POSTBACK_SECRET?: string;
  /** PRNG seed for a fresh sandbox; default 1. */
  SANDBOX_SEED?: string;
  /** Report page size; default 100. */
  SANDBOX_REPORT_PAGE_SIZE?: string;
  /** Boomerang's origin; deliveries go to `<this>/postback/<networkId>`. */
  BOOMERANG_POSTBACK_URL?: string;
  /** The wire format: generic (default), admitad, impact, cj or template (docs/sandbox.md). */
  SANDBOX_FORMAT?: string;
  /** The report API credential of a non-generic format; default the postback secret. */
  SANDBOX_REPORT_API_TOKEN?: string;
  /** impact.com Account SID; default `IRSandboxAccount1`. */
  SANDBOX_ACCOUNT_SID?: string;
  /** CJ publisher CID; default `7654321`. */
  SANDBOX_PUBLISHER_ID?: string;
}

export interface SandboxConfig {
  networkId: string;
  postbackSecret: string;
  seed: number;
  reportPageSize: number;
  postbackBaseUrl: string;
  formatSettings: FormatSettings;
}

export const DEFAULT_SANDBOX_NETWORK_ID = "sandbox-network";
/** Public on purpose, like the demo network's: the sandbox never runs outside a laptop or CI. */
export const DEFAULT_SANDBOX_SECRET = "sandbox-network-postback-secret-local-only";
export const DEFAULT_BOOMERANG_URL = "http://localhost:8787";
export const DEFAULT_ACCOUNT_SID = "IRSandboxAccount1";
export const DEFAULT_PUBLISHER_ID = "7654321";

/**
 * Reads the worker's vars, refusing nonsense at startup rather than on the first request.
 *
 * @example
 * sandboxConfig({ SANDBOX_SEED: "7" }).seed // 7
 */
export function sandboxConfig(env: Partial<SandboxEnv>): SandboxConfig {
  const seed = Number(env.SANDBOX_SEED ?? "1");
  const reportPageSize = Number(env.SANDBOX_REPORT_PAGE_SIZE ?? "100");
  if (!Number.isSafeInteger(seed)) throw new Error("SANDBOX_SEED must be an integer");
  if (!Number.isSafeInteger(reportPageSize) || reportPageSize < 1 || reportPageSize > 1_000) {
    throw new Error("SANDBOX_REPORT_PAGE_SIZE must be 1 to 1000");
  }
  const postbackBaseUrl = env.BOOMERANG_POSTBACK_URL ?? DEFAULT_BOOMERANG_URL;
  if (!/^https?:\/\//.test(postbackBaseUrl))
    throw new Error("BOOMERANG_POSTBACK_URL must be an http(s) origin");
  const format = env.SANDBOX_FORMAT ?? "generic";
  if (!(SANDBOX_FORMATS as readonly string[]).includes(format))
    throw new Error(`SANDBOX_FORMAT must be one of ${SANDBOX_FORMATS.join(", ")}`);
  const postbackSecret = env.SANDBOX_POSTBACK_SECRET ?? DEFAULT_SANDBOX_SECRET;
  return {
    networkId: env.SANDBOX_NETWORK_ID ?? DEFAULT_SANDBOX_NETWORK_ID,
    postbackSecret,
    seed,
    reportPageSize,
    postbackBaseUrl,
    formatSettings: {
      format: format as SandboxFormat,
      reportApiToken: env.SANDBOX_REPORT_API_TOKEN ?? postbackSecret,
      accountSid: env.SANDBOX_ACCOUNT_SID ?? DEFAULT_ACCOUNT_SID,
      publisherId: env.SANDBOX_PUBLISHER_ID ?? DEFAULT_PUBLISHER_ID,
    },
  };
}
