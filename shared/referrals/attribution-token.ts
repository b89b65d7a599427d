import { SLUG_PATTERN, USER_ID_PATTERN } from "../ids";
import { acceptedLinkKeys, type LinkKeyRing } from "../links/link-keys";
import {
  assertUnixSeconds,
  type MacScheme,
  openPayload,
  sealPayload,
  UNIX_SECONDS_TEXT,
} from "../links/signed-payload";
import { REFERRAL_CODE_PATTERN } from "./codes";
import { REFERRAL_PLATFORMS, type ReferralPlatform } from "./platform";

export type { ReferralPlatform } from "./platform";

/**
 * The attribution token: what a referral click hands the app (through the Play install
 * referrer or a deep link) and the web signup page (`ref_token`), so the signup can name the
 * click, the referrer and the program it came from without trusting the client. Signed with
 * the link key ring's current key (shared/links/link-keys.ts) under its own MAC domain, so a
 * tracking link's MAC never verifies as a referral token or the other way round; verified with
 * every accepted key, so a key rotation does not break tokens already handed out.
 *
 * Wire form: `base64url("1|<clickId>|<referrerId>|<programId>|<CODE>|<platform>|<clickedAtSec>")
 * "." base64url(mac[0..16])`. It does not expire by itself: the program's attribution window
 * (program-settings.ts) decides at signup how old a click may be.
 */
export interface AttributionClaims {
  clickId: string;
  referrerId: string;
  programId: string;
  code: string;
  platform: ReferralPlatform;
  clickedAtSec: number;
}

export type AttributionVerification =
  | { ok: true; claims: AttributionClaims }
  | { ok: false; reason: "malformed" | "bad_signature" };

const REFERRAL_SCHEME: MacScheme = { domain: "referral", macBytes: 16 };
/** A click id as `newId("click")` mints it. */
export const CLICK_ID_PATTERN = /^clk_[A-Za-z0-9_-]{1,64}$/;
/** Far above any token signed here (~200 chars): longer input is refused unread. */
const MAX_TOKEN_CHARS = 512;

function assertClaims(claims: AttributionClaims): void {
  if (!CLICK_ID_PATTERN.test(claims.clickId)) throw new RangeError("invalid clickId");
  if (!USER_ID_PATTERN.test(claims.referrerId)) throw new RangeError("invalid referrerId");
  if (!SLUG_PATTERN.test(claims.programId)) throw new RangeError("invalid programId");
  if (!REFERRAL_CODE_PATTERN.test(claims.code)) throw new RangeError("invalid code");
  if (!REFERRAL_PLATFORMS.includes(claims.platform)) throw new RangeError("invalid platform");
  assertUnixSeconds(claims.clickedAtSec, "clickedAtSec");
}

/**
 * Signs `claims` with `secret` (the ring's current key).
 *
 * @example
 * const token = await signAttributionToken(linkKeyRing(env).current.key, {
 *   clickId, referrerId: "usr_1", programId: "default", code: "K7QM4XR", platform: "web",
 *   clickedAtSec: toSec(nowMs),
 * });
 */
export async function signAttributionToken(
  secret: string,
  claims: AttributionClaims,
): Promise<string> {
  assertClaims(claims);
  const text = [
    "1",
    claims.clickId,
    claims.referrerId,
    claims.programId,
    claims.code,
    claims.platform,
    claims.clickedAtSec,
  ].join("|");
  const { payload, mac } = await sealPayload(secret, REFERRAL_SCHEME, text);
  return `${payload}.${mac}`;
}

/**
 * Verifies `token` against every key the ring accepts at `nowMs`, current first. A token no
 * accepted key signed is `bad_signature`, forged or signed with a retired key alike.
 *
 * @example
 * const verified = await verifyAttributionToken(linkKeyRing(env), body.refToken, Date.now());
 * if (verified.ok) attribute(verified.claims.referrerId, verified.claims.clickId);
 */
export async function verifyAttributionToken(
  ring: LinkKeyRing,
  token: string,
  nowMs: number,
): Promise<AttributionVerification> {
  if (token.length > MAX_TOKEN_CHARS) return { ok: false, reason: "malformed" };
  const dot = token.indexOf(".");
  if (dot <= 0 || dot !== token.lastIndexOf(".")) return { ok: false, reason: "malformed" };
  const payload = token.slice(0, dot);
  const mac = token.slice(dot + 1);
  let result: AttributionVerification = { ok: false, reason: "bad_signature" };
  for (const key of acceptedLinkKeys(ring, nowMs)) {
    const opened = await openPayload(key, REFERRAL_SCHEME, payload, mac);
    // Only a MAC mismatch depends on the key; anything else is the answer for every key.
    if (!opened.ok) {
      result = opened;
      if (opened.reason !== "bad_signature") return opened;
      continue;
    }
    const claims = parseClaims(opened.text);
    return claims ? { ok: true, claims } : { ok: false, reason: "malformed" };
  }
  return result;
}

function parseClaims(text: string): AttributionClaims | null {
  const parts = text.split("|");
  if (parts.length !== 7) return null;
  const [version, clickId, referrerId, programId, code, platform, clickedAt] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (version !== "1") return null;
  if (!CLICK_ID_PATTERN.test(clickId) || !USER_ID_PATTERN.test(referrerId)) return null;
  if (!SLUG_PATTERN.test(programId) || !REFERRAL_CODE_PATTERN.test(code)) return null;
  if (!REFERRAL_PLATFORMS.includes(platform as ReferralPlatform)) return null;
  if (!UNIX_SECONDS_TEXT.test(clickedAt)) return null;
  return {
    clickId,
    referrerId,
    programId,
    code,
    platform: platform as ReferralPlatform,
    clickedAtSec: Number(clickedAt),
  };
}
