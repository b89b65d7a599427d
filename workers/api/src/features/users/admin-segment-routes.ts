import { createRoute, z } from "@hono/zod-openapi";
import { MAX_SEGMENTS, SEGMENT_PATTERN } from "#durable-objects/wallet/index";
import { UserIdParamSchema } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { walletOf } from "../../wallet-client";
import { knownUser } from "./store";

/**
 * A member's segments: names an operator gives users (`vip`, `students`) so rules can single
 * them out (`user.segments` contains `vip`, docs/rules.md). Kept in the user's wallet, which
 * reads them with every event's facts.
 */

const tags = ["users"];
const security = ADMIN_SECURITY;
const params = UserIdParamSchema;

const SegmentsSchema = z
  .object({
    segments: z
      .array(
        z
          .string()
          .regex(SEGMENT_PATTERN, "a segment is a lower-case slug (a-z, 0-9, _ and -), 1..48"),
      )
      .max(MAX_SEGMENTS)
      .describe("the member's segments, sorted, without repeats"),
  })
  .openapi("UserSegments");

const getRoute = createRoute({
  method: "get",
  path: "/users/{id}/segments",
  operationId: "getAdminUserSegments",
  tags,
  security,
  summary: "A user's segments, which rules can read",
  request: { params },
  responses: { 200: jsonBody(SegmentsSchema), ...problemResponses },
});

const putRoute = createRoute({
  method: "put",
  path: "/users/{id}/segments",
  operationId: "putAdminUserSegments",
  tags,
  security,
  summary: "Replace a user's segments",
  description:
    "The whole list, replaced: rules evaluated from now on read it (`user.segments`). " +
    "Catalog (who writes the rules), support and admin.",
  request: {
    params,
    body: { required: true, content: { "application/json": { schema: SegmentsSchema } } },
  },
  responses: { 200: jsonBody(SegmentsSchema), ...problemResponses },
});

/** Mounted under `/admin/v1`. */
export const userSegmentAdminRoutes = featureApp()
  .openapi(getRoute, async (c) => {
    const { id } = c.req.valid("param");
    await knownUser(c.env, id);
    return c.json({ segments: await walletOf(c.env, id).getSegments() }, 200);
  })
  .openapi(putRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { segments } = c.req.valid("json");
    await knownUser(c.env, id);
    return c.json({ segments: await walletOf(c.env, id).setSegments(id, segments) }, 200);
  });
