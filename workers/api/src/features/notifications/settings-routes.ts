import { createRoute, z } from "@hono/zod-openapi";
import { NOTIFICATION_TYPE_NAMES, NOTIFICATION_TYPES } from "#shared/notify/catalog";
import type { NotificationSettings } from "#shared/notify/settings";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import {
  hhmm,
  LocaleSchema,
  LocalWindowInputSchema,
  LocalWindowSchema,
  TimeZoneSchema,
} from "./preferences-schemas";
import { readNotificationSettings, writeNotificationSettings } from "./settings-store";

/**
 * The operator's notification settings: the promotional send window (read in each
 * recipient's zone), frequency caps per category per local day and ISO week, digests (which
 * types, how long a burst window), and the zone and locale of users who never set theirs.
 */

const tags = ["notifications"];
const MAX_CAP = 1_000;

const CapSchema = z
  .strictObject({
    perDay: z.number().int().min(1).max(MAX_CAP).nullable(),
    perWeek: z.number().int().min(1).max(MAX_CAP).nullable(),
  })
  .refine((c) => c.perDay === null || c.perWeek === null || c.perDay <= c.perWeek, {
    message: "perDay cannot exceed perWeek",
    path: ["perDay"],
  });

/** Critical messages are never digested: only the other types may be listed. */
const DIGESTIBLE_TYPES = NOTIFICATION_TYPE_NAMES.filter(
  (t) => NOTIFICATION_TYPES[t].category !== "critical",
) as [string, ...string[]];

const SettingsInputSchema = z
  .strictObject({
    sendWindow: LocalWindowInputSchema.nullable().describe(
      "promotional messages go only inside this local window of the recipient; null: any time",
    ),
    caps: z.strictObject({ transactional: CapSchema, promotional: CapSchema }),
    digest: z.strictObject({
      windowSeconds: z.number().int().min(10).max(3_600),
      types: z.array(z.enum(DIGESTIBLE_TYPES)).max(DIGESTIBLE_TYPES.length),
    }),
    defaultTimeZone: TimeZoneSchema,
    defaultLocale: LocaleSchema,
    emailTracking: z
      .strictObject({ opens: z.boolean(), clicks: z.boolean() })
      .optional()
      .describe(
        "e-mail open pixel and tracked links (signed); absent: both off. Needs NOTIFY_LINK_KEY",
      ),
    escalateUnopenedPushAfterHours: z
      .number()
      .int()
      .min(1)
      .max(72)
      .nullable()
      .optional()
      .describe(
        "a transactional push not opened this many hours after sending goes out by e-mail " +
          "(the e-mail waits meanwhile); null or absent: off",
      ),
  })
  .openapi("NotificationSettingsChange");

const CapView = z.object({
  perDay: z.number().int().nullable(),
  perWeek: z.number().int().nullable(),
});
const SettingsSchema = z
  .object({
    sendWindow: LocalWindowSchema.nullable(),
    caps: z.object({ transactional: CapView, promotional: CapView }),
    digest: z.object({ windowSeconds: z.number().int(), types: z.array(z.string()) }),
    defaultTimeZone: z.string(),
    defaultLocale: z.string(),
    emailTracking: z.object({ opens: z.boolean(), clicks: z.boolean() }),
    escalateUnopenedPushAfterHours: z.number().int().nullable(),
    updatedAt: z.string().nullable().describe("null: never saved, the defaults"),
  })
  .openapi("NotificationSettings");

function settingsView(settings: NotificationSettings, updatedAtMs: number | null) {
  return {
    ...settings,
    sendWindow:
      settings.sendWindow === null
        ? null
        : {
            start: hhmm(settings.sendWindow.startMinute),
            end: hhmm(settings.sendWindow.endMinute),
          },
    updatedAt: updatedAtMs === null ? null : new Date(updatedAtMs).toISOString(),
  };
}

const getRoute = createRoute({
  method: "get",
  path: "/notification-settings",
  operationId: "getNotificationSettings",
  tags,
  security: ADMIN_SECURITY,
  summary: "The operator's notification settings (send window, caps, digests, defaults)",
  responses: { 200: jsonBody(SettingsSchema), ...problemResponses },
});

const putRoute = createRoute({
  method: "put",
  path: "/notification-settings",
  operationId: "putNotificationSettings",
  tags,
  security: ADMIN_SECURITY,
  summary: "Replace the operator's notification settings",
  description:
    "The whole settings, replaced; unknown keys are refused. Times are `HH:MM` or minutes " +
    "since midnight, read in each recipient's zone. Caps count per local day and ISO week; " +
    "critical messages are never capped nor digested. Catalog and admin; audited.",
  request: {
    body: { required: true, content: { "application/json": { schema: SettingsInputSchema } } },
  },
  responses: { 200: jsonBody(SettingsSchema), ...problemResponses },
});

/** Mounted under `/admin/v1`. */
export const notificationSettingsAdminRoutes = featureApp()
  .openapi(getRoute, async (c) => {
    const { settings, updatedAtMs } = await readNotificationSettings(c.env.DB);
    return c.json(settingsView(settings, updatedAtMs), 200);
  })
  .openapi(putRoute, async (c) => {
    const input = c.req.valid("json");
    const settings: NotificationSettings = {
      sendWindow:
        input.sendWindow === null
          ? null
          : { startMinute: input.sendWindow.start, endMinute: input.sendWindow.end },
      caps: input.caps,
      digest: {
        windowSeconds: input.digest.windowSeconds,
        types: [...new Set(input.digest.types)] as NotificationSettings["digest"]["types"],
      },
      defaultTimeZone: input.defaultTimeZone,
      defaultLocale: input.defaultLocale,
      emailTracking: input.emailTracking ?? { opens: false, clicks: false },
      escalateUnopenedPushAfterHours: input.escalateUnopenedPushAfterHours ?? null,
    };
    const nowMs = Date.now();
    await writeNotificationSettings(c.env.DB, settings, nowMs);
    return c.json(settingsView(settings, nowMs), 200);
  });
