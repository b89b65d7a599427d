import { toHex, utf8 } from "../crypto/encoding";
import { constantTimeEqual, hmacSha256 } from "../crypto/hmac";

/**
 * Boomerang's generic postback signature, modelled on webhook signing that resists replay:
 *
 *   Boomerang-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
 *   signed string:       "<t>.<networkId>.<raw body>"
 *
 * The timestamp is inside the MAC, so an attacker who captured a postback cannot re-send it
 * later; the network id is inside too, so a postback signed for one network is worthless
 * on another network's endpoint.
 */
export const SIGNATURE_HEADER = "boomerang-signature";
export const SIGNATURE_TOLERANCE_SEC = 300;

export type SignatureCheck =
  | { ok: true; timestampSec: number }
  | {
      ok: false;
      reason: "missing_signature" | "malformed_signature" | "stale_timestamp" | "bad_signature";
    };

/**
 * Whether a signed timestamp is within ±SIGNATURE_TOLERANCE_SEC of now: the replay window
 * every timestamped postback format shares (generic here, template mappings with a timestamp).
 *
 * @example
 * withinSignatureWindow(Math.floor(Date.now() / 1000) - 301, Date.now()) // false
 */
export function withinSignatureWindow(timestampSec: number, nowMs: number): boolean {
  return Math.abs(nowMs / 1000 - timestampSec) <= SIGNATURE_TOLERANCE_SEC;
}

export function canonicalPostbackString(timestampSec: number, networkId: string, rawBody: string) {
  return `${timestampSec}.${networkId}.${rawBody}`;
}

/**
 * @example
 * const header = await signPostback(secret, "demo-network", body, Math.floor(Date.now() / 1000));
 * fetch(url, { method: "POST", body, headers: { "Boomerang-Signature": header } });
 */
export async function signPostback(
  secret: string,
  networkId: string,
  rawBody: string,
  timestampSec: number,
): Promise<string> {
  const mac = await hmacSha256(secret, canonicalPostbackString(timestampSec, networkId, rawBody));
  return `t=${timestampSec},v1=${toHex(mac)}`;
}

export async function verifyPostbackSignature(
  secret: string,
  networkId: string,
  rawBody: string,
  header: string | null,
  nowMs: number,
): Promise<SignatureCheck> {
  if (!header) return { ok: false, reason: "missing_signature" };
  const parts = new Map<string, string[]>();
  for (const piece of header.split(",")) {
    const eq = piece.indexOf("=");
    if (eq <= 0) return { ok: false, reason: "malformed_signature" };
    const key = piece.slice(0, eq).trim();
    const list = parts.get(key) ?? [];
    list.push(piece.slice(eq + 1).trim());
    parts.set(key, list);
  }
  const t = parts.get("t");
  const candidates = parts.get("v1") ?? [];
  if (t?.length !== 1 || !/^\d{1,12}$/.test(t[0] ?? "") || candidates.length === 0) {
    return { ok: false, reason: "malformed_signature" };
  }
  const timestampSec = Number(t[0]);
  if (!withinSignatureWindow(timestampSec, nowMs)) {
    return { ok: false, reason: "stale_timestamp" };
  }
  const expected = toHex(
    await hmacSha256(secret, canonicalPostbackString(timestampSec, networkId, rawBody)),
  );
  // Several v1 values are allowed so a network can sign with old and new secrets while rotating.
  const match = candidates.some((candidate) =>
    constantTimeEqual(utf8.encode(candidate), utf8.encode(expected)),
  );
  return match ? { ok: true, timestampSec } : { ok: false, reason: "bad_signature" };
}
