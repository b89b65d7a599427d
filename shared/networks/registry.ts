import { admitadAdapter } from "./admitad";
import { cjAdapter } from "./cj";
import type { NetworkFormat } from "./formats";
import { genericAdapter } from "./generic";
import { impactAdapter } from "./impact";
import { templateAdapter } from "./template";
import type { NetworkAdapter } from "./types";

export { NETWORK_FORMATS, type NetworkFormat } from "./formats";

// A Map, not an object literal: `adapterFor("__proto__")` or `("toString")` must be null.
const ADAPTERS: ReadonlyMap<string, NetworkAdapter> = new Map(
  [genericAdapter, admitadAdapter, impactAdapter, cjAdapter, templateAdapter].map((a) => [
    a.format,
    a,
  ]),
);

/**
 * The adapter for a network's stored `postbackFormat`, or null for an unknown format (a
 * network saved by a newer version, or a typo): callers refuse the postback rather than guess.
 *
 * @example
 * const adapter = adapterFor(network.postbackFormat);
 * if (!adapter) throw new AppError("not_found", "unknown network format");
 */
export function adapterFor(format: string): NetworkAdapter | null {
  return ADAPTERS.get(format) ?? null;
}

/**
 * Whether `format` names a known adapter (for zod refinements in the admin API).
 *
 * @example
 * z.string().refine(isNetworkFormat)
 */
export function isNetworkFormat(format: string): format is NetworkFormat {
  return ADAPTERS.has(format);
}
