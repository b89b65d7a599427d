import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { type SignatureCheck, verifySvix, verifyTwilio } from "#shared/notify/provider-signatures";
import {
  PUSH_RECEIPT_PATH,
  type ReceiptCheck,
  TRACK_CLICK_PATH,
  TRACK_OPEN_PATH,
  verifyReceiptToken,
} from "#shared/notify/receipt-links";
import { createLogger } from "#shared/observability/logger";
import { featureApp } from "../../http/feature-app";
import { jsonBody, problem, problemResponses, UNAVAILABLE_RESPONSE } from "../../http/responses";
import { TWILIO_RECEIPT_PATH } from "./channels/sms";
import { type Receipt, recordReceipt } from "./receipts";

/**
 * Receipts (docs/notifications.md "Receipts"), all public, each authenticated by its own
 * signature: Resend's webhooks (Svix), Twilio's status callbacks (X-Twilio-Signature), the
 * Web Push service worker's receipt URL, and the e-mail open pixel and tracked links (signed
 * under NOTIFY_LINK_KEY like the unsubscribe link). Documented in the OpenAPI document, handled
 * as plain routes: a body validator would consume the raw bytes the signatures are over.
 */

const log = createLogger({ worker: "api", feature: "notifications" });

export const RESEND_RECEIPT_PATH = "/v1/notifications/receipts/resend";
export { PUSH_RECEIPT_PATH, TRACK_CLICK_PATH, TRACK_OPEN_PATH, TWILIO_RECEIPT_PATH };
/** The public receipt paths: no user token (app.ts), each checks its own signature. */
export const RECEIPT_PATHS = [
  RESEND_RECEIPT_PATH,
  TWILIO_RECEIPT_PATH,
  PUSH_RECEIPT_PATH,
  TRACK_OPEN_PATH,
  TRACK_CLICK_PATH,
];

const tags = ["notifications"];
const RecordedSchema = z
  .object({
    recorded: z
      .boolean()
      .describe(
        "false: a repeat, an event that is not a receipt, an unknown message, or older news",
      ),
  })
  .openapi("ReceiptRecorded");

/** Resend's event types → receipts (email.sent and email.delivery_delayed are not receipts). */
const RESEND_RECEIPTS: Record<string, Receipt> = {
  "email.delivered": "delivered",
  "email.opened": "opened",
  // A click proves the e-mail was opened.
  "email.clicked": "opened",
  "email.bounced": "bounced",
  "email.complained": "complained",
};

/** Twilio's MessageStatus → receipts (queued, sending, sent are not receipts). */
const TWILIO_RECEIPTS: Record<string, Receipt> = {
  delivered: "delivered",
  read: "opened",
  undelivered: "undelivered",
  failed: "failed",
};

function signatureProblem(check: Exclude<SignatureCheck, { ok: true }>, what: string): AppError {
  switch (check.reason) {
    case "unconfigured":
      return new AppError("unavailable", `${what} receipts are not configured`);
    case "malformed":
      return new AppError("bad_request", `the ${what} signature headers are missing or malformed`);
    case "stale":
      return new AppError("invalid_signature", `the ${what} timestamp is outside five minutes`);
    case "forged":
      return new AppError("invalid_signature", `the ${what} signature does not match`);
  }
}

function tokenProblem(check: Exclude<ReceiptCheck, { ok: true }>): AppError {
  return check.reason === "malformed"
    ? new AppError("bad_request", "this is not a receipt link")
    : new AppError("forbidden", "this receipt link is not valid");
}

function linkKey(env: { NOTIFY_LINK_KEY?: string }): string {
  const key = env.NOTIFY_LINK_KEY;
  if (!key) throw new AppError("unavailable", "receipt links are not configured");
  return key;
}

/** A transparent 1×1 GIF (43 bytes). */
const PIXEL = Uint8Array.from(
  atob("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"),
  (ch) => ch.charCodeAt(0),
);
const pixelResponse = () =>
  new Response(PIXEL, {
    status: 200,
    headers: {
      "content-type": "image/gif",
      "cache-control": "no-store, max-age=0",
      "content-length": String(PIXEL.length),
    },
  });

const resendRoute = createRoute({
  method: "post",
  path: RESEND_RECEIPT_PATH,
  operationId: "receiveResendReceipt",
  tags,
  security: [],
  summary: "Resend's webhook: delivered, opened, clicked, bounced, complained (Svix-signed)",
  description:
    "Verified with the Svix scheme over the raw body (`svix-id`, `svix-timestamp` within five " +
    "minutes, `svix-signature` `v1,<base64 HMAC-SHA256>` under RESEND_WEBHOOK_SECRET). " +
    "`data.email_id` names the e-mail (the id Resend answered at send). The first receipt of " +
    "a kind wins; other event types answer `recorded: false`.",
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .object({
              type: z.string(),
              created_at: z.string().optional(),
              data: z.object({ email_id: z.string() }).passthrough(),
            })
            .passthrough()
            .openapi("ResendWebhookEvent"),
        },
      },
    },
  },
  responses: { 200: jsonBody(RecordedSchema), ...problemResponses, ...UNAVAILABLE_RESPONSE },
});

const twilioRoute = createRoute({
  method: "post",
  path: TWILIO_RECEIPT_PATH,
  operationId: "receiveTwilioReceipt",
  tags,
  security: [],
  summary: "Twilio's SMS status callback: delivered, undelivered, failed (X-Twilio-Signature)",
  description:
    "Verified with `X-Twilio-Signature`: base64 HMAC-SHA1 under TWILIO_AUTH_TOKEN of the full " +
    "URL called followed by the POST parameters sorted by name. `MessageSid` names the SMS.",
  request: {
    body: {
      required: true,
      content: {
        "application/x-www-form-urlencoded": {
          schema: z
            .object({ MessageSid: z.string(), MessageStatus: z.string() })
            .passthrough()
            .openapi("TwilioStatusCallback"),
        },
      },
    },
  },
  responses: { 200: jsonBody(RecordedSchema), ...problemResponses, ...UNAVAILABLE_RESPONSE },
});

const tokenQuery = z
  .string()
  .max(200)
  .openapi({ param: { name: "t", in: "query" } });

const pushRoute = createRoute({
  method: "post",
  path: PUSH_RECEIPT_PATH,
  operationId: "receivePushReceipt",
  tags,
  security: [],
  summary: "A Web Push receipt from the service worker: shown (delivered) or clicked (opened)",
  description:
    "The push payload's `receiptUrl` with `&event=shown` when the notification is shown and " +
    "`&event=clicked` when it is clicked; no body, so a `no-cors` POST does. The signed token " +
    "names the delivery; a tampered one is refused and nothing is written.",
  request: {
    query: z.object({
      t: tokenQuery,
      event: z.enum(["shown", "clicked"]).openapi({ param: { name: "event", in: "query" } }),
    }),
  },
  responses: { 200: jsonBody(RecordedSchema), ...problemResponses, ...UNAVAILABLE_RESPONSE },
});

const openRoute = createRoute({
  method: "get",
  path: TRACK_OPEN_PATH,
  operationId: "getEmailOpenPixel",
  tags,
  security: [],
  summary: "The e-mail open pixel (a 1×1 GIF, not cached); records the e-mail opened once",
  description:
    "Only in e-mails of an operator who turned `emailTracking.opens` on. Answers the GIF for " +
    "any token; a malformed or tampered one records nothing. No token at all: 400.",
  request: { query: z.object({ t: tokenQuery }) },
  responses: {
    200: {
      description: "a transparent 1×1 GIF, `Cache-Control: no-store`",
      content: { "image/gif": { schema: z.string().openapi({ format: "binary" }) } },
    },
    400: problem("the link has no token at all"),
  },
});

/** Mounted at the root; the paths are the public ones in RECEIPT_PATHS. */
export const receiptRoutes = featureApp();
// The tracked link is not in the document: a redirect page like the unsubscribe link
// (docs/notifications.md "Receipts"), whose only success is a 302.
for (const route of [resendRoute, twilioRoute, pushRoute, openRoute]) {
  receiptRoutes.openAPIRegistry.registerPath(route);
}

receiptRoutes.post(RESEND_RECEIPT_PATH, async (c) => {
  const raw = await c.req.text();
  const check = await verifySvix(
    c.env.RESEND_WEBHOOK_SECRET,
    {
      id: c.req.header("svix-id") ?? null,
      timestamp: c.req.header("svix-timestamp") ?? null,
      signature: c.req.header("svix-signature") ?? null,
    },
    raw,
    Date.now(),
  );
  if (!check.ok) throw signatureProblem(check, "Resend");
  let event: { type?: unknown; data?: { email_id?: unknown } };
  try {
    event = JSON.parse(raw) as typeof event;
  } catch {
    throw new AppError("bad_request", "the body is not JSON");
  }
  const emailId = event?.data?.email_id;
  if (typeof event?.type !== "string" || typeof emailId !== "string" || emailId.length > 200) {
    throw new AppError("bad_request", "a Resend event has a type and data.email_id");
  }
  const receipt = RESEND_RECEIPTS[event.type];
  if (!receipt) return c.json({ recorded: false }, 200);
  const recorded = await recordReceipt(
    c.env,
    { providerRef: emailId, channel: "email" },
    receipt,
    Date.now(),
  );
  log.info("notification.receipt", { provider: "resend", receipt, recorded });
  return c.json({ recorded }, 200);
});

receiptRoutes.post(TWILIO_RECEIPT_PATH, async (c) => {
  // A form body: read as bytes (the runtime warns on text() of a non-text type).
  const raw = new TextDecoder().decode(await c.req.arrayBuffer());
  const params = [...new URLSearchParams(raw)];
  const check = await verifyTwilio(
    c.env.TWILIO_AUTH_TOKEN,
    c.req.header("x-twilio-signature") ?? null,
    c.req.url,
    params,
  );
  if (!check.ok) throw signatureProblem(check, "Twilio");
  const form = new Map(params);
  const sid = form.get("MessageSid") ?? form.get("SmsSid");
  const status = form.get("MessageStatus") ?? form.get("SmsStatus");
  if (!sid || !status || sid.length > 64) {
    throw new AppError("bad_request", "a status callback has MessageSid and MessageStatus");
  }
  const receipt = TWILIO_RECEIPTS[status];
  if (!receipt) return c.json({ recorded: false }, 200);
  const recorded = await recordReceipt(
    c.env,
    { providerRef: sid, channel: "sms" },
    receipt,
    Date.now(),
  );
  log.info("notification.receipt", { provider: "twilio", receipt, recorded });
  return c.json({ recorded }, 200);
});

receiptRoutes.post(PUSH_RECEIPT_PATH, async (c) => {
  const key = linkKey(c.env);
  const check = await verifyReceiptToken(key, "push", c.req.query("t"));
  if (!check.ok) throw tokenProblem(check);
  const event = c.req.query("event");
  if (event !== "shown" && event !== "clicked") {
    throw new AppError("bad_request", "event is shown or clicked");
  }
  const recorded = await recordReceipt(
    c.env,
    { deliveryId: check.deliveryId, userId: check.userId },
    event === "shown" ? "delivered" : "opened",
    Date.now(),
  );
  return c.json({ recorded }, 200);
});

receiptRoutes.get(TRACK_OPEN_PATH, async (c) => {
  const key = c.env.NOTIFY_LINK_KEY;
  const token = c.req.query("t");
  if (!token) throw new AppError("bad_request", "the link has no token");
  if (key) {
    const check = await verifyReceiptToken(key, "open", token);
    if (check.ok) {
      await recordReceipt(
        c.env,
        { deliveryId: check.deliveryId, userId: check.userId },
        "opened",
        Date.now(),
      );
    }
  }
  return pixelResponse();
});

receiptRoutes.get(TRACK_CLICK_PATH, async (c) => {
  const key = linkKey(c.env);
  const target = c.req.query("u") ?? "";
  let parsed: URL | null = null;
  try {
    parsed = new URL(target);
  } catch {
    parsed = null;
  }
  if (!parsed || !["https:", "http:"].includes(parsed.protocol)) {
    throw new AppError("bad_request", "the link has no target");
  }
  const check = await verifyReceiptToken(key, "click", c.req.query("t"), target);
  if (!check.ok) throw tokenProblem(check);
  await recordReceipt(
    c.env,
    { deliveryId: check.deliveryId, userId: check.userId },
    "opened",
    Date.now(),
  );
  return c.redirect(target, 302);
});
