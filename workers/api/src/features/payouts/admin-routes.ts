import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { USER_ID_PATTERN } from "#shared/ids";
import { CurrencySchema } from "#shared/money/currency";
import { MAX_PAGE_ROWS, rowsToFetch } from "#shared/paging";
import { PAYOUT_STATUSES } from "#shared/payouts/types";
import type { ApiContext } from "../../auth";
import { toIso, toIsoOrNull } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import {
  ADMIN_SECURITY,
  jsonBody,
  problem,
  problemResponses,
  UNAVAILABLE_RESPONSE,
} from "../../http/responses";
import { type AdminPayoutAction, walletOf } from "../../wallet-client";
import { AdminPayoutSchema, PayoutActionInputSchema, PayoutIdParam } from "./admin-schemas";
import { decodePayoutCursor, encodePayoutCursor } from "./cursor";
import { payoutProcessorFor, processorViewOf } from "./processor-client";
import { listAdminPayouts, type PayoutRow, payoutOwnerOf } from "./store";
import { payoutView } from "./views";

const security = ADMIN_SECURITY;
const tags = ["payouts"];

const listRoute = createRoute({
  method: "get",
  path: "/payouts",
  operationId: "listAdminPayouts",
  tags,
  security,
  summary:
    "Payouts, newest first, filtered by status, user and creation time (from the projection, seconds behind the wallets)",
  request: {
    query: z.object({
      status: z.enum(PAYOUT_STATUSES).optional(),
      userId: z.string().regex(USER_ID_PATTERN).optional(),
      currency: CurrencySchema.optional(),
      attention: z
        .enum(["true", "false"])
        .optional()
        .describe("true: only payouts flagged for attention"),
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
      limit: z.coerce.number().int().min(1).max(MAX_PAGE_ROWS).default(50),
      cursor: z.string().max(200).optional(),
    }),
  },
  responses: {
    200: jsonBody(
      z.object({ items: z.array(AdminPayoutSchema), nextCursor: z.string().nullable() }),
    ),
    ...problemResponses,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/payouts/{id}",
  operationId: "getAdminPayout",
  tags,
  security,
  summary: "One payout as its wallet holds it, with its history",
  request: { params: PayoutIdParam },
  responses: {
    200: jsonBody(
      z.object({
        userId: z.string(),
        payout: z.object({}).passthrough(),
        attempts: z.number().int(),
        attention: z.string().nullable().describe("a processor event contradicted a final state"),
        lastError: z.string().nullable(),
        processorRef: z.string().nullable(),
        log: z.array(
          z.object({ event: z.string(), detail: z.string().nullable(), at: z.string() }),
        ),
      }),
    ),
    ...problemResponses,
  },
});

const actionRoute = (action: AdminPayoutAction, summary: string) =>
  createRoute({
    method: "post",
    path: `/payouts/{id}/${action}`,
    operationId: `${action}Payout`,
    tags,
    security,
    summary,
    request: {
      params: PayoutIdParam,
      body: {
        required: false,
        content: { "application/json": { schema: PayoutActionInputSchema } },
      },
    },
    responses: {
      200: jsonBody(z.object({ payout: z.object({}).passthrough() })),
      409: problem("not allowed in the payout's state"),
      ...problemResponses,
      ...UNAVAILABLE_RESPONSE,
    },
  });

const adminView = (r: PayoutRow) => ({
  id: r.id,
  userId: r.userId,
  status: r.status,
  destinationType: r.destinationType,
  destinationMasked: r.destinationMasked,
  amountMinor: r.amountMinor,
  currency: r.currency,
  holdReason: r.holdReason,
  failureCode: r.failureCode,
  attention: r.attention,
  attempts: r.attempts,
  processorId: r.processorId,
  processorRef: r.processorRef,
  createdAt: toIsoOrNull(r.createdAtMs),
  updatedAt: toIso(r.updatedAtMs),
  paidAt: toIsoOrNull(r.paidAtMs),
});

async function ownerOf(env: ApiContext["Bindings"], payoutId: string): Promise<string> {
  const userId = await payoutOwnerOf(env, payoutId);
  if (!userId) throw new AppError("not_found", "no such payout");
  return userId;
}

const loginRoute = createRoute({
  method: "post",
  path: "/users/{id}/logins",
  operationId: "createUserLogin",
  tags,
  security,
  summary:
    "Report a login (the operator's backend calls this). A login from a new device holds the user's redemptions for review for a while.",
  request: {
    params: z.object({
      id: z
        .string()
        .regex(USER_ID_PATTERN)
        .openapi({ param: { name: "id", in: "path" } }),
    }),
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .object({
              deviceId: z.string().min(1).max(128).describe("the operator's id for the device"),
              at: z.iso.datetime({ offset: true }).optional().describe("default: now"),
            })
            .strict(),
        },
      },
    },
  },
  responses: { 204: { description: "recorded" }, ...problemResponses },
});

/** Operator routes for payouts and logins; mounted under `/admin/v1`. */
export const payoutAdminRoutes = featureApp()
  .openapi(loginRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { deviceId, at } = c.req.valid("json");
    const atMs = at ? Date.parse(at) : Date.now();
    if (atMs > Date.now() + 60_000)
      throw new AppError("bad_request", "a login cannot be in the future");
    await walletOf(c.env, id).recordLogin(id, deviceId, atMs);
    return c.body(null, 204);
  })
  .openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    const filter = {
      status: q.status,
      userId: q.userId,
      currency: q.currency,
      attention: q.attention === undefined ? undefined : q.attention === "true",
      fromMs: q.from ? Date.parse(q.from) : undefined,
      toMs: q.to ? Date.parse(q.to) : undefined,
    };
    const rows = await listAdminPayouts(
      c.env,
      filter,
      decodePayoutCursor(q.cursor),
      rowsToFetch(q.limit, MAX_PAGE_ROWS),
    );
    const items = rows.slice(0, q.limit);
    const last = items.at(-1);
    return c.json(
      {
        items: items.map(adminView),
        nextCursor:
          rows.length > q.limit && last && last.createdAtMs !== null
            ? encodePayoutCursor({ createdAtMs: last.createdAtMs, payoutId: last.id })
            : null,
      },
      200,
    );
  })
  .openapi(getRoute, async (c) => {
    const { id } = c.req.valid("param");
    const userId = await ownerOf(c.env, id);
    const found = await walletOf(c.env, userId).getPayout(id);
    if (!found) throw new AppError("not_found", "no such payout");
    return c.json(
      {
        userId,
        payout: payoutView(found.payout),
        attempts: found.payout.attempts,
        attention: found.payout.attention,
        lastError: found.payout.lastError,
        processorRef: found.payout.processorRef,
        log: found.log.map((l) => ({ event: l.event, detail: l.detail, at: toIso(l.atMs) })),
      },
      200,
    );
  });

const actions: Array<[AdminPayoutAction, string]> = [
  ["approve", "Approve a held payout: it is queued for the processor"],
  [
    "retry",
    "Retry a stuck payout (retries exhausted) or re-send a queued or retrying one whose message stalled: the next attempt asks the processor first",
  ],
  [
    "cancel",
    "Cancel a payout that has not reached the processor: the amount goes back to confirmed",
  ],
];
// The reason body is optional, and callers from before it existed send a JSON content type
// with no body at all: such a request is read as "no body" rather than malformed JSON.
payoutAdminRoutes.use("/payouts/:id/:action{approve|retry|cancel}", async (c, next) => {
  if (c.req.method === "POST" && c.req.header("content-type")) {
    const text = c.req.raw.body ? await c.req.raw.clone().text() : "";
    if (text.trim() === "") {
      const headers = new Headers(c.req.raw.headers);
      headers.delete("content-type");
      headers.delete("content-length");
      c.req.raw = new Request(c.req.raw.url, { method: "POST", headers });
    }
  }
  await next();
});
for (const [action, summary] of actions) {
  payoutAdminRoutes.openapi(actionRoute(action, summary), async (c) => {
    const { id } = c.req.valid("param");
    const reason = (c.req.valid("json") as { reason?: string } | undefined)?.reason;
    const userId = await ownerOf(c.env, id);
    const wallet = walletOf(c.env, userId);
    const seenAttempts = action === "cancel" ? await ensureNotAtProcessor(c.env, id, wallet) : null;
    // The reason is kept in the payout's own log, so its GET (and the audit log) shows it.
    const note = reason ? { by: c.get("admin").name, reason } : null;
    const result = await wallet.adminPayoutAction(id, action, seenAttempts, note);
    if (result.status === "not_found") throw new AppError("not_found", "no such payout");
    if (result.status === "not_allowed") throw new AppError("conflict", result.detail);
    return c.json({ payout: payoutView(result.payout) }, 200);
  });
}

/**
 * Before cancelling a payout that was ever sent, the processor must not have it: an attempt
 * whose answer was lost may have gone through. If it has it, its state is applied instead.
 * Returns the attempts seen; the wallet refuses the cancel if another attempt began since.
 */
async function ensureNotAtProcessor(
  env: ApiContext["Bindings"],
  payoutId: string,
  wallet: ReturnType<typeof walletOf>,
): Promise<number | null> {
  const current = await wallet.getPayout(payoutId);
  if (!current) return null;
  if (current.payout.attempts === 0) return 0;
  const processor = payoutProcessorFor(env);
  const found = await processor.lookup(payoutId);
  if (found.kind === "unavailable") {
    throw new AppError("unavailable", "the processor cannot be asked right now; try again");
  }
  if (found.kind === "found") {
    await wallet.applyProcessorState(payoutId, processorViewOf(found.payout), {
      eventId: null,
      processorId: processor.id,
    });
    throw new AppError(
      "conflict",
      `the processor has this payout (${found.payout.status}); it cannot be cancelled`,
    );
  }
  return current.payout.attempts;
}
