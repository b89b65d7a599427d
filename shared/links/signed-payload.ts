import { fromBase64Url, toBase64Url, utf8, utf8Decoder } from "../crypto/encoding";
import { constantTimeEqual, hmacSha256 } from "../crypto/hmac";

/**
 * The scheme link tokens and sub-IDs share: a `|`-separated text, base64url-encoded, with a
 * truncated HMAC-SHA256 over `"<domain>.<payload>"`. The domain keeps a MAC made for one kind
 * of value from ever verifying as the other; each caller frames payload and MAC its own way.
 */
export interface MacScheme {
  domain: "link" | "subid" | "referral";
  macBytes: number;
}

export type OpenedPayload =
  | { ok: true; text: string }
  | { ok: false; reason: "malformed" | "bad_signature" };

/** Whole unix seconds as the wire form spells them: 1 to 12 digits. */
export const UNIX_SECONDS_TEXT = /^\d{1,12}$/;

/** Encodes `text` and MACs it: both halves base64url, in canonical spelling. */
export async function sealPayload(
  secret: string,
  scheme: MacScheme,
  text: string,
): Promise<{ payload: string; mac: string }> {
  const payload = toBase64Url(utf8.encode(text));
  return { payload, mac: toBase64Url(await macFor(secret, scheme, payload)) };
}

/**
 * Checks the MAC and returns the payload text. Encoding problems are `malformed`; a MAC that
 * does not match is `bad_signature`, whatever the payload says (so a forged value never
 * reveals what the parser would have made of it).
 */
export async function openPayload(
  secret: string,
  scheme: MacScheme,
  payload: string,
  macText: string,
): Promise<OpenedPayload> {
  const givenMac = fromBase64Url(macText);
  const payloadBytes = fromBase64Url(payload);
  // Canonical MAC spelling only: a last base64url char with spare bits would otherwise give
  // one value many spellings, and anything keyed on the string would see many values.
  if (
    !givenMac ||
    !payloadBytes ||
    givenMac.length !== scheme.macBytes ||
    toBase64Url(givenMac) !== macText
  ) {
    return { ok: false, reason: "malformed" };
  }
  if (!constantTimeEqual(givenMac, await macFor(secret, scheme, payload))) {
    return { ok: false, reason: "bad_signature" };
  }
  try {
    return { ok: true, text: utf8Decoder.decode(payloadBytes) };
  } catch {
    return { ok: false, reason: "malformed" };
  }
}

/** Throws unless `value` is whole unix seconds the wire form can carry (≤ 12 digits). */
export function assertUnixSeconds(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > 999_999_999_999) {
    throw new RangeError(`${name} must be whole unix seconds`);
  }
}

async function macFor(secret: string, scheme: MacScheme, payload: string): Promise<Uint8Array> {
  return (await hmacSha256(secret, `${scheme.domain}.${payload}`)).slice(0, scheme.macBytes);
}
