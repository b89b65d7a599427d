import { createRoute, z } from "@hono/zod-openapi";
import type { DbRouterEnv } from "#shared/db/router";
import { AppError } from "#shared/http/errors";
import { transactionIdFor, USER_ID_PATTERN } from "#shared/ids";
import { MAX_PAGE_ROWS, rowsToFetch } from "#shared/paging";
import { toIso, toIsoOrNull } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import {
  ADMIN_SECURITY,
  CONFLICT_RESPONSE,
  jsonBody,
  problemResponses,
} from "../../http/responses";
import { type StoredClaim, walletOf } from "../../wallet-client";
import { claimOrder } from "../conversions/index";
import { decodeClaimCursor, encodeClaimCursor } from "./cursor";
import { AdminClaimSchema, ClaimDecisionInputSchema } from "./schemas";
import { claimOwnerOf, claimsByStatus } from "./store";

const security = ADMIN_SECURITY;
const tags = ["claims"];
const CLAIM_STATUSES = ["open", "matched", "review", "approved", "rejected"] as const;

const ClaimIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_-]+$/, "a claim id")
    .openapi({ param: { name: "id", in: "path" } }),
});

const listRoute = createRoute({
  method: "get",
  path: "/claims",
  operationId: "listAdminClaims",
  tags,
  security,
  summary: "Claims by status (review: the queue waiting for an operator), oldest first",
  request: {
    query: z.object({
      status: z.enum(CLAIM_STATUSES).default("review"),
      userId: z.string().regex(USER_ID_PATTERN).optional(),
      from: z.iso.datetime({ offset: true }).optional().describe("filed at or after"),
      to: z.iso.datetime({ offset: true }).optional().describe("filed before"),
      limit: z.coerce.number().int().min(1).max(MAX_PAGE_ROWS).default(50),
      cursor: z.string().max(200).optional(),
    }),
  },
  responses: {
    200: jsonBody(
      z.object({ items: z.array(AdminClaimSchema), nextCursor: z.string().nullable() }),
    ),
    ...problemResponses,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/claims/{id}",
  operationId: "getAdminClaim",
  tags,
  security,
  summary: "One claim as the user's wallet holds it, with any operator decision",
  request: { params: ClaimIdParam },
  responses: { 200: jsonBody(AdminClaimSchema), ...problemResponses },
});

const decisionRoute = (action: "approve" | "reject", summary: string) =>
  createRoute({
    method: "post",
    path: `/claims/{id}/${action}`,
    // The house verbs (docs/api.md): a rejection is a decision created on the claim.
    operationId: action === "approve" ? "approveClaim" : "createClaimRejection",
    tags,
    security,
    summary,
    request: {
      params: ClaimIdParam,
      body: {
        required: true,
        content: { "application/json": { schema: ClaimDecisionInputSchema } },
      },
    },
    responses: {
      200: jsonBody(AdminClaimSchema, "decided (or already decided the same way)"),
      ...CONFLICT_RESPONSE,
      ...problemResponses,
    },
  });

type ClaimRow = Awaited<ReturnType<typeof claimsByStatus>>[number];

const rowView = (r: ClaimRow) => ({
  id: r.id,
  userId: r.userId,
  clickId: r.clickId,
  offerId: r.offerId,
  networkId: r.networkId,
  orderId: r.orderId,
  amountMinor: r.amountMinor,
  currency: r.currency,
  status: r.status,
  transactionId: r.transactionId,
  purchasedAt: toIso(r.purchasedAtMs),
  createdAt: toIso(r.createdAtMs),
  decisionReason: r.decisionReason,
  decidedBy: r.decidedBy,
  decidedAt: toIsoOrNull(r.decidedAtMs),
});

const walletView = (userId: string, c: StoredClaim) => ({
  id: c.claimId,
  userId,
  clickId: c.clickId,
  offerId: c.offerId,
  networkId: c.networkId,
  orderId: c.orderId,
  amountMinor: c.amountMinor,
  currency: c.currency,
  status: c.status,
  transactionId: c.txnId,
  purchasedAt: toIso(c.purchasedAtMs),
  createdAt: toIso(c.createdAtMs),
  decisionReason: c.decisionReason ?? null,
  decidedBy: c.decidedBy ?? null,
  decidedAt: toIsoOrNull(c.decidedAtMs ?? null),
});

async function ownerOf(env: DbRouterEnv, claimId: string): Promise<string> {
  const userId = await claimOwnerOf(env, claimId);
  if (!userId) throw new AppError("not_found", "no such claim");
  return userId;
}

/** The operator's review queue and decisions; mounted under `/admin/v1`. */
export const claimAdminRoutes = featureApp()
  .openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    const rows = await claimsByStatus(
      c.env,
      {
        status: q.status,
        userId: q.userId,
        fromMs: q.from ? Date.parse(q.from) : undefined,
        toMs: q.to ? Date.parse(q.to) : undefined,
      },
      decodeClaimCursor(q.cursor),
      rowsToFetch(q.limit, MAX_PAGE_ROWS),
    );
    const items = rows.slice(0, q.limit);
    const last = items.at(-1);
    return c.json(
      {
        items: items.map(rowView),
        nextCursor:
          rows.length > q.limit && last
            ? encodeClaimCursor({ createdAtMs: last.createdAtMs, claimId: last.id })
            : null,
      },
      200,
    );
  })
  .openapi(getRoute, async (c) => {
    const { id } = c.req.valid("param");
    const userId = await ownerOf(c.env, id);
    const claim = await walletOf(c.env, userId).getClaim(id);
    if (!claim) throw new AppError("not_found", "no such claim");
    return c.json(walletView(userId, claim), 200);
  });

const decisions: Array<["approve" | "reject", string]> = [
  [
    "approve",
    "Approve a claim (support): the order is recorded as a pending transaction, priced from the click, that confirms through the normal flow; no money moves on the decision itself",
  ],
  ["reject", "Reject a claim (support) with the reason the user is owed"],
];
for (const [action, summary] of decisions) {
  claimAdminRoutes.openapi(decisionRoute(action, summary), async (c) => {
    const { id } = c.req.valid("param");
    const { reason, commissionMinor } = c.req.valid("json");
    const userId = await ownerOf(c.env, id);
    const wallet = walletOf(c.env, userId);
    const current = await wallet.getClaim(id);
    if (!current) throw new AppError("not_found", "no such claim");
    const txnId = await transactionIdFor(current.networkId, current.orderId);
    if (action === "approve" && current.status !== "approved") {
      // The first user to claim a (network, order) keeps it, as for postbacks (one writer
      // across wallets); a claim cannot take another user's order.
      const owner = await claimOrder(c.env.DB, {
        networkId: current.networkId,
        orderId: current.orderId,
        userId,
        clickId: current.clickId,
        nowMs: Date.now(),
      });
      if (owner !== userId) {
        throw new AppError("conflict", "another user's transaction already holds this order");
      }
    }
    const result = await wallet.decideClaim(id, {
      outcome: action === "approve" ? "approved" : "rejected",
      reason,
      decidedBy: c.get("admin").name,
      txnId,
      commissionMinor: commissionMinor ?? 0,
    });
    if (result.status === "not_found") throw new AppError("not_found", "no such claim");
    if (result.status === "not_allowed") throw new AppError("conflict", result.detail);
    return c.json(walletView(userId, result.claim), 200);
  });
}
