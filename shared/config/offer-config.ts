import type { CashbackTerms } from "../money/cashback";

/**
 * Everything the redirect worker needs about one offer, denormalised into one KV value so
 * a click costs at most one KV read (and usually none: see config-cache.ts).
 */
export interface OfferConfig {
  offerId: string;
  merchantId: string;
  networkId: string;
  title: string;
  currency: string;
  terms: CashbackTerms;
  returnWindowDays: number;
  startsAtMs: number | null;
  endsAtMs: number | null;
  /**
   * False when the offer, its merchant or its network is switched off, or while the network's
   * merchant-sync circuit breaker is open (its catalog cannot be trusted to be current).
   */
  active: boolean;
  trackingTemplate: string;
  landingUrl: string;
  networkOfferRef: string;
}

/** What the postback worker needs about a network. Holds a secret: never log it. */
export interface NetworkConfig {
  networkId: string;
  active: boolean;
  /** Adapter id (shared/networks/registry.ts). */
  postbackFormat: string;
  postbackSecret: string;
  /** Adapter settings (IP allowlist, parameter names, template mapping, report URL). */
  options: Record<string, unknown>;
}

export type OfferAvailability = "live" | "inactive" | "not_started" | "ended";

export function offerAvailability(config: OfferConfig, nowMs: number): OfferAvailability {
  if (!config.active) return "inactive";
  if (config.startsAtMs !== null && nowMs < config.startsAtMs) return "not_started";
  if (config.endsAtMs !== null && nowMs >= config.endsAtMs) return "ended";
  return "live";
}

/**
 * Fills the network's tracking template. Every value is URL-encoded, so a landing URL
 * with its own query string cannot break out of the parameter it sits in.
 *
 * @example
 * buildTrackingUrl("https://net.example/t?s={subid}&u={landing_url}", {...})
 */
export function buildTrackingUrl(
  template: string,
  values: { subId: string; clickId: string; landingUrl: string; networkOfferRef: string },
): string {
  return template
    .replaceAll("{subid}", encodeURIComponent(values.subId))
    .replaceAll("{click_id}", encodeURIComponent(values.clickId))
    .replaceAll("{landing_url}", encodeURIComponent(values.landingUrl))
    .replaceAll("{network_offer_ref}", encodeURIComponent(values.networkOfferRef));
}

export const offerConfigKey = (offerId: string) => `cfg:offer:v1:${offerId}`;
export const networkConfigKey = (networkId: string) => `cfg:network:v1:${networkId}`;
