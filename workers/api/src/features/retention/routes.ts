import { createRoute } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { toIso } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { rawBodyOf } from "./read-body";
import { PostbackIdParam, ReceivedPostbackSchema } from "./schemas";
import { findReceivedPostback } from "./store";

const getPostbackRoute = createRoute({
  method: "get",
  path: "/postbacks/{id}",
  operationId: "getPostback",
  tags: ["operations"],
  security: ADMIN_SECURITY,
  summary: "One received postback with its raw body, read back from the archive if it was moved",
  request: { params: PostbackIdParam },
  responses: {
    200: jsonBody(ReceivedPostbackSchema),
    ...problemResponses,
  },
});

/** Operator routes of postback retention; mounted under `/admin/v1`. */
export const retentionAdminRoutes = featureApp().openapi(getPostbackRoute, async (c) => {
  const row = await findReceivedPostback(c.env.DB, c.req.valid("param").id);
  if (!row) throw new AppError("not_found", "no such received postback (or past its retention)");
  return c.json(
    {
      id: row.id,
      networkId: row.networkId,
      receivedAt: toIso(row.receivedAtMs),
      verdict: row.verdict,
      rejectReason: row.rejectReason,
      orderId: row.orderId,
      sourceIp: row.sourceIp,
      rawBody: await rawBodyOf(c.env.POSTBACK_ARCHIVE, row),
      archive: row.archiveKey === null ? null : { key: row.archiveKey, line: row.archiveLine ?? 0 },
    },
    200,
  );
});
