import { SLUG_PATTERN, USER_ID_PATTERN } from "../ids";
import {
  assertUnixSeconds,
  type MacScheme,
  openPayload,
  sealPayload,
  UNIX_SECONDS_TEXT,
} from "./signed-payload";

/**
 * A tracking link token names one user and one offer and expires. It is verified with a
 * shared secret only, so the redirect worker never needs a database to trust it.
 *
 * Wire form: `base64url("1|<userId>|<offerId>|<expiresAtSec>") "." base64url(mac[0..16])`, or,
 * when the link carries the user's segments (campaign targeting), version 2:
 * `base64url("2|<userId>|<offerId>|<expiresAtSec>|<segment>,<segment>…")`.
 */
export interface LinkClaims {
  userId: string;
  offerId: string;
  expiresAtSec: number;
  /**
   * The user's segments that a campaign on this offer targets, as the user's token listed
   * them when the link was minted. Absent or empty: none (a version 1 token).
   */
  segments?: string[];
}

/** A segment name: a lowercase slug of up to 32 characters. */
export const SEGMENT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;
/** Bound on the segments one link carries, so the token stays well under its size limit. */
export const MAX_LINK_SEGMENTS = 4;

export type LinkVerification =
  | { ok: true; claims: LinkClaims }
  | { ok: false; reason: "malformed" | "bad_signature" | "expired" };

const LINK_SCHEME: MacScheme = { domain: "link", macBytes: 16 };

export async function signLinkToken(secret: string, claims: LinkClaims): Promise<string> {
  if (!USER_ID_PATTERN.test(claims.userId)) throw new RangeError("invalid userId");
  if (!SLUG_PATTERN.test(claims.offerId)) throw new RangeError("invalid offerId");
  assertUnixSeconds(claims.expiresAtSec, "expiresAtSec");
  const segments = claims.segments ?? [];
  if (!validSegments(segments)) {
    throw new RangeError(`at most ${MAX_LINK_SEGMENTS} segments, each a slug of up to 32 chars`);
  }
  const base = `${claims.userId}|${claims.offerId}|${claims.expiresAtSec}`;
  const text = segments.length === 0 ? `1|${base}` : `2|${base}|${segments.join(",")}`;
  const { payload, mac } = await sealPayload(secret, LINK_SCHEME, text);
  return `${payload}.${mac}`;
}

/**
 * @example
 * const r = await verifyLinkToken(secret, token, Date.now());
 * if (!r.ok) return page(r.reason === "expired" ? 410 : 400);
 */
export async function verifyLinkToken(
  secret: string,
  token: string,
  nowMs: number,
): Promise<LinkVerification> {
  if (token.length > 512) return { ok: false, reason: "malformed" };
  const dot = token.indexOf(".");
  if (dot <= 0 || dot !== token.lastIndexOf(".")) return { ok: false, reason: "malformed" };
  const opened = await openPayload(secret, LINK_SCHEME, token.slice(0, dot), token.slice(dot + 1));
  if (!opened.ok) return opened;
  const claims = parseClaims(opened.text);
  if (!claims) return { ok: false, reason: "malformed" };
  if (claims.expiresAtSec * 1000 <= nowMs) return { ok: false, reason: "expired" };
  return { ok: true, claims };
}

function parseClaims(text: string): LinkClaims | null {
  const [version, userId, offerId, expires, ...rest] = text.split("|");
  if (!userId || !offerId || !expires) return null;
  if (!USER_ID_PATTERN.test(userId) || !SLUG_PATTERN.test(offerId)) return null;
  if (!UNIX_SECONDS_TEXT.test(expires)) return null;
  const claims: LinkClaims = { userId, offerId, expiresAtSec: Number(expires) };
  if (version === "1" && rest.length === 0) return claims;
  // Version 2 always names at least one segment: a link without any is version 1, so each
  // set of claims has exactly one spelling.
  const [list, ...more] = rest;
  if (version !== "2" || more.length > 0 || !list) return null;
  const segments = list.split(",");
  return validSegments(segments) ? { ...claims, segments } : null;
}

function validSegments(segments: readonly string[]): boolean {
  return segments.length <= MAX_LINK_SEGMENTS && segments.every((s) => SEGMENT_PATTERN.test(s));
}
