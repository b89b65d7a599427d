import { z } from "zod";
import { ReportError } from "../core/report-error";
import { fetchJsonDocument } from "../core/report-http";
import type { NetworkSettings, OfferFeed, ReportFetch } from "../types";

/**
 * The generic offer feed: Boomerang's own wire format for a network's catalog, served by the
 * sandbox network and by any network (or operator-side bridge) that speaks it.
 *
 *   GET <options.feedUrl>
 *   authorization: Bearer <postbackSecret>
 *   → { "merchants": [{ "id", "name", "landing_url", "offers": [{ "id", "title", "currency",
 *        "default_rate_bps", "category_rates": { "<category>": <bps> }, "return_window_days",
 *        "active" }] }] }
 *
 * The whole feed is validated before anything is returned: a feed with one bad record is an
 * error, so a sync never applies half a catalog. Fields this version does not know are
 * ignored, so a network adding one does not stop the sync.
 */

/** Bounds: one feed is one D1 batch plan, so it must stay a bounded size. */
export const FEED_LIMITS = {
  /** Read as a stream and refused past this, never buffered whole. */
  maxBodyBytes: 8 * 1024 * 1024,
  maxMerchants: 1_000,
  maxOffersPerMerchant: 1_000,
  maxOffersTotal: 5_000,
  /** A feed that has not answered by then is a failure (the breaker counts it). */
  timeoutMs: 30_000,
} as const;

const RateBps = z.number().int().min(0).max(10_000).describe("rate in basis points");
const FeedId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, "ids are printable ASCII without spaces");

const GenericFeedOfferSchema = z.object({
  id: FeedId,
  title: z.string().trim().min(1).max(200),
  currency: z.string().regex(/^[A-Z]{3}$/, "currency must be a 3-letter ISO 4217 code"),
  default_rate_bps: RateBps,
  category_rates: z.record(z.string().min(1).max(64), RateBps).default({}),
  return_window_days: z.number().int().min(0).max(365),
  active: z.boolean().default(true),
});

const GenericFeedMerchantSchema = z.object({
  id: FeedId,
  name: z.string().trim().min(1).max(200),
  landing_url: z.url({ protocol: /^https?$/ }).max(2_000),
  offers: z.array(GenericFeedOfferSchema).max(FEED_LIMITS.maxOffersPerMerchant),
});

export const GenericFeedSchema = z
  .object({ merchants: z.array(GenericFeedMerchantSchema).max(FEED_LIMITS.maxMerchants) })
  .superRefine((feed, ctx) => {
    // A duplicate id makes "which record is it" ambiguous: refuse rather than pick one.
    const merchantIds = new Set<string>();
    let total = 0;
    feed.merchants.forEach((merchant, i) => {
      if (merchantIds.has(merchant.id)) {
        ctx.addIssue({ code: "custom", path: ["merchants", i, "id"], message: "duplicate id" });
      }
      merchantIds.add(merchant.id);
      const offerIds = new Set<string>();
      merchant.offers.forEach((offer, j) => {
        if (offerIds.has(offer.id)) {
          ctx.addIssue({
            code: "custom",
            path: ["merchants", i, "offers", j, "id"],
            message: "duplicate offer id within the merchant",
          });
        }
        offerIds.add(offer.id);
      });
      total += merchant.offers.length;
    });
    if (total > FEED_LIMITS.maxOffersTotal) {
      ctx.addIssue({
        code: "custom",
        path: ["merchants"],
        message: `more than ${FEED_LIMITS.maxOffersTotal} offers in one feed`,
      });
    }
  });

export const FeedOptionsSchema = z.object({
  feedUrl: z
    .url({ protocol: /^https?$/ })
    .max(2_048)
    .optional()
    .describe(
      "the network's offer feed (https outside development: it gets the secret); without it no merchant sync",
    ),
});

/**
 * The network's feed URL, null when it has none (no merchant sync), or a `misconfigured`
 * `ReportError` when the option is there but is not an http(s) URL.
 *
 * @example
 * feedUrlOf({ feedUrl: "https://net.example/feed" }) // "https://net.example/feed"
 * feedUrlOf({}) // null
 */
export function feedUrlOf(options: Record<string, unknown>): string | null {
  const parsed = FeedOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    throw new ReportError("misconfigured", "options.feedUrl must be an http(s) URL");
  }
  return parsed.data.feedUrl ?? null;
}

/**
 * Fetches and validates a generic feed. Throws `ReportError`: `unavailable` (transient) for
 * a request that failed, timed out, or answered 408/429/5xx; `auth` for 401/403; `http` for
 * another status; `malformed` for a body that is not a valid feed; `misconfigured` when the
 * network has no usable `feedUrl` or secret.
 *
 * @example
 * const feed = await fetchGenericOfferFeed((r) => fetch(r), settings);
 */
export async function fetchGenericOfferFeed(
  fetcher: ReportFetch,
  settings: NetworkSettings,
): Promise<OfferFeed> {
  const feedUrl = feedUrlOf(settings.options);
  if (feedUrl === null) throw new ReportError("misconfigured", "the network has no feedUrl");
  if (settings.postbackSecret.length === 0) {
    throw new ReportError("misconfigured", "the network has no secret to authenticate with");
  }
  const request = new Request(feedUrl, {
    method: "GET",
    headers: { authorization: `Bearer ${settings.postbackSecret}`, accept: "application/json" },
  });

  const json = await fetchJsonDocument(fetcher, request, {
    network: "the network",
    kind: "feed",
    body: "feed",
    maxBytes: FEED_LIMITS.maxBodyBytes,
    timeoutMs: FEED_LIMITS.timeoutMs,
  });
  return parseGenericOfferFeed(json);
}

/**
 * Validates a generic feed body and normalises it. Throws a `malformed` `ReportError` naming
 * the first bad field.
 *
 * @example
 * parseGenericOfferFeed({ merchants: [] }) // { merchants: [] }
 */
export function parseGenericOfferFeed(json: unknown): OfferFeed {
  const parsed = GenericFeedSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.map(String).join(".") || "(feed)" : "(feed)";
    throw new ReportError("malformed", `invalid feed at ${where}: ${issue?.message ?? "invalid"}`);
  }
  return {
    merchants: parsed.data.merchants.map((m) => ({
      id: m.id,
      name: m.name,
      landingUrl: m.landing_url,
      offers: m.offers.map((o) => ({
        id: o.id,
        title: o.title,
        currency: o.currency,
        terms: {
          basis: "sale" as const,
          defaultRateBps: o.default_rate_bps,
          categoryRates: o.category_rates,
        },
        returnWindowDays: o.return_window_days,
        active: o.active,
      })),
    })),
  };
}
