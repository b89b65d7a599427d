/**
 * The contract between affiliate networks and the rest of Boomerang. Every network format
 * (generic signed JSON, Admitad, Impact, CJ, an operator-defined template) is turned into
 * `NormalizedConversion`s by an adapter; nothing downstream knows which network spoke.
 */

export type ConversionStatus = "pending" | "approved" | "cancelled";

export interface LineItem {
  /** The merchant's product id, when the network reports it. */
  sku: string | null;
  category: string | null;
  /** Line total (price × quantity, after discounts), in minor units. */
  amountMinor: number;
  /** The network's commission for this line, when it reports one, in minor units. */
  commissionMinor: number | null;
  quantity: number;
}

export interface NormalizedConversion {
  /** The network's order id; with the network id, the idempotency key of a transaction. */
  orderId: string;
  /** The sub-ID Boomerang put on the tracking link; null when the network did not echo it. */
  subId: string | null;
  status: ConversionStatus;
  currency: string;
  /** Current order value in minor units (after any partial refund). */
  saleAmountMinor: number;
  /** Current commission in minor units. */
  commissionMinor: number;
  /** Line items when the network reports them; null means one line of `category`. */
  lineItems: LineItem[] | null;
  category: string | null;
  /** When the order was placed. */
  occurredAtMs: number;
  /**
   * When the network last changed this conversion (status or amounts). Updates are applied
   * newest-wins on this time, so arrival order does not matter; null means "unknown", and
   * the receipt time is used.
   */
  updatedAtMs: number | null;
  /**
   * The network's own reference for the advertiser, campaign or offer the sale was made at,
   * as the network reports it (Admitad `advcampaign_id` / `offer_id`, impact.com `CampaignId`,
   * CJ `advertiserId` / `cid`, the generic `network_offer_ref`, a template's mapped field).
   * Compared with the clicked offer's `networkOfferRef`, so a sub-ID carried to another
   * advertiser is not paid at the clicked offer's rate. Absent (or null) when the format or
   * this postback does not say: the comparison is then skipped.
   */
  networkOfferRef?: string | null;
}

/** What a postback looked like on the wire, as the postback worker saw it. */
export interface PostbackRequest {
  method: "GET" | "POST";
  /** Full URL including the query string (several networks post back with GET parameters). */
  url: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  rawBody: string;
  sourceIp: string | null;
  receivedAtMs: number;
}

/** A network's stored configuration, as adapters see it. Holds a secret: never log it. */
export interface NetworkSettings {
  networkId: string;
  /** Shared secret or API token used to authenticate postbacks. */
  postbackSecret: string;
  /** Adapter-specific settings (IP allowlists, parameter names, field mappings, report URLs). */
  options: Record<string, unknown>;
  /**
   * The credential for the network's report API when it is not `postbackSecret` (Impact's
   * Auth Token, CJ's personal access token, an Admitad access token). Optional: the generic
   * format uses `postbackSecret` for both. A secret, like `postbackSecret`: kept out of
   * `options` so listing a network's options never shows it.
   */
  reportApiToken?: string | null;
}

/** Where a network's postbacks carry credentials (see `NetworkAdapter.credentialParams`). */
export interface CredentialParams {
  /** Query-string or form parameter names. */
  params: readonly string[];
  /** Lower-case header names. */
  headers: readonly string[];
  /** Whether `params` match regardless of case, as the adapter reads them. */
  caseInsensitive: boolean;
}

export type PostbackParse =
  | { ok: true; conversions: NormalizedConversion[] }
  | { ok: false; kind: "auth"; reason: string }
  | {
      ok: false;
      kind: "malformed";
      reason: string;
      fields?: Array<{ path: string; message: string }>;
    };

export interface ReportRange {
  fromMs: number;
  toMs: number;
}

export interface ReportPage {
  conversions: NormalizedConversion[];
  /** Opaque; null when this was the last page. */
  nextCursor: string | null;
  /**
   * Records on this page that could not be normalised (a bad amount, an unknown status), so
   * reconciliation can show them instead of silently dropping them. Optional: absent means
   * none. One bad record never fails the whole page, or a sync would stall on it forever.
   */
  rejected?: ReportRejection[];
}

/** One report record an adapter could not normalise. */
export interface ReportRejection {
  /** Position of the record in the network's page. */
  index: number;
  /** The record's order id when it could be read, to find it at the network. */
  orderId: string | null;
  reason: string;
  fields?: Array<{ path: string; message: string }>;
}

/** A fetch the adapter may use for report APIs; injected so tests and the sandbox can serve it. */
export type ReportFetch = (request: Request) => Promise<Response>;

/**
 * A network's catalog as merchant sync reads it: every merchant the network serves with its
 * offers, normalised to Boomerang's shapes. Ids are the network's own; the sync namespaces
 * them per network.
 */
export interface OfferFeed {
  merchants: OfferFeedMerchant[];
}

export interface OfferFeedMerchant {
  /** The network's merchant (advertiser) id. */
  id: string;
  name: string;
  landingUrl: string;
  offers: OfferFeedOffer[];
}

export interface OfferFeedOffer {
  /** The network's offer (campaign) id; becomes the offer's `networkOfferRef`. */
  id: string;
  title: string;
  currency: string;
  /** Cashback terms in Boomerang's shape; feeds carry rates on the sale amount. */
  terms: {
    basis: "sale" | "commission";
    defaultRateBps: number;
    categoryRates: Record<string, number>;
  };
  returnWindowDays: number;
  active: boolean;
}

export interface NetworkAdapter {
  /** Stable id stored on the network record (`postbackFormat`). */
  readonly format: string;
  /** Fills the network's tracking template for one click. */
  buildTrackingUrl(
    template: string,
    values: { subId: string; clickId: string; landingUrl: string; networkOfferRef: string },
    settings: NetworkSettings,
  ): string;
  /** Authenticates and parses a postback. Never throws: every failure is a value. */
  parsePostback(request: PostbackRequest, settings: NetworkSettings): Promise<PostbackParse>;
  /**
   * The request parameters and headers that carry a credential (a shared token), which the
   * postback worker redacts before it stores the request. Optional: absent means none (the
   * generic format authenticates by a signature, which proves nothing once stored).
   */
  credentialParams?(settings: NetworkSettings): CredentialParams;
  /**
   * Fetches one page of the network's conversions report for a date range. Throws a
   * `ReportError` (report-error.ts) when the page cannot be had: its `transient` flag says
   * whether retrying later can help.
   */
  fetchReportPage(
    fetcher: ReportFetch,
    settings: NetworkSettings,
    range: ReportRange,
    cursor: string | null,
  ): Promise<ReportPage>;
  /**
   * Fetches the network's whole offer feed (merchant sync). Optional: a network whose adapter
   * has none is read in the generic feed format (shared/networks/feeds/generic-feed.ts) when
   * its options name a `feedUrl`. Throws a `ReportError` when the feed cannot be had or does
   * not validate: a bad feed fails the sync, it is never applied in part.
   */
  fetchOfferFeed?(fetcher: ReportFetch, settings: NetworkSettings): Promise<OfferFeed>;
}
