import { SLUG_PATTERN, USER_ID_PATTERN } from "../ids";
import {
  assertUnixSeconds,
  type MacScheme,
  openPayload,
  sealPayload,
  UNIX_SECONDS_TEXT,
} from "./signed-payload";

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

const SUBID_SCHEME: MacScheme = { domain: "subid", macBytes: 12 };
/** 12 bytes encode to exactly 16 base64url chars, with no spare bits. */
const MAC_CHARS = 16;
const CLICK_ID_PATTERN = /^clk_[A-Za-z0-9_-]{8,64}$/;

export async function encodeSubId(secret: string, claims: SubIdClaims): Promise<string> {
  if (!USER_ID_PATTERN.test(claims.userId)) throw new RangeError("invalid userId");
  if (!SLUG_PATTERN.test(claims.offerId)) throw new RangeError("invalid offerId");
  if (!CLICK_ID_PATTERN.test(claims.clickId)) throw new RangeError("invalid clickId");
  assertUnixSeconds(claims.clickAtSec, "clickAtSec");
  const { payload, mac } = await sealPayload(
    secret,
    SUBID_SCHEME,
    `1|${claims.userId}|${claims.offerId}|${claims.clickAtSec}|${claims.clickId}`,
  );
  return payload + mac;
}

export async function decodeSubId(secret: string, subId: string): Promise<SubIdDecoding> {
  if (subId.length <= MAC_CHARS || subId.length > 400) return { ok: false, reason: "malformed" };
  const opened = await openPayload(
    secret,
    SUBID_SCHEME,
    subId.slice(0, -MAC_CHARS),
    subId.slice(-MAC_CHARS),
  );
  if (!opened.ok) return opened;
  const [version, userId, offerId, clickAt, clickId, ...rest] = opened.text.split("|");
  if (version !== "1" || rest.length > 0 || !userId || !offerId || !clickAt || !clickId) {
    return { ok: false, reason: "malformed" };
  }
  if (
    !USER_ID_PATTERN.test(userId) ||
    !SLUG_PATTERN.test(offerId) ||
    !CLICK_ID_PATTERN.test(clickId) ||
    !UNIX_SECONDS_TEXT.test(clickAt)
  ) {
    return { ok: false, reason: "malformed" };
  }
  return { ok: true, claims: { userId, offerId, clickId, clickAtSec: Number(clickAt) } };
}
