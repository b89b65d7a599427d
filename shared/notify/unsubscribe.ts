import { fromBase64Url, toBase64Url, utf8, utf8Decoder } from "../crypto/encoding";
import { constantTimeEqual, hmacSha256 } from "../crypto/hmac";
import { NOTIFICATION_CATEGORIES, type NotificationCategory } from "./catalog";

/**
 * Signed unsubscribe links (RFC 8058 one-click): a token naming a user and a category, signed
 * with HMAC-SHA256 under NOTIFY_LINK_KEY, so the link works without a login and cannot be
 * pointed at another user. `<user id, base64url>.<category>.<issued, unix s>.<mac, base64url>`.
 */

/** Links older than this are refused (a year and a bit: e-mails are read late). */
export const UNSUBSCRIBE_MAX_AGE_SEC = 400 * 86_400;

export interface UnsubscribeClaims {
  userId: string;
  category: NotificationCategory;
  issuedAtSec: number;
}

export type UnsubscribeCheck =
  | { ok: true; claims: UnsubscribeClaims }
  /** malformed: not a token at all (400); forged: a bad signature, a changed user or category, or expired (403). */
  | { ok: false; reason: "malformed" | "forged" | "expired" };

const signed = (c: UnsubscribeClaims) =>
  `boomerang-unsubscribe:v1:${c.userId}:${c.category}:${c.issuedAtSec}`;

/** A token for `claims`, signed under `key`. */
export async function signUnsubscribeToken(
  key: string,
  claims: UnsubscribeClaims,
): Promise<string> {
  const mac = await hmacSha256(key, signed(claims));
  return [
    toBase64Url(utf8.encode(claims.userId)),
    claims.category,
    String(claims.issuedAtSec),
    toBase64Url(mac),
  ].join(".");
}

/** Checks a token's form, signature and age; the claims only when all hold. */
export async function verifyUnsubscribeToken(
  key: string,
  token: string,
  nowMs: number,
): Promise<UnsubscribeCheck> {
  const parts = token.split(".");
  if (parts.length !== 4 || token.length > 512) return { ok: false, reason: "malformed" };
  const [userPart, category, issued, macPart] = parts as [string, string, string, string];
  const userBytes = fromBase64Url(userPart);
  const mac = fromBase64Url(macPart);
  if (
    !userBytes ||
    !mac ||
    !/^[0-9]{1,12}$/.test(issued) ||
    !(NOTIFICATION_CATEGORIES as readonly string[]).includes(category)
  ) {
    return { ok: false, reason: "malformed" };
  }
  let userId: string;
  try {
    userId = utf8Decoder.decode(userBytes);
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const claims = {
    userId,
    category: category as NotificationCategory,
    issuedAtSec: Number(issued),
  };
  if (!constantTimeEqual(mac, await hmacSha256(key, signed(claims)))) {
    return { ok: false, reason: "forged" };
  }
  const ageSec = nowMs / 1000 - claims.issuedAtSec;
  if (ageSec > UNSUBSCRIBE_MAX_AGE_SEC || ageSec < -86_400) return { ok: false, reason: "expired" };
  return { ok: true, claims };
}

/** The link-signing settings of an environment (shared/env.ts). */
export interface UnsubscribeEnv {
  NOTIFY_LINK_KEY?: string;
  NOTIFY_LINK_BASE_URL?: string;
}

/**
 * The one-click unsubscribe link for a user's promotional messages: put it in the message
 * (and, for e-mail, in `List-Unsubscribe` with `List-Unsubscribe-Post: List-Unsubscribe=One-Click`).
 */
export async function unsubscribeUrlFor(
  env: UnsubscribeEnv,
  userId: string,
  nowMs: number = Date.now(),
): Promise<string> {
  if (!env.NOTIFY_LINK_KEY || !env.NOTIFY_LINK_BASE_URL) {
    throw new Error(
      "NOTIFY_LINK_KEY and NOTIFY_LINK_BASE_URL must be set to sign unsubscribe links",
    );
  }
  const token = await signUnsubscribeToken(env.NOTIFY_LINK_KEY, {
    userId,
    category: "promotional",
    issuedAtSec: Math.floor(nowMs / 1000),
  });
  const url = new URL("/v1/notifications/unsubscribe", env.NOTIFY_LINK_BASE_URL);
  url.searchParams.set("token", token);
  return url.toString();
}
