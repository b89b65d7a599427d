import { campaignBoosts } from "#shared/campaigns/click-boosts";
import type { ApiEnv } from "#shared/env";
import { linkKeyRing } from "#shared/links/link-keys";
import { MAX_LINK_SEGMENTS, signLinkToken } from "#shared/links/link-token";
import { headlineRateBps } from "#shared/money/cashback";
import { toIso, toIsoOrNull } from "../../http/common-schemas";
import { type CampaignRow, campaignsForOffer } from "../campaigns/index";
import type { listLiveOffers } from "../catalog/index";

/**
 * An offer as users see it (GET /v1/offers, the public catalog): its terms, the campaign boosts
 * live for the caller, and, for a signed-in caller, their personalised tracking link. One
 * builder, so both lists show an offer the same way.
 */

type LiveOffer = Awaited<ReturnType<typeof listLiveOffers>>[number];

/** Who the card is for: a signed-in user (their id and token segments), or nobody (null). */
export type CardViewer = { userId: string; segments: readonly string[] } | null;

/**
 * @example
 * const cards = await offerCards(c.env, { userId, segments }, rows, campaigns, Date.now());
 */
export async function offerCards(
  env: ApiEnv,
  viewer: CardViewer,
  rows: readonly LiveOffer[],
  campaigns: readonly CampaignRow[],
  nowMs: number,
) {
  const ttlSec = Number(env.LINK_TTL_SEC) || 86_400;
  const expiresAtSec = Math.floor(nowMs / 1000) + ttlSec;
  const base = env.REDIRECT_BASE_URL.replace(/\/+$/, "");
  return Promise.all(
    rows.map(async ({ offer, merchant }) => {
      const offerCampaigns = campaignsForOffer(campaigns, offer);
      // The link carries only the user's segments that a campaign on this offer targets
      // (including one that starts before the link expires): the redirect, which never
      // sees the user's token, decides with them which boosts the click freezes.
      const segments = viewer
        ? [
            ...new Set(
              offerCampaigns
                .map((campaign) => campaign.userSegment)
                .filter((s): s is string => s !== null && viewer.segments.includes(s)),
            ),
          ]
            .sort()
            .slice(0, MAX_LINK_SEGMENTS)
        : [];
      const link = viewer
        ? {
            trackingUrl: `${base}/c/${await signLinkToken(linkKeyRing(env).current.key, {
              userId: viewer.userId,
              offerId: offer.id,
              expiresAtSec,
              segments,
            })}`,
            trackingUrlExpiresAt: toIso(expiresAtSec * 1000),
          }
        : null;
      return {
        card: {
          id: offer.id,
          merchantId: merchant.id,
          merchantName: merchant.name,
          title: offer.title,
          description: offer.description,
          currency: offer.currency,
          cashback: offer.cashbackTerms,
          headlineRateBps: headlineRateBps(offer.cashbackTerms),
          returnWindowDays: offer.returnWindowDays,
          endsAt: toIsoOrNull(offer.endsAtMs),
          // What a click now would freeze, decided by the campaigns' rules as the redirect does.
          boosts: liveCampaigns(offerCampaigns, offer, viewer, segments, nowMs).map((campaign) => ({
            campaignId: campaign.id,
            name: campaign.name,
            boostRateBps: campaign.boostRateBps,
            category: campaign.category,
            endsAt: toIsoOrNull(campaign.endsAtMs),
          })),
        },
        link,
      };
    }),
  );
}

/** The offer's campaigns whose rules apply to a click by this viewer now. */
function liveCampaigns(
  offerCampaigns: readonly CampaignRow[],
  offer: { id: string; merchantId: string; currency: string },
  viewer: CardViewer,
  segments: readonly string[],
  nowMs: number,
): CampaignRow[] {
  const terms = offerCampaigns.map((campaign) => ({ ...campaign, campaignId: campaign.id }));
  const live = new Set(
    campaignBoosts(terms, {
      clickId: "",
      userId: viewer?.userId ?? "",
      offerId: offer.id,
      merchantId: offer.merchantId,
      currency: offer.currency,
      segments,
      atMs: nowMs,
    }).map((boost) => boost.campaignId),
  );
  return offerCampaigns.filter((campaign) => live.has(campaign.id));
}
