import type { BoostSnapshot } from "../money/boost";
import type { CashbackTerms } from "../money/cashback";
import type { ConfirmationPolicy } from "../networks/core/confirmation-policy";
import type { NetworkSettings } from "../networks/types";

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
  /**
   * What confirms a click's cashback: the offer's policy, else its network's, else the default
   * for who made the offer (networks/core/confirmation-options.ts). Absent on configs cached
   * before policies existed: `return_window`.
   */
  confirmationPolicy?: ConfirmationPolicy;
  startsAtMs: number | null;
  endsAtMs: number | null;
  /**
   * False when the offer, its merchant or its network is switched off, or while the network's
   * merchant-sync circuit breaker is open (its catalog cannot be trusted to be current).
   */
  active: boolean;
  trackingTemplate: string;
  /**
   * The network's format, which decides how the tracking URL is built
   * (shared/networks/tracking-urls.ts), and the few network options that building reads
   * (`trackingOptionsOf`: never a secret). Absent on configs cached before formats were
   * stored: the template is then filled as written, as it always was.
   */
  networkFormat?: string;
  trackingOptions?: Record<string, unknown>;
  landingUrl: string;
  networkOfferRef: string;
  /**
   * The campaigns on this offer that have not ended, including scheduled ones (nothing
   * refreshes the config when a campaign starts, so the redirect evaluates each campaign's
   * rule, schedule included, at click time). Absent on configs cached before campaigns
   * existed: no boosts.
   */
  boosts?: OfferBoost[];
  /**
   * Hosts whose pages may send clicks to the offer (docs/fraud.md "Click quality"); absent or
   * empty: any referrer.
   */
  allowedReferrers?: string[];
}

/**
 * A campaign's terms as an offer's config carries them: enough to derive the campaign's rule
 * (shared/campaigns/campaign-rule.ts), which the redirect evaluates for each click.
 */
export interface OfferBoost extends BoostSnapshot {
  startsAtMs: number | null;
  endsAtMs: number | null;
  /** Only users whose link carries this segment; null: every user. */
  userSegment: string | null;
  /** The campaign's target; absent on configs cached before targets were carried. */
  offerId?: string | null;
  merchantId?: string | null;
}

/** Bound on the boosts one offer's config carries (and so one click and one transaction). */
export const MAX_BOOSTS_PER_OFFER = 8;

/**
 * What the postback worker needs about a network: the value KV caches. Holds a secret: never
 * log it.
 */
export interface NetworkConfig {
  networkId: string;
  active: boolean;
  /** Adapter id (shared/networks/registry.ts). */
  postbackFormat: string;
  postbackSecret: string;
  /** Adapter settings (IP allowlist, parameter names, template mapping, report URL). */
  options: Record<string, unknown>;
}

/**
 * A network's config with its report API credential, as report sync and reconciliation load it
 * from D1 (config-store.ts `loadNetworkReportConfig`). Never cached in KV. Holds secrets.
 */
export interface NetworkReportConfig extends NetworkConfig {
  /** The Admitad / impact.com / CJ report API token; null when none was configured. */
  reportApiToken: string | null;
}

/**
 * The settings an adapter gets for a network, with every credential the config carries.
 *
 * @example
 * adapter.parsePostback(request, networkSettingsOf(network))
 */
export function networkSettingsOf(network: NetworkConfig | NetworkReportConfig): NetworkSettings {
  return {
    networkId: network.networkId,
    postbackSecret: network.postbackSecret,
    options: network.options,
    reportApiToken: "reportApiToken" in network ? network.reportApiToken : null,
  };
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
