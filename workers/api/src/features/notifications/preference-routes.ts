import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ApiContext } from "../../auth";
import { UserIdParamSchema } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import {
  ADMIN_SECURITY,
  jsonBody,
  problem,
  problemResponses,
  USER_SECURITY,
} from "../../http/responses";
import { knownUser } from "../users/store";
import {
  applyChange,
  type PreferencesChange,
  PreferencesChangeSchema,
  PreferencesSchema,
  preferencesView,
} from "./preferences-schemas";
import { readUserPreferences, writePreferences } from "./preferences-store";
import { defaultPreferencesFor, readNotificationSettings } from "./settings-store";

/**
 * A user's notification preferences: the user's own (`/v1/me/notification-preferences`) and
 * an operator's view of one user's (`/admin/v1/users/{id}/notification-preferences`; support
 * reads, finance and admin change, admin-scopes.ts). Stored by writePreferences; the
 * notification consumer reads them with readPreferences.
 */

const tags = ["notifications"];
const body = {
  required: true,
  content: { "application/json": { schema: PreferencesChangeSchema } },
} as const;
const refusals = {
  ...problemResponses,
  422: problem("the change would turn off every channel of critical or transactional messages"),
} as const;
const changeDescription =
  "Only the keys sent change; channels per category and channel. Unknown keys are refused " +
  "(400). Critical and transactional messages can be turned off only channel by channel: a " +
  "change that leaves either with every channel off is a 422 `channels_required`. Quiet " +
  "hours take `HH:MM` or minutes since midnight and are read in `timeZone` (an IANA zone); " +
  "`locale` is a BCP 47 tag.";

const meGet = createRoute({
  method: "get",
  path: "/me/notification-preferences",
  operationId: "getNotificationPreferences",
  tags,
  security: USER_SECURITY,
  summary: "The caller's notification preferences",
  responses: { 200: jsonBody(PreferencesSchema), ...problemResponses },
});

const mePut = createRoute({
  method: "put",
  path: "/me/notification-preferences",
  operationId: "putNotificationPreferences",
  tags,
  security: USER_SECURITY,
  summary: "Change the caller's notification preferences",
  description: changeDescription,
  request: { body },
  responses: { 200: jsonBody(PreferencesSchema), ...refusals },
});

const params = UserIdParamSchema;

const adminGet = createRoute({
  method: "get",
  path: "/users/{id}/notification-preferences",
  operationId: "getAdminUserNotificationPreferences",
  tags,
  security: ADMIN_SECURITY,
  summary: "A user's notification preferences",
  request: { params },
  responses: { 200: jsonBody(PreferencesSchema), ...problemResponses },
});

const adminPut = createRoute({
  method: "put",
  path: "/users/{id}/notification-preferences",
  operationId: "putAdminUserNotificationPreferences",
  tags,
  security: ADMIN_SECURITY,
  summary: "Change a user's notification preferences",
  description: `${changeDescription} Finance and admin; recorded in the audit log.`,
  request: { params, body },
  responses: { 200: jsonBody(PreferencesSchema), ...refusals },
});

async function readView(c: Context<ApiContext>, userId: string) {
  const { settings } = await readNotificationSettings(c.env.DB);
  const { prefs, updatedAtMs } = await readUserPreferences(
    c.env,
    userId,
    defaultPreferencesFor(settings),
  );
  return preferencesView(prefs, updatedAtMs);
}

async function change(c: Context<ApiContext>, userId: string, requested: PreferencesChange) {
  const { settings } = await readNotificationSettings(c.env.DB);
  const { prefs } = await readUserPreferences(c.env, userId, defaultPreferencesFor(settings));
  const next = applyChange(prefs, requested);
  const nowMs = Date.now();
  await writePreferences(c.env, userId, next, nowMs);
  return preferencesView(next, nowMs);
}

/** Mounted under `/v1`. */
export const notificationPreferenceUserRoutes = featureApp()
  .openapi(meGet, async (c) => c.json(await readView(c, c.get("userId")), 200))
  .openapi(mePut, async (c) => c.json(await change(c, c.get("userId"), c.req.valid("json")), 200));

/** Mounted under `/admin/v1`. */
export const notificationPreferenceAdminRoutes = featureApp()
  .openapi(adminGet, async (c) => {
    const { id } = c.req.valid("param");
    await knownUser(c.env, id);
    return c.json(await readView(c, id), 200);
  })
  .openapi(adminPut, async (c) => {
    const { id } = c.req.valid("param");
    await knownUser(c.env, id);
    return c.json(await change(c, id, c.req.valid("json")), 200);
  });
