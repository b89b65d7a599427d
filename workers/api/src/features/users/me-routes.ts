import { createRoute, z } from "@hono/zod-openapi";
import { DEFAULT_PAGE_ROWS, MAX_PAGE_ROWS, rowsToFetch } from "#shared/paging";
import { PageQuerySchema, toIso, toIsoOrNull } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { jsonBody, problemResponses, USER_SECURITY } from "../../http/responses";
import { awaitsNetworkApproval, walletOf } from "../../wallet-client";
import { listUnendedCampaigns } from "../campaigns/index";
import { listLiveOffers } from "../catalog/index";
import { cursorInt, decodeCursor, encodeCursor } from "./cursor";
import { offerCards } from "./offer-cards";
import { LedgerEntrySchema, TransactionSchema, UserOfferSchema, WalletSchema } from "./schemas";

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
    const viewer = { userId: c.get("userId"), segments: c.get("segments") };
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
    const rows = await walletOf(c.env, userId).getBalances();
    const byCurrency = new Map<string, Record<string, number>>();
    for (const row of rows) {
      const buckets = byCurrency.get(row.currency) ?? {};
      buckets[row.bucket] = row.balanceMinor;
      byCurrency.set(row.currency, buckets);
    }
    const balances = [...byCurrency].map(([currency, buckets]) => ({
      currency,
      pendingMinor: buckets.pending ?? 0,
      confirmedMinor: buckets.confirmed ?? 0,
      buckets,
    }));
    return c.json({ userId, balances }, 200);
  })
  .openapi(ledgerRoute, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    const position = decodeCursor(cursor, 1);
    const beforeSeq = position ? cursorInt(position[0] as string) : null;
    // One extra row tells whether another page exists, so the last page never links to an empty one.
    const fetched = await walletOf(c.env, c.get("userId")).listLedger(
      beforeSeq,
      rowsToFetch(limit),
    );
    const entries = fetched.slice(0, limit);
    const last = fetched.length > limit ? entries.at(-1) : undefined;
    return c.json(
      {
        items: entries.map((e) => ({
          seq: e.seq,
          bucket: e.bucket,
          currency: e.currency,
          amountMinor: e.amountMinor,
          balanceAfterMinor: e.balanceAfterMinor,
          kind: e.kind,
          transactionId: e.txnId,
          idempotencyKey: e.idempotencyKey,
          createdAt: toIso(e.createdAtMs),
        })),
        nextCursor: last ? encodeCursor([last.seq]) : null,
      },
      200,
    );
  })
  .openapi(transactionsRoute, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    const position = decodeCursor(cursor, 2);
    const after = position
      ? { convertedAtMs: cursorInt(position[0] as string), txnId: position[1] as string }
      : null;
    const fetched = await walletOf(c.env, c.get("userId")).listTransactions(
      after,
      rowsToFetch(limit),
    );
    const txns = fetched.slice(0, limit);
    const last = fetched.length > limit ? txns.at(-1) : undefined;
    return c.json(
      {
        items: txns.map((t) => ({
          id: t.txnId,
          networkId: t.networkId,
          orderId: t.orderId,
          offerId: t.offerId,
          status: t.status,
          rejectReason: t.rejectReason,
          currency: t.currency,
          saleAmountMinor: t.saleAmountMinor,
          cashbackMinor: t.cashbackMinor,
          rateBps: t.rateBps,
          boostMinor: t.grantedBoostMinor,
          boostRequestedMinor: t.desiredBoostMinor,
          clickedAt: toIsoOrNull(t.clickedAtMs),
          purchasedAt: toIso(t.convertedAtMs),
          expectedConfirmationAt:
            t.status === "pending" ? toIsoOrNull(t.expectedConfirmAtMs) : null,
          awaitingNetworkApproval: awaitsNetworkApproval(t),
          confirmedAt: toIsoOrNull(t.confirmedAtMs),
        })),
        nextCursor: last ? encodeCursor([last.convertedAtMs, last.txnId]) : null,
      },
      200,
    );
  });
