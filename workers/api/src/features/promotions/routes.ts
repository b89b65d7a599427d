import { createRoute } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { newId } from "#shared/ids";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { decodeAuditCursor, encodeAuditCursor } from "../admin-audit/cursor";
import { enqueueStep, MAX_DELAY_SEC } from "./fanout";
import {
  PromoSendIdParam,
  PromoSendInputSchema,
  PromoSendListQuery,
  PromoSendListSchema,
  PromoSendSchema,
  promoSendView,
  SegmentListSchema,
} from "./schemas";
import { ALL_MEMBERS, audienceSize, listSegments } from "./segments-store";
import { cancelSend, findSend, insertSend, listSends } from "./store";

const tags = ["notifications"];
const security = ADMIN_SECURITY;
const BASE = "/notifications/promotions";

const createSendRoute = createRoute({
  method: "post",
  path: BASE,
  operationId: "createPromoSend",
  tags,
  security,
  summary: "Send a promotional message to a segment's opted-in members",
  description:
    "Stores the send and starts its fan-out (at sendAtMs, or now): a page of 1,000 members at " +
    "a time is read from D1, members not opted in to promotional messages are skipped, and " +
    "one `promotion` notification event per opted-in member goes on the promotional queue " +
    '(docs/notifications.md "Promotional sends"). Progress: GET the send.',
  request: {
    body: { required: true, content: { "application/json": { schema: PromoSendInputSchema } } },
  },
  responses: { 201: jsonBody(PromoSendSchema, "stored; the fan-out starts"), ...problemResponses },
});

const listSendsRoute = createRoute({
  method: "get",
  path: BASE,
  operationId: "listPromoSends",
  tags,
  security,
  summary: "Promotional sends, newest first, with their progress",
  request: { query: PromoSendListQuery },
  responses: { 200: jsonBody(PromoSendListSchema), ...problemResponses },
});

const getSendRoute = createRoute({
  method: "get",
  path: `${BASE}/{id}`,
  operationId: "getPromoSend",
  tags,
  security,
  summary: "One promotional send and its progress (recipients enqueued and skipped)",
  request: { params: PromoSendIdParam },
  responses: { 200: jsonBody(PromoSendSchema), ...problemResponses },
});

const cancelSendRoute = createRoute({
  method: "post",
  path: `${BASE}/{id}/cancel`,
  operationId: "cancelPromoSend",
  tags,
  security,
  summary: "Cancel a promotional send: its fan-out stops at the next page",
  description:
    "A page already being sent finishes; no later page is read. 409 when the send has " +
    "completed or was cancelled already.",
  request: { params: PromoSendIdParam },
  responses: { 200: jsonBody(PromoSendSchema), ...problemResponses },
});

const segmentsRoute = createRoute({
  method: "get",
  path: "/notifications/segments",
  operationId: "listNotificationSegments",
  tags,
  security,
  summary: "Members' segments and their sizes, for choosing a promotional send's audience",
  responses: { 200: jsonBody(SegmentListSchema), ...problemResponses },
});

/** Promotional sends; mounted under `/admin/v1`. */
export const promoSendAdminRoutes = featureApp()
  .openapi(segmentsRoute, async (c) => {
    const [segments, allMembers] = await Promise.all([
      listSegments(c.env, 200),
      audienceSize(c.env, ALL_MEMBERS),
    ]);
    return c.json({ segments, allMembers }, 200);
  })
  .openapi(createSendRoute, async (c) => {
    const input = c.req.valid("json");
    const nowMs = Date.now();
    const sendAtMs = Math.max(input.sendAtMs ?? nowMs, nowMs);
    const row = await insertSend(c.env.DB, {
      id: newId("promoSend", nowMs),
      segment: input.segment,
      headline: input.headline,
      body: input.body,
      url: input.url,
      sendAtMs,
      audience: await audienceSize(c.env, input.segment),
      createdBy: c.get("admin").name,
      createdAtMs: nowMs,
    });
    // The first step waits on the queue until sendAt (the consumer defers again past 12 h).
    await enqueueStep(
      c.env,
      row.id,
      1,
      Math.min(Math.ceil((sendAtMs - nowMs) / 1000), MAX_DELAY_SEC),
    );
    c.get("log")?.info("promotions.created", {
      sendId: row.id,
      segment: row.segment,
      audience: row.audience,
    });
    c.header("location", `/admin/v1${BASE}/${row.id}`);
    return c.json(promoSendView(row), 201);
  })
  .openapi(listSendsRoute, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const before = decodeAuditCursor(cursor);
    const rows = await listSends(
      c.env.DB,
      limit + 1,
      before ? { createdAtMs: before.atMs, id: before.id } : null,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return c.json(
      {
        sends: page.map(promoSendView),
        nextCursor:
          rows.length > limit && last
            ? encodeAuditCursor({ atMs: last.createdAtMs, id: last.id })
            : null,
      },
      200,
    );
  })
  .openapi(getSendRoute, async (c) => {
    const { id } = c.req.valid("param");
    const row = await findSend(c.env.DB, id);
    if (!row) throw new AppError("not_found", `no promotional send ${id}`);
    return c.json(promoSendView(row), 200);
  })
  .openapi(cancelSendRoute, async (c) => {
    const { id } = c.req.valid("param");
    const row = await cancelSend(c.env.DB, id, c.get("admin").name, Date.now());
    if (row) return c.json(promoSendView(row), 200);
    const existing = await findSend(c.env.DB, id);
    if (!existing) throw new AppError("not_found", `no promotional send ${id}`);
    throw new AppError("conflict", `the send is ${existing.status}: nothing to cancel`);
  });
