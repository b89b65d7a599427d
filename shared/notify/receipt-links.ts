import { fromBase64Url, toBase64Url } from "../crypto/encoding";
import { constantTimeEqual, hmacSha256 } from "../crypto/hmac";
import type { UnsubscribeEnv } from "./unsubscribe";

/**
 * Signed receipt links (docs/notifications.md "Receipts"), signed like the unsubscribe link
 * (HMAC-SHA256 under NOTIFY_LINK_KEY), each naming one delivery:
 *
 * - `open`: the e-mail's 1×1 pixel, `GET /v1/notifications/track/open?t=…`;
 * - `click`: an e-mail link, `GET /v1/notifications/track/click?t=…&u=<target>`; the target is
 *   inside the MAC, so the redirect goes only where the message pointed (no open redirect);
 * - `push`: the Web Push payload's `receiptUrl`, `POST /v1/notifications/receipts/push?t=…`
 *   with `{"event":"shown"|"clicked"}` from the service worker.
 *
 * Token: `<kind>.<delivery id>.<user id>.<mac, base64url>`, the user inside the MAC, so the
 * receipt goes straight to the user's database (docs/scaling.md "D1 router"); the delivery id
 * is a hash that cannot name the user. A user id is `[A-Za-z0-9_-]{1,64}` (shared/ids.ts), so
 * it needs no encoding, and the recipient's own link names no one else (the unsubscribe link
 * already names the user the same way). Links signed before the user was added,
 * `<kind>.<delivery id>.<mac>`, still verify, without a user. No expiry: a receipt can only
 * move a delivery forward, once.
 */

export const RECEIPT_KINDS = ["open", "click", "push"] as const;
export type ReceiptKind = (typeof RECEIPT_KINDS)[number];

export const TRACK_OPEN_PATH = "/v1/notifications/track/open";
export const TRACK_CLICK_PATH = "/v1/notifications/track/click";
export const PUSH_RECEIPT_PATH = "/v1/notifications/receipts/push";

const DELIVERY_ID = /^dlv_[0-9a-f]{16,64}$/;
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_TARGET = 2_000;
/** The longest token: a 5-letter kind, a 68-character delivery id, a 64-character user id. */
const MAX_TOKEN = 200;

/** What the MAC covers: v2 names the user, v1 (links signed before) does not. */
const signedText = (
  kind: ReceiptKind,
  deliveryId: string,
  userId: string | null,
  target: string,
) =>
  userId === null
    ? `boomerang-receipt:v1:${kind}:${deliveryId}:${target}`
    : `boomerang-receipt:v2:${kind}:${deliveryId}:${userId}:${target}`;

export async function signReceiptToken(
  key: string,
  kind: ReceiptKind,
  delivery: { id: string; userId: string },
  target = "",
): Promise<string> {
  const mac = await hmacSha256(key, signedText(kind, delivery.id, delivery.userId, target));
  return `${kind}.${delivery.id}.${delivery.userId}.${toBase64Url(mac)}`;
}

export type ReceiptCheck =
  /** `userId`: the delivery's user, null on a link signed before links named it. */
  | { ok: true; kind: ReceiptKind; deliveryId: string; userId: string | null }
  /** malformed: not a receipt token (400); forged: a bad MAC, another kind or target (403). */
  | { ok: false; reason: "malformed" | "forged" };

/** Checks a token for `kind` (and, for a click, its `target`). */
export async function verifyReceiptToken(
  key: string,
  kind: ReceiptKind,
  token: string | undefined,
  target = "",
): Promise<ReceiptCheck> {
  if (!token || token.length > MAX_TOKEN || target.length > MAX_TARGET) {
    return { ok: false, reason: "malformed" };
  }
  const parts = token.split(".");
  if (parts.length !== 3 && parts.length !== 4) return { ok: false, reason: "malformed" };
  const [tokenKind, deliveryId] = parts as [string, string];
  const userId = parts.length === 4 ? (parts[2] as string) : null;
  const mac = fromBase64Url(parts[parts.length - 1] as string);
  if (
    !mac ||
    !DELIVERY_ID.test(deliveryId) ||
    (userId !== null && !USER_ID.test(userId)) ||
    !(RECEIPT_KINDS as readonly string[]).includes(tokenKind)
  ) {
    return { ok: false, reason: "malformed" };
  }
  if (tokenKind !== kind) return { ok: false, reason: "forged" };
  const expected = await hmacSha256(key, signedText(kind, deliveryId, userId, target));
  if (!constantTimeEqual(mac, expected)) return { ok: false, reason: "forged" };
  return { ok: true, kind, deliveryId, userId };
}

/** Whether receipt links can be signed in this environment. */
export function canSignReceipts(
  env: UnsubscribeEnv,
): env is Required<Pick<UnsubscribeEnv, "NOTIFY_LINK_KEY" | "NOTIFY_LINK_BASE_URL">> {
  return Boolean(env.NOTIFY_LINK_KEY && env.NOTIFY_LINK_BASE_URL);
}

function linkOn(base: string, path: string, params: Record<string, string>): string {
  const url = new URL(path, base);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}

/** The e-mail open pixel of a delivery. */
export async function openPixelUrl(
  env: { NOTIFY_LINK_KEY: string; NOTIFY_LINK_BASE_URL: string },
  delivery: { id: string; userId: string },
): Promise<string> {
  const t = await signReceiptToken(env.NOTIFY_LINK_KEY, "open", delivery);
  return linkOn(env.NOTIFY_LINK_BASE_URL, TRACK_OPEN_PATH, { t });
}

/** A tracked link of a delivery: redirects to `target` (and only there) after recording. */
export async function clickUrl(
  env: { NOTIFY_LINK_KEY: string; NOTIFY_LINK_BASE_URL: string },
  delivery: { id: string; userId: string },
  target: string,
): Promise<string> {
  const t = await signReceiptToken(env.NOTIFY_LINK_KEY, "click", delivery, target);
  return linkOn(env.NOTIFY_LINK_BASE_URL, TRACK_CLICK_PATH, { t, u: target });
}

/** The receipt URL a Web Push payload carries for its service worker. */
export async function pushReceiptUrl(
  env: { NOTIFY_LINK_KEY: string; NOTIFY_LINK_BASE_URL: string },
  delivery: { id: string; userId: string },
): Promise<string> {
  const t = await signReceiptToken(env.NOTIFY_LINK_KEY, "push", delivery);
  return linkOn(env.NOTIFY_LINK_BASE_URL, PUSH_RECEIPT_PATH, { t });
}
