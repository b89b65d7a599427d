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
 * Token: `<kind>.<delivery id>.<mac, base64url>`. No expiry: a receipt can only move a
 * delivery forward, once.
 */

export const RECEIPT_KINDS = ["open", "click", "push"] as const;
export type ReceiptKind = (typeof RECEIPT_KINDS)[number];

export const TRACK_OPEN_PATH = "/v1/notifications/track/open";
export const TRACK_CLICK_PATH = "/v1/notifications/track/click";
export const PUSH_RECEIPT_PATH = "/v1/notifications/receipts/push";

const DELIVERY_ID = /^dlv_[0-9a-f]{16,64}$/;
const MAX_TARGET = 2_000;

const signedText = (kind: ReceiptKind, deliveryId: string, target: string) =>
  `boomerang-receipt:v1:${kind}:${deliveryId}:${target}`;

export async function signReceiptToken(
  key: string,
  kind: ReceiptKind,
  deliveryId: string,
  target = "",
): Promise<string> {
  const mac = await hmacSha256(key, signedText(kind, deliveryId, target));
  return `${kind}.${deliveryId}.${toBase64Url(mac)}`;
}

export type ReceiptCheck =
  | { ok: true; kind: ReceiptKind; deliveryId: string }
  /** malformed: not a receipt token (400); forged: a bad MAC, another kind or target (403). */
  | { ok: false; reason: "malformed" | "forged" };

/** Checks a token for `kind` (and, for a click, its `target`). */
export async function verifyReceiptToken(
  key: string,
  kind: ReceiptKind,
  token: string | undefined,
  target = "",
): Promise<ReceiptCheck> {
  if (!token || token.length > 200 || target.length > MAX_TARGET) {
    return { ok: false, reason: "malformed" };
  }
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, reason: "malformed" };
  const [tokenKind, deliveryId, macPart] = parts as [string, string, string];
  const mac = fromBase64Url(macPart);
  if (
    !mac ||
    !DELIVERY_ID.test(deliveryId) ||
    !(RECEIPT_KINDS as readonly string[]).includes(tokenKind)
  ) {
    return { ok: false, reason: "malformed" };
  }
  if (tokenKind !== kind) return { ok: false, reason: "forged" };
  const expected = await hmacSha256(key, signedText(kind, deliveryId, target));
  if (!constantTimeEqual(mac, expected)) return { ok: false, reason: "forged" };
  return { ok: true, kind, deliveryId };
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
  deliveryId: string,
): Promise<string> {
  const t = await signReceiptToken(env.NOTIFY_LINK_KEY, "open", deliveryId);
  return linkOn(env.NOTIFY_LINK_BASE_URL, TRACK_OPEN_PATH, { t });
}

/** A tracked link of a delivery: redirects to `target` (and only there) after recording. */
export async function clickUrl(
  env: { NOTIFY_LINK_KEY: string; NOTIFY_LINK_BASE_URL: string },
  deliveryId: string,
  target: string,
): Promise<string> {
  const t = await signReceiptToken(env.NOTIFY_LINK_KEY, "click", deliveryId, target);
  return linkOn(env.NOTIFY_LINK_BASE_URL, TRACK_CLICK_PATH, { t, u: target });
}

/** The receipt URL a Web Push payload carries for its service worker. */
export async function pushReceiptUrl(
  env: { NOTIFY_LINK_KEY: string; NOTIFY_LINK_BASE_URL: string },
  deliveryId: string,
): Promise<string> {
  const t = await signReceiptToken(env.NOTIFY_LINK_KEY, "push", deliveryId);
  return linkOn(env.NOTIFY_LINK_BASE_URL, PUSH_RECEIPT_PATH, { t });
}
