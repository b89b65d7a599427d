import { createRoute, z } from "@hono/zod-openapi";
import { PageQuerySchema, toIso, toIsoOrNull, UserIdParamSchema } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { walletOf } from "../../wallet-client";
// Straight to the modules, not claims/index: that pulls in the claim decision routes, whose
// conversions import reaches back into users (an import cycle at start-up).
import { claimView } from "../claims/routes";
import { ClaimSchema } from "../claims/schemas";
import {
  KycSchema,
  LedgerEntrySchema,
  TransactionSchema,
  UserSchema,
  WalletSchema,
} from "./schemas";
import { knownUser } from "./store";
import { ledgerPage, transactionsPage, walletBalances } from "./wallet-reads";

/**
 * What an operator reads about one user (the console's user page): the user with KYC and
 * wallet buckets, and from the user's wallet Durable Object the ledger, transactions, clicks,
 * claims. Payouts are `GET /admin/v1/payouts?userId=`, destinations (masked)
 * `GET /admin/v1/users/{id}/destinations` (payouts feature). E-mail and phone (sent on sign-up)
 * are sealed in the wallet and read masked, or revealed with a reason (admin-event-routes.ts); the display
 * name is the only personal field, and destinations are shown only masked.
 */

const security = ADMIN_SECURITY;
const tags = ["users"];
const request = { params: UserIdParamSchema };

const listOf = <T extends z.ZodType>(item: T) => jsonBody(z.object({ items: z.array(item) }));
const pageOf = <T extends z.ZodType>(item: T) =>
  jsonBody(z.object({ items: z.array(item), nextCursor: z.string().nullable() }));

const LimitQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });

const getUserRoute = createRoute({
  method: "get",
  path: "/users/{id}",
  operationId: "getAdminUser",
  tags,
  security,
  summary: "One user: registration, KYC status and wallet buckets per currency",
  description:
    "404 for a user Boomerang has not registered (users are registered on their first wallet " +
    "activity or by `PUT /admin/v1/users/{id}`).",
  request,
  responses: {
    200: jsonBody(
      UserSchema.extend({
        kyc: KycSchema.omit({ userId: true }),
        balances: WalletSchema.shape.balances,
      }).openapi("AdminUser"),
    ),
    ...problemResponses,
  },
});

const ledgerRoute = createRoute({
  method: "get",
  path: "/users/{id}/ledger",
  operationId: "listAdminUserLedger",
  tags,
  security,
  summary: "A user's ledger entries with balance-after, newest first (keyset-paginated)",
  request: { ...request, query: PageQuerySchema },
  responses: { 200: pageOf(LedgerEntrySchema), ...problemResponses },
});

const transactionsRoute = createRoute({
  method: "get",
  path: "/users/{id}/transactions",
  operationId: "listAdminUserTransactions",
  tags,
  security,
  summary: "A user's transactions as their wallet holds them, newest purchase first",
  request: { ...request, query: PageQuerySchema },
  responses: { 200: pageOf(TransactionSchema), ...problemResponses },
});

const clicksRoute = createRoute({
  method: "get",
  path: "/users/{id}/clicks",
  operationId: "listAdminUserClicks",
  tags,
  security,
  summary: "A user's most recent clicks (kept for the attribution window plus a week)",
  request: { ...request, query: LimitQuery },
  responses: {
    200: listOf(
      z.object({
        clickId: z.string(),
        offerId: z.string(),
        clickedAt: z.string(),
        currency: z.string(),
      }),
    ),
    ...problemResponses,
  },
});

const claimsRoute = createRoute({
  method: "get",
  path: "/users/{id}/claims",
  operationId: "listAdminUserClaims",
  tags,
  security,
  summary: "A user's missing-cashback claims, newest first",
  request: { ...request, query: LimitQuery },
  responses: { 200: listOf(ClaimSchema), ...problemResponses },
});

/** The user or a 404, before any wallet is woken: an unknown id never creates a wallet. */

/** Operator reads of one user and their wallet; mounted under `/admin/v1`. */
export const userReadAdminRoutes = featureApp()
  .openapi(getUserRoute, async (c) => {
    const { id } = c.req.valid("param");
    const user = await knownUser(c.env, id);
    return c.json(
      {
        id: user.id,
        displayName: user.displayName,
        createdAt: toIso(user.createdAtMs),
        kyc: { status: user.kycStatus, updatedAt: toIsoOrNull(user.kycUpdatedAtMs) },
        balances: await walletBalances(c.env, id),
      },
      200,
    );
  })
  .openapi(ledgerRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { cursor, limit } = c.req.valid("query");
    await knownUser(c.env, id);
    return c.json(await ledgerPage(c.env, id, cursor, limit), 200);
  })
  .openapi(transactionsRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { cursor, limit } = c.req.valid("query");
    await knownUser(c.env, id);
    return c.json(await transactionsPage(c.env, id, cursor, limit), 200);
  })
  .openapi(clicksRoute, async (c) => {
    const { id } = c.req.valid("param");
    await knownUser(c.env, id);
    const clicks = await walletOf(c.env, id).getClicks(c.req.valid("query").limit);
    const items = clicks.map((k) => ({
      clickId: k.clickId,
      offerId: k.offerId,
      clickedAt: toIso(k.clickedAtMs),
      currency: k.currency,
    }));
    return c.json({ items }, 200);
  })
  .openapi(claimsRoute, async (c) => {
    const { id } = c.req.valid("param");
    await knownUser(c.env, id);
    const claims = await walletOf(c.env, id).getClaims(c.req.valid("query").limit);
    return c.json({ items: claims.map(claimView) }, 200);
  });
