import { fromBase64Url, toBase64Url, utf8, utf8Decoder } from "../crypto/encoding";
import { constantTimeEqual, hmacSha256 } from "../crypto/hmac";
import { SLUG_PATTERN, USER_ID_PATTERN } from "../ids";

/**
 * The sub-ID travels through the affiliate network and comes back on the postback. It
 * carries everything attribution needs (user, offer, click, click time) so the postback
 * consumer can route straight to the user's Durable Object, and a MAC so nobody can mint
 * one that credits an account they choose.
 *
 * Wire form: `base64url("1|<userId>|<offerId>|<clickAtSec>|<clickId>") + base64url(mac[0..12])`.
 * The MAC has a fixed encoded length (16 chars), so no delimiter is needed: networks
 * disagree on which punctuation survives, but all pass [A-Za-z0-9_-].
 */
export interface SubIdClaims {
  userId: string;
  offerId: string;
  clickId: string;
  clickAtSec: number;
}

export type SubIdDecoding =
  | { ok: true; claims: SubIdClaims }
  | { ok: false; reason: "malformed" | "bad_signature" };

const MAC_BYTES = 12;
const MAC_CHARS = 16;
const CLICK_ID_PATTERN = /^clk_[A-Za-z0-9_-]{8,64}$/;

export async function encodeSubId(secret: string, claims: SubIdClaims): Promise<string> {
  if (!USER_ID_PATTERN.test(claims.userId)) throw new RangeError("invalid userId");
  if (!SLUG_PATTERN.test(claims.offerId)) throw new RangeError("invalid offerId");
  if (!CLICK_ID_PATTERN.test(claims.clickId)) throw new RangeError("invalid clickId");
  if (
    !Number.isSafeInteger(claims.clickAtSec) ||
    claims.clickAtSec < 0 ||
    claims.clickAtSec > 999_999_999_999
  ) {
    throw new RangeError("clickAtSec must be whole unix seconds");
  }
  const payload = toBase64Url(
    utf8.encode(`1|${claims.userId}|${claims.offerId}|${claims.clickAtSec}|${claims.clickId}`),
  );
  const mac = (await hmacSha256(secret, `subid.${payload}`)).slice(0, MAC_BYTES);
  return payload + toBase64Url(mac);
}

export async function decodeSubId(secret: string, subId: string): Promise<SubIdDecoding> {
  if (subId.length <= MAC_CHARS || subId.length > 400) return { ok: false, reason: "malformed" };
  const payload = subId.slice(0, -MAC_CHARS);
  const macText = subId.slice(-MAC_CHARS);
  const givenMac = fromBase64Url(macText);
  const payloadBytes = fromBase64Url(payload);
  if (!givenMac || !payloadBytes || toBase64Url(givenMac) !== macText) {
    return { ok: false, reason: "malformed" };
  }
  const expectedMac = (await hmacSha256(secret, `subid.${payload}`)).slice(0, MAC_BYTES);
  if (!constantTimeEqual(givenMac, expectedMac)) return { ok: false, reason: "bad_signature" };
  let text: string;
  try {
    text = utf8Decoder.decode(payloadBytes);
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const [version, userId, offerId, clickAt, clickId, ...rest] = text.split("|");
  if (version !== "1" || rest.length > 0 || !userId || !offerId || !clickAt || !clickId) {
    return { ok: false, reason: "malformed" };
  }
  if (
    !USER_ID_PATTERN.test(userId) ||
    !SLUG_PATTERN.test(offerId) ||
    !CLICK_ID_PATTERN.test(clickId) ||
    !/^\d{1,12}$/.test(clickAt)
  ) {
    return { ok: false, reason: "malformed" };
  }
  return { ok: true, claims: { userId, offerId, clickId, clickAtSec: Number(clickAt) } };
}
