import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { fromBase64Url, toBase64Url, utf8, utf8Decoder } from "#shared/crypto/encoding";
import { AppError } from "#shared/http/errors";
import { MAX_LINK_SEGMENTS, signLinkToken } from "#shared/links/link-token";
import { headlineRateBps } from "#shared/money/cashback";
import type { ApiContext } from "../auth";
import { campaignsForOffer, listUnendedCampaigns } from "../features/campaigns/index";
import { listLiveOffers } from "../features/catalog/index";
import { jsonBody, problemResponses } from "../http/responses";
import {
  LedgerEntrySchema,
  PageQuerySchema,
  TransactionSchema,
  toIso,
  toIsoOrNull,
  UserOfferSchema,
  WalletSchema,
} from "../schemas";
import { walletOf } from "../wallet-client";

const security = [{ userJwt: [] }];
const tags = ["user"];

const offersRoute = createRoute({
  method: "get",
  path: "/v1/offers",
  tags,
  security,
  summary: "Active offers, each with the caller's personalised tracking link",
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
  responses: { 200: jsonBody(z.object({ items: z.array(UserOfferSchema) })), ...problemResponses },
});

const walletRoute = createRoute({
  method: "get",
  path: "/v1/me/wallet",
  tags,
  security,
  summary: "The caller's wallet buckets, per currency",
  responses: { 200: jsonBody(WalletSchema), ...problemResponses },
});

const ledgerRoute = createRoute({
  method: "get",
  path: "/v1/me/ledger",
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
  path: "/v1/me/transactions",
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

/** Cursors are opaque to clients: base64url of the keyset position. */
function encodeCursor(parts: Array<string | number>): string {
  return toBase64Url(utf8.encode(parts.join("|")));
}

const invalidCursor = () =>
  new AppError("validation_failed", "invalid cursor", [
    { path: "cursor", message: "not a cursor this API issued" },
  ]);

function decodeCursor(cursor: string | undefined, arity: number): string[] | null {
  if (cursor === undefined) return null;
  const bytes = fromBase64Url(cursor);
  let parts: string[] = [];
  try {
    parts = bytes ? utf8Decoder.decode(bytes).split("|") : [];
  } catch {
    parts = [];
  }
  if (parts.length !== arity || parts.some((p) => p.length === 0)) throw invalidCursor();
  return parts;
}

/** A numeric cursor part (a sequence or a time), or a 400 naming the cursor. */
function cursorInt(part: string): number {
  const value = Number(part);
  if (!Number.isSafeInteger(value)) throw invalidCursor();
  return value;
}

export function registerUserRoutes(app: OpenAPIHono<ApiContext>): void {
  app.openapi(offersRoute, async (c) => {
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
        const token = await signLinkToken(c.env.LINK_SIGNING_KEY, {
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
  });

  app.openapi(walletRoute, async (c) => {
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
  });

  app.openapi(ledgerRoute, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    const position = decodeCursor(cursor, 1);
    const beforeSeq = position ? cursorInt(position[0] as string) : null;
    // One extra row tells whether another page exists, so the last page never links to an empty one.
    const fetched = await walletOf(c.env, c.get("userId")).listLedger(beforeSeq, limit + 1);
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
  });

  app.openapi(transactionsRoute, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    const position = decodeCursor(cursor, 2);
    const after = position
      ? { convertedAtMs: cursorInt(position[0] as string), txnId: position[1] as string }
      : null;
    const fetched = await walletOf(c.env, c.get("userId")).listTransactions(after, limit + 1);
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
          confirmedAt: toIsoOrNull(t.confirmedAtMs),
        })),
        nextCursor: last ? encodeCursor([last.convertedAtMs, last.txnId]) : null,
      },
      200,
    );
  });
}
