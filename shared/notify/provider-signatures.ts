import { utf8 } from "../crypto/encoding";
import { constantTimeEqual } from "../crypto/hmac";

/**
 * Verifying the providers' receipt callbacks (docs/notifications.md "Receipts"), WebCrypto only.
 *
 * - Resend signs its webhooks the Svix way: headers `svix-id`, `svix-timestamp` (unix seconds)
 *   and `svix-signature` (space-separated `v1,<base64 HMAC-SHA256>` entries, several while a
 *   secret rotates) over `${id}.${timestamp}.${raw body}`, keyed by the base64 bytes after the
 *   `whsec_` prefix of the signing secret. Timestamps more than five minutes away are refused.
 * - Twilio signs a status callback with `X-Twilio-Signature`: base64 HMAC-SHA1, keyed by the
 *   account's auth token, over the full URL it called followed by every POST parameter, sorted
 *   by name, as name and value concatenated without separators.
 */

export const SVIX_TOLERANCE_SEC = 5 * 60;

function fromBase64(text: string): Uint8Array | null {
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

async function hmac(hash: "SHA-1" | "SHA-256", key: Uint8Array, message: string) {
  const imported = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash }, false, [
    "sign",
  ]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", imported, utf8.encode(message)));
}

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: "malformed" | "forged" | "stale" | "unconfigured" };

/** The Svix signature (`v1,<base64>`) of a message: for tests and the dev tools. */
export async function svixSignature(
  secret: string,
  id: string,
  timestampSec: number,
  body: string,
): Promise<string> {
  const key = svixKey(secret);
  if (!key) throw new Error("a Svix secret is whsec_ followed by base64");
  return `v1,${toBase64(await hmac("SHA-256", key, `${id}.${timestampSec}.${body}`))}`;
}

function svixKey(secret: string): Uint8Array | null {
  if (!secret.startsWith("whsec_")) return null;
  const key = fromBase64(secret.slice("whsec_".length));
  return key && key.length > 0 ? key : null;
}

/** Verifies a Resend (Svix) webhook over its raw body. */
export async function verifySvix(
  secret: string | undefined,
  headers: { id: string | null; timestamp: string | null; signature: string | null },
  body: string,
  nowMs: number,
): Promise<SignatureCheck> {
  const key = svixKey(secret ?? "");
  if (!key) return { ok: false, reason: "unconfigured" };
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature || !/^\d{1,12}$/.test(timestamp) || id.length > 200) {
    return { ok: false, reason: "malformed" };
  }
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SVIX_TOLERANCE_SEC) {
    return { ok: false, reason: "stale" };
  }
  const expected = await hmac("SHA-256", key, `${id}.${timestamp}.${body}`);
  for (const entry of signature.split(" ")) {
    const [version, value] = entry.split(",", 2);
    if (version !== "v1" || !value) continue;
    const given = fromBase64(value);
    if (given && constantTimeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, reason: "forged" };
}

/** Twilio's request signature for `url` and the POST parameters. */
export async function twilioSignature(
  authToken: string,
  url: string,
  params: Iterable<readonly [string, string]>,
): Promise<string> {
  const sorted = [...params].sort(([a, av], [b, bv]) =>
    a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0,
  );
  const data = url + sorted.map(([name, value]) => name + value).join("");
  return toBase64(await hmac("SHA-1", utf8.encode(authToken), data));
}

/** Verifies `X-Twilio-Signature` for a form POST to `url`. */
export async function verifyTwilio(
  authToken: string | undefined,
  signature: string | null,
  url: string,
  params: Iterable<readonly [string, string]>,
): Promise<SignatureCheck> {
  if (!authToken) return { ok: false, reason: "unconfigured" };
  if (!signature) return { ok: false, reason: "malformed" };
  const given = fromBase64(signature);
  const expected = fromBase64(await twilioSignature(authToken, url, params));
  if (!given || !expected) return { ok: false, reason: "malformed" };
  return constantTimeEqual(given, expected) ? { ok: true } : { ok: false, reason: "forged" };
}
