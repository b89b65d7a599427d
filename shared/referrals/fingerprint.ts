import { toBase64Url } from "../crypto/encoding";
import { hmacSha256 } from "../crypto/hmac";

/**
 * The hashed IP + User-Agent a referral click is recorded with, and a signup is compared
 * against for a probabilistic match (docs/referrals.md "Clicks"). Keyed with SUBID_SIGNING_KEY
 * so nobody without the key can test a guessed address against stored fingerprints; the raw IP
 * and User-Agent are never stored or logged. The IP is lower-cased (IPv6 hex) and both halves
 * trimmed, so the click and the signup spell the same visitor the same way.
 *
 * @example
 * await fingerprintOf(env.SUBID_SIGNING_KEY, "203.0.113.7", "Mozilla/5.0 …") // "3vJ…" (43 chars)
 */
export async function fingerprintOf(
  secret: string,
  ipAddress: string,
  userAgent: string,
): Promise<string> {
  const ip = ipAddress.trim().toLowerCase();
  const ua = userAgent.trim();
  return toBase64Url(await hmacSha256(secret, `referral-fp.${ip}|${ua}`));
}
