import { createRoute } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { insecureUrlsAllowed, secretBearingUrl } from "#shared/http/secure-url";
import { toIso, toIsoOrNull } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import {
  ADMIN_SECURITY,
  CONFLICT_RESPONSE,
  jsonBody,
  problemResponses,
} from "../../http/responses";
import type { AlertRule } from "./rules";
import {
  AlertActionInputSchema,
  AlertIdParam,
  AlertListQuery,
  AlertPageSchema,
  AlertSchema,
  AlertSettingsInputSchema,
  AlertSettingsSchema,
} from "./schemas";
import {
  type AlertRow,
  type DeliveryRow,
  deliveriesOf,
  getAlert,
  listAlerts,
  readAlertSettings,
  transitionAlert,
  writeAlertSettings,
} from "./store";

const tags = ["alerts"];

const view = (a: AlertRow, deliveries: readonly DeliveryRow[]) => ({
  id: a.id,
  rule: a.rule as AlertRule,
  subject: a.subject,
  severity: a.severity,
  state: a.state,
  summary: a.summary,
  detail: a.detail,
  occurrences: a.occurrences,
  openedAt: toIso(a.openedAtMs),
  lastSeenAt: toIso(a.lastSeenAtMs),
  acknowledgedAt: toIsoOrNull(a.acknowledgedAtMs),
  acknowledgedBy: a.acknowledgedBy,
  resolvedAt: toIsoOrNull(a.resolvedAtMs),
  resolvedBy: a.resolvedBy,
  note: a.note,
  deliveries: deliveries
    .filter((d) => d.alertId === a.id)
    .map((d) => ({
      stage: d.stage,
      channel: d.channel,
      status: d.status,
      attempts: d.attempts,
      lastError: d.lastError,
      updatedAt: toIso(d.updatedAtMs),
    })),
});

function decodeCursor(cursor: string | undefined) {
  if (!cursor) return undefined;
  const match = /^(\d{1,15})\.([A-Za-z0-9-]{1,64})$/.exec(cursor);
  if (!match) throw new AppError("validation_failed", "a cursor this API did not issue");
  return { openedAtMs: Number(match[1]), id: match[2] as string };
}

const listRoute = createRoute({
  method: "get",
  path: "/alerts",
  operationId: "listAlerts",
  tags,
  security: ADMIN_SECURITY,
  summary: "Operator alerts, newest first",
  description:
    "Alerts the ten-minute evaluation raised from the platform's signals (docs/alerts.md), " +
    "with the messages sent about each.",
  request: { query: AlertListQuery },
  responses: { 200: jsonBody(AlertPageSchema), ...problemResponses },
});

const getRoute = createRoute({
  method: "get",
  path: "/alerts/{id}",
  operationId: "getAlert",
  tags,
  security: ADMIN_SECURITY,
  summary: "One operator alert",
  request: { params: AlertIdParam },
  responses: { 200: jsonBody(AlertSchema), ...problemResponses },
});

const actionRoute = (action: "acknowledgement" | "resolution") =>
  createRoute({
    method: "post",
    path: `/alerts/{id}/${action}`,
    // The house verbs (docs/api.md): acknowledging creates the alert's acknowledgement.
    operationId:
      action === "acknowledgement" ? "createAlertAcknowledgement" : "createAlertResolution",
    tags,
    security: ADMIN_SECURITY,
    summary:
      action === "acknowledgement"
        ? "Acknowledge an open alert: someone is on it, so it is not escalated"
        : "Resolve an open or acknowledged alert (it opens again if the condition persists)",
    request: {
      params: AlertIdParam,
      body: {
        required: false,
        content: { "application/json": { schema: AlertActionInputSchema } },
      },
    },
    responses: { 200: jsonBody(AlertSchema), ...CONFLICT_RESPONSE, ...problemResponses },
  });

const getSettingsRoute = createRoute({
  method: "get",
  path: "/alert-settings",
  operationId: "getAlertSettings",
  tags,
  security: ADMIN_SECURITY,
  summary: "Alert contacts, thresholds and escalation delay (the webhook secret is never shown)",
  responses: { 200: jsonBody(AlertSettingsSchema), ...problemResponses },
});

const putSettingsRoute = createRoute({
  method: "put",
  path: "/alert-settings",
  operationId: "putAlertSettings",
  tags,
  security: ADMIN_SECURITY,
  summary: "Replace the alert contacts, thresholds and escalation delay",
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: AlertSettingsInputSchema } },
    },
  },
  responses: { 200: jsonBody(AlertSettingsSchema), ...problemResponses },
});

async function settingsView(db: D1Database) {
  const { settings, webhookSecret, updatedAtMs } = await readAlertSettings(db);
  return {
    ...settings,
    webhookSecretSet: webhookSecret !== null && webhookSecret.length > 0,
    updatedAt: toIsoOrNull(updatedAtMs),
  };
}

/** Operator alerts and their settings; mounted under `/admin/v1`. */
export const alertAdminRoutes = featureApp()
  .openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    const rows = await listAlerts(c.env.DB, {
      states: q.state ? [q.state] : undefined,
      before: decodeCursor(q.cursor),
      limit: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    const deliveries = await deliveriesOf(
      c.env.DB,
      page.map((a) => a.id),
    );
    const last = page[page.length - 1];
    return c.json(
      {
        items: page.map((a) => view(a, deliveries)),
        nextCursor: rows.length > q.limit && last ? `${last.openedAtMs}.${last.id}` : null,
      },
      200,
    );
  })
  .openapi(getRoute, async (c) => {
    const { id } = c.req.valid("param");
    const alert = await getAlert(c.env.DB, id);
    if (!alert) throw new AppError("not_found", "no such alert");
    return c.json(view(alert, await deliveriesOf(c.env.DB, [id])), 200);
  })
  .openapi(actionRoute("acknowledgement"), async (c) => decide(c, "acknowledged"))
  .openapi(actionRoute("resolution"), async (c) => decide(c, "resolved"))
  .openapi(getSettingsRoute, async (c) => c.json(await settingsView(c.env.DB), 200))
  .openapi(putSettingsRoute, async (c) => {
    const input = c.req.valid("json");
    const allowInsecure = insecureUrlsAllowed(c.env);
    // Every bad field at once, each under its path, so a form shows each beside its input.
    const fields: Array<{ path: string; message: string }> = [];
    for (const [which, contact] of [
      ["primary", input.primary],
      ["secondary", input.secondary],
    ] as const) {
      if (!contact?.webhookUrl) continue;
      const url = secretBearingUrl(contact.webhookUrl, allowInsecure);
      if (!url.ok) fields.push({ path: `${which}.webhookUrl`, message: url.reason });
    }
    const stored = await readAlertSettings(c.env.DB);
    const secret = input.webhookSecret === undefined ? stored.webhookSecret : input.webhookSecret;
    const needsSecret = Boolean(input.primary?.webhookUrl || input.secondary?.webhookUrl);
    if (needsSecret && !secret) {
      fields.push({
        path: "webhookSecret",
        message: "a contact with a webhook URL needs a signing secret (32 characters or more)",
      });
    }
    if (fields.length > 0) {
      throw new AppError(
        "validation_failed",
        fields.map((f) => `${f.path}: ${f.message}`).join("; "),
        fields,
      );
    }
    await writeAlertSettings(
      c.env.DB,
      {
        primary: input.primary,
        secondary: input.secondary,
        escalateAfterMinutes: input.escalateAfterMinutes,
        thresholds: input.thresholds,
      },
      input.webhookSecret,
      Date.now(),
    );
    return c.json(await settingsView(c.env.DB), 200);
  });

async function decide(
  // biome-ignore lint/suspicious/noExplicitAny: the route's typed context, shared by two routes
  c: any,
  to: "acknowledged" | "resolved",
) {
  const { id } = c.req.valid("param") as { id: string };
  let note: string | null = null;
  try {
    const body = (await c.req.json()) as { note?: unknown };
    const parsed = AlertActionInputSchema.safeParse(body);
    if (!parsed.success) throw new AppError("validation_failed", "note: at most 500 characters");
    note = parsed.data.note ?? null;
  } catch (error) {
    if (error instanceof AppError) throw error;
  }
  const existing = await getAlert(c.env.DB, id);
  if (!existing) throw new AppError("not_found", "no such alert");
  const admin = c.get("admin") as { name: string };
  const updated = await transitionAlert(c.env.DB, id, to, admin.name, note || null, Date.now());
  if (!updated) {
    throw new AppError("conflict", `the alert is ${existing.state}; it cannot become ${to}`);
  }
  return c.json(view(updated, await deliveriesOf(c.env.DB, [id])), 200);
}
