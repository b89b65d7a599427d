import { createRoute, z } from "@hono/zod-openapi";
import { DEFAULT_PAGE_ROWS, MAX_PAGE_ROWS } from "#shared/paging";
import { PageQuerySchema } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { jsonBody, problemResponses, USER_SECURITY } from "../../http/responses";
import { walletOf } from "../../wallet-client";
import { listUnendedCampaigns } from "../campaigns/index";
import { listLiveOffers } from "../catalog/index";
import { offerCards } from "./offer-cards";
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
    const [rows, campaigns] = await Promise.all([
      listLiveOffers(c.env, nowMs, c.req.valid("query").limit),
      listUnendedCampaigns(c.env, nowMs),
    ]);
    const userId = c.get("userId");
    // A user's segments are the token's and the operator's (PUT /admin/v1/users/{id}/segments),
    // so a campaign rule's `user.segments` reads what every other rule reads. The wallet is
    // asked only when some campaign targets a segment.
    const operatorSegments = campaigns.some((campaign) => campaign.userSegment !== null)
      ? await walletOf(c.env, userId).getSegments()
      : [];
    const viewer = { userId, segments: [...new Set([...c.get("segments"), ...operatorSegments])] };
    const cards = await offerCards(c.env, viewer, rows, campaigns, nowMs);
    const items = cards.map(({ card, link }) => {
      if (!link) throw new Error("a signed-in caller's card has a link");
      const { boosts, ...rest } = card;
      return { ...rest, ...link, boosts };
    });
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
