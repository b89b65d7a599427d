import { createRoute, z } from "@hono/zod-openapi";
import { linkKeyRing } from "#shared/links/link-keys";
import { MAX_LINK_SEGMENTS, signLinkToken } from "#shared/links/link-token";
import { headlineRateBps } from "#shared/money/cashback";
import { DEFAULT_PAGE_ROWS, MAX_PAGE_ROWS } from "#shared/paging";
import { PageQuerySchema, toIso, toIsoOrNull } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { jsonBody, problemResponses, USER_SECURITY } from "../../http/responses";
import { campaignsForOffer, listUnendedCampaigns } from "../campaigns/index";
import { listLiveOffers } from "../catalog/index";
import { LedgerEntrySchema, TransactionSchema, UserOfferSchema, WalletSchema } from "./schemas";
import { ledgerPage, transactionsPage, walletBalances } from "./wallet-reads";

const security = USER_SECURITY;
const tags = ["users"];

const offersRoute = createRoute({
  method: "get",
  path: "/offers",
  operationId: "listOffers",
  tags,
  security,
  summary: "Active offers, each with the caller's personalised tracking link",
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(MAX_PAGE_ROWS).default(DEFAULT_PAGE_ROWS),
    }),
  },
  responses: { 200: jsonBody(z.object({ items: z.array(UserOfferSchema) })), ...problemResponses },
});

const walletRoute = createRoute({
  method: "get",
  path: "/me/wallet",
  operationId: "getWallet",
  tags,
  security,
  summary: "The caller's wallet buckets, per currency",
  responses: { 200: jsonBody(WalletSchema), ...problemResponses },
});

const ledgerRoute = createRoute({
  method: "get",
  path: "/me/ledger",
  operationId: "listLedgerEntries",
  tags,
  security,
  summary: "The caller's ledger entries, newest first (keyset-paginated)",
  request: { query: PageQuerySchema },
  responses: {
    200: jsonBody(
      z.object({ items: z.array(LedgerEntrySchema), nextCursor: z.string().nullable() }),
    ),
    ...problemResponses,
  },
});

const transactionsRoute = createRoute({
  method: "get",
  path: "/me/transactions",
  operationId: "listTransactions",
  tags,
  security,
  summary: "The caller's cashback transactions with status and expected confirmation date",
  request: { query: PageQuerySchema },
  responses: {
    200: jsonBody(
      z.object({ items: z.array(TransactionSchema), nextCursor: z.string().nullable() }),
    ),
    ...problemResponses,
  },
});

/** The user API: offers with tracking links, wallet, ledger, transactions; mounted under `/v1`. */
export const userMeRoutes = featureApp()
  .openapi(offersRoute, async (c) => {
    const nowMs = Date.now();
    const userId = c.get("userId");
    const ttlSec = Number(c.env.LINK_TTL_SEC) || 86_400;
    const expiresAtSec = Math.floor(nowMs / 1000) + ttlSec;
    const userSegments = c.get("segments");
    const [rows, campaigns] = await Promise.all([
      listLiveOffers(c.env, nowMs, c.req.valid("query").limit),
      listUnendedCampaigns(c.env, nowMs),
    ]);
    const base = c.env.REDIRECT_BASE_URL.replace(/\/+$/, "");
    const items = await Promise.all(
      rows.map(async ({ offer, merchant }) => {
        const offerCampaigns = campaignsForOffer(campaigns, offer);
        // The link carries only the user's segments that a campaign on this offer targets
        // (including one that starts before the link expires): the redirect, which never
        // sees the user's token, decides with them which boosts the click freezes.
        const segments = [
          ...new Set(
            offerCampaigns
              .map((campaign) => campaign.userSegment)
              .filter((s): s is string => s !== null && userSegments.includes(s)),
          ),
        ]
          .sort()
          .slice(0, MAX_LINK_SEGMENTS);
        const token = await signLinkToken(linkKeyRing(c.env).current.key, {
          userId,
          offerId: offer.id,
          expiresAtSec,
          segments,
        });
        return {
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
          trackingUrl: `${base}/c/${token}`,
          trackingUrlExpiresAt: toIso(expiresAtSec * 1000),
          boosts: offerCampaigns
            .filter(
              (campaign) =>
                (campaign.startsAtMs === null || campaign.startsAtMs <= nowMs) &&
                (campaign.userSegment === null || segments.includes(campaign.userSegment)),
            )
            .map((campaign) => ({
              campaignId: campaign.id,
              name: campaign.name,
              boostRateBps: campaign.boostRateBps,
              category: campaign.category,
              endsAt: toIsoOrNull(campaign.endsAtMs),
            })),
        };
      }),
    );
    return c.json({ items }, 200);
  })
  .openapi(walletRoute, async (c) => {
    const userId = c.get("userId");
    return c.json({ userId, balances: await walletBalances(c.env, userId) }, 200);
  })
  .openapi(ledgerRoute, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    return c.json(await ledgerPage(c.env, c.get("userId"), cursor, limit), 200);
  })
  .openapi(transactionsRoute, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    return c.json(await transactionsPage(c.env, c.get("userId"), cursor, limit), 200);
  });
