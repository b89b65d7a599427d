import { createRoute } from "@hono/zod-openapi";
import type { CustomEventTypeSpec } from "#shared/events/custom-event-types";
import { refreshCustomEventTypesConfig } from "#shared/events/custom-event-types-config";
import { toIso } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import {
  ADMIN_SECURITY,
  CONFLICT_RESPONSE,
  jsonBody,
  problemResponses,
} from "../../http/responses";
import {
  EventTypeListSchema,
  EventTypeParamSchema,
  EventTypeSchema,
  EventTypeSpecInputSchema,
} from "./schemas";
import * as store from "./store";

const security = ADMIN_SECURITY;
const tags = ["events"];

const eventTypeView = (row: store.EventTypeRow) => ({
  type: row.type,
  description: row.description,
  active: row.active,
  fields: row.fields as CustomEventTypeSpec["fields"],
  version: row.version,
  createdAt: toIso(row.createdAtMs),
  updatedAt: toIso(row.updatedAtMs),
});

const putRoute = createRoute({
  method: "put",
  path: "/event-types/{type}",
  operationId: "putEventType",
  tags,
  security,
  summary: "Register or replace a custom event type (idempotent)",
  description:
    "The spec lists the `data` fields events of `custom.<name>` carry: each a string, " +
    "number, integer, boolean or enum, optional unless `required`. Events of the type are " +
    "then accepted by `POST /v1/events` when their `data` passes it; any other field is " +
    "refused. Changing the fields of an existing type is allowed: events already recorded " +
    "keep the data they were stored with. `active: false` refuses new events of the type. " +
    "Other isolates of the events worker see a change within 30 s plus KV's propagation.",
  request: {
    params: EventTypeParamSchema,
    body: { content: { "application/json": { schema: EventTypeSpecInputSchema } }, required: true },
  },
  responses: {
    200: jsonBody(EventTypeSchema),
    ...problemResponses,
    ...CONFLICT_RESPONSE,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/event-types/{type}",
  operationId: "getEventType",
  tags,
  security,
  summary: "Read a custom event type's spec",
  request: { params: EventTypeParamSchema },
  responses: { 200: jsonBody(EventTypeSchema), ...problemResponses },
});

const listRoute = createRoute({
  method: "get",
  path: "/event-types",
  operationId: "listEventTypes",
  tags,
  security,
  summary: "List the custom event types, active or not, by name",
  responses: { 200: jsonBody(EventTypeListSchema), ...problemResponses },
});

/** Operator routes for custom event types; mounted under `/admin/v1`. */
export const eventTypeAdminRoutes = featureApp()
  .openapi(putRoute, async (c) => {
    const row = await store.saveEventType(
      c.env.DB,
      c.req.valid("param").type,
      c.req.valid("json"),
      Date.now(),
    );
    // D1 first (the source of truth), then the KV value the events worker reads, then this
    // isolate's copy is forgotten (refreshCustomEventTypesConfig does both).
    await refreshCustomEventTypesConfig(c.env);
    return c.json(eventTypeView(row), 200);
  })
  .openapi(getRoute, async (c) =>
    c.json(eventTypeView(await store.getEventType(c.env.DB, c.req.valid("param").type)), 200),
  )
  .openapi(listRoute, async (c) => {
    const rows = await store.listEventTypes(c.env.DB);
    const version = rows.reduce((highest, row) => Math.max(highest, row.version), 0);
    return c.json({ items: rows.map(eventTypeView), version }, 200);
  });
