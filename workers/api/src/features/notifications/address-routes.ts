import { createRoute, z } from "@hono/zod-openapi";
import { fromBase64Url } from "#shared/crypto/encoding";
import { AppError } from "#shared/http/errors";
import { featureApp } from "../../http/feature-app";
import {
  CONFLICT_RESPONSE,
  jsonBody,
  problemResponses,
  UNAVAILABLE_RESPONSE,
  USER_SECURITY,
} from "../../http/responses";
import { walletOf } from "../../wallet-client";
import { vapidSettings } from "./channels/web-push";
import { isUncompressedPoint } from "./channels/web-push-crypto";

/**
 * Where a user's notifications go, through the user API (docs/notifications.md "Channels"):
 * Web Push subscriptions (`/v1/me/push-subscriptions`), the e-mail and phone set for
 * notifications (`/v1/me/notification-contacts`), and the public VAPID key the browser
 * subscribes with (`/v1/notifications/web-push-key`, no token). All of it lives sealed in the
 * user's wallet; the answers show masked values only.
 */

const tags = ["notifications"];
const security = USER_SECURITY;

/** The public key route needs no token (app.ts lists it beside the public catalog). */
export const WEB_PUSH_KEY_PATH = "/v1/notifications/web-push-key";

const base64urlOf = (bytes: (b: Uint8Array) => boolean, what: string) =>
  z
    .string()
    .max(200)
    .refine((text) => {
      const decoded = fromBase64Url(text);
      return decoded !== null && bytes(decoded);
    }, what);

/** PushSubscription.toJSON() as the browser gives it. */
const PushSubscriptionInputSchema = z
  .object({
    endpoint: z
      .string()
      .max(2048)
      .url()
      .refine((url) => url.startsWith("https://"), "the endpoint must be https"),
    expirationTime: z.number().nullable().optional(),
    keys: z.object({
      p256dh: base64urlOf(
        (b) => isUncompressedPoint(b),
        "p256dh must be a base64url 65-byte uncompressed P-256 point",
      ),
      auth: base64urlOf((b) => b.length === 16, "auth must be a base64url 16-byte secret"),
    }),
  })
  .openapi("PushSubscriptionInput");

const PushSubscriptionSchema = z
  .object({
    id: z.string(),
    origin: z.string().describe("the push service, e.g. https://fcm.googleapis.com"),
    createdAt: z.string().describe("ISO 8601"),
  })
  .openapi("PushSubscription");

const NotificationContactsInputSchema = z
  .object({
    email: z.string().max(254).email().optional(),
    phone: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, "phone must be E.164, e.g. +919812345678")
      .optional(),
  })
  .refine((v) => v.email !== undefined || v.phone !== undefined, "give an email or a phone")
  .openapi("NotificationContactsInput");

const NotificationContactsSchema = z
  .object({
    masked: z.object({ email: z.string().optional(), phone: z.string().optional() }),
    updatedAt: z.string().nullable(),
  })
  .openapi("NotificationContacts");

const webPushKeyRoute = createRoute({
  method: "get",
  path: "/notifications/web-push-key",
  operationId: "getWebPushKey",
  tags,
  // No token needed (an empty requirement), like the public catalog.
  security: [{}] as Array<Record<string, string[]>>,
  summary: "The VAPID public key a browser subscribes with (applicationServerKey); no token",
  responses: {
    200: jsonBody(
      z.object({ publicKey: z.string().describe("base64url uncompressed P-256 point") }),
    ),
    ...problemResponses,
  },
});

const createPushRoute = createRoute({
  method: "post",
  path: "/me/push-subscriptions",
  operationId: "createPushSubscription",
  tags,
  security,
  summary: "Register a Web Push subscription (at most 10; the same endpoint again replaces it)",
  request: {
    body: { content: { "application/json": { schema: PushSubscriptionInputSchema } } },
  },
  responses: {
    200: jsonBody(PushSubscriptionSchema, "the endpoint was registered already: keys replaced"),
    201: jsonBody(PushSubscriptionSchema, "registered"),
    ...problemResponses,
    ...CONFLICT_RESPONSE,
    ...UNAVAILABLE_RESPONSE,
  },
});

const listPushRoute = createRoute({
  method: "get",
  path: "/me/push-subscriptions",
  operationId: "listPushSubscriptions",
  tags,
  security,
  summary: "The caller's Web Push subscriptions (the push service only, never the endpoint)",
  responses: {
    200: jsonBody(z.object({ items: z.array(PushSubscriptionSchema) })),
    ...problemResponses,
  },
});

const deletePushRoute = createRoute({
  method: "delete",
  path: "/me/push-subscriptions/{id}",
  operationId: "deletePushSubscription",
  tags,
  security,
  summary: "Remove a Web Push subscription",
  request: { params: z.object({ id: z.string().max(64) }) },
  responses: { 204: { description: "removed" }, ...problemResponses },
});

const putContactsRoute = createRoute({
  method: "put",
  path: "/me/notification-contacts",
  operationId: "putNotificationContacts",
  tags,
  security,
  summary: "Set the e-mail and phone notifications go to (sealed; answered masked)",
  request: {
    body: { content: { "application/json": { schema: NotificationContactsInputSchema } } },
  },
  responses: {
    200: jsonBody(NotificationContactsSchema),
    ...problemResponses,
    ...UNAVAILABLE_RESPONSE,
  },
});

const getContactsRoute = createRoute({
  method: "get",
  path: "/me/notification-contacts",
  operationId: "getNotificationContacts",
  tags,
  security,
  summary: "The e-mail and phone notifications go to, masked",
  responses: { 200: jsonBody(NotificationContactsSchema), ...problemResponses },
});

const iso = (ms: number) => new Date(ms).toISOString();

/** Mounted under `/v1`. */
export const notificationAddressRoutes = featureApp()
  .openapi(webPushKeyRoute, (c) => {
    const settings = vapidSettings(c.env);
    if (c.env.WEB_PUSH !== "vapid" || !settings.ok) {
      throw new AppError("not_found", "web push is not enabled");
    }
    return c.json({ publicKey: settings.keys.publicKey }, 200);
  })
  .openapi(createPushRoute, async (c) => {
    const input = c.req.valid("json");
    // An off-curve point would only fail at send time: refused now.
    try {
      await crypto.subtle.importKey(
        "raw",
        fromBase64Url(input.keys.p256dh) as Uint8Array,
        { name: "ECDH", namedCurve: "P-256" },
        false,
        [],
      );
    } catch {
      throw new AppError("validation_failed", "p256dh is not a point on P-256");
    }
    const result = await walletOf(c.env, c.get("userId")).savePushSubscription(c.get("userId"), {
      endpoint: input.endpoint,
      p256dh: input.keys.p256dh,
      auth: input.keys.auth,
    });
    if (!result.ok) {
      if (result.reason === "too_many") {
        throw new AppError(
          "conflict",
          "remove a push subscription before adding another (10 at most)",
        );
      }
      throw new AppError("unavailable", "push subscriptions cannot be stored right now");
    }
    const { id, origin, createdAtMs } = result.subscription;
    return c.json({ id, origin, createdAt: iso(createdAtMs) }, result.created ? 201 : 200);
  })
  .openapi(listPushRoute, async (c) => {
    const rows = await walletOf(c.env, c.get("userId")).getPushSubscriptions();
    return c.json(
      { items: rows.map((r) => ({ id: r.id, origin: r.origin, createdAt: iso(r.createdAtMs) })) },
      200,
    );
  })
  .openapi(deletePushRoute, async (c) => {
    const removed = await walletOf(c.env, c.get("userId")).deletePushSubscription(
      c.req.valid("param").id,
    );
    if (!removed) throw new AppError("not_found", "no such push subscription");
    return c.body(null, 204);
  })
  .openapi(putContactsRoute, async (c) => {
    const saved = await walletOf(c.env, c.get("userId")).saveNotificationContacts(
      c.get("userId"),
      c.req.valid("json"),
    );
    if (!saved) throw new AppError("unavailable", "contact channels cannot be stored right now");
    return c.json({ masked: saved.masked, updatedAt: iso(saved.updatedAtMs) }, 200);
  })
  .openapi(getContactsRoute, async (c) => {
    const contacts = await walletOf(c.env, c.get("userId")).getNotificationContacts();
    return c.json(
      {
        masked: contacts?.masked ?? {},
        updatedAt: contacts ? iso(contacts.updatedAtMs) : null,
      },
      200,
    );
  });
