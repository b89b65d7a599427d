import { fromBase64Url, toBase64Url, utf8, utf8Decoder } from "./encoding";

/**
 * Field encryption for personal data at rest (bank account numbers, UPI ids): AES-256-GCM
 * with a random 96-bit nonce, the key version in the envelope so keys can rotate, and the
 * field's context (e.g. "dest:usr_42:account") bound in as associated data, so a sealed value
 * copied into another row or field does not open.
 *
 * Envelope: `v<keyVersion>.<base64url nonce>.<base64url ciphertext+tag>`.
 */

/** Versioned keys from secrets: `{ 1: "<base64url 32 bytes>", 2: "…" }`; the highest seals. */
export type KeyRing = Record<number, string>;

export type OpenResult =
  | { ok: true; plaintext: string; keyVersion: number }
  | { ok: false; reason: "malformed" | "unknown_key" | "tampered" };

const NONCE_BYTES = 12;
const keyCache = new Map<string, Promise<CryptoKey>>();

function importKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    const raw = fromBase64Url(secret);
    if (raw?.length !== 32) throw new RangeError("encryption keys are 32 bytes, base64url");
    key = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    keyCache.set(secret, key);
  }
  return key;
}

function currentVersion(ring: KeyRing): number {
  const versions = Object.keys(ring).map(Number).filter(Number.isSafeInteger);
  if (versions.length === 0) throw new RangeError("the key ring is empty");
  return Math.max(...versions);
}

/**
 * @example
 * const sealed = await seal(ring, "123456789012", "dest:usr_42:account");
 * const opened = await open(ring, sealed, "dest:usr_42:account"); // { ok: true, plaintext: "123456789012", … }
 */
export async function seal(ring: KeyRing, plaintext: string, context: string): Promise<string> {
  const version = currentVersion(ring);
  const key = await importKey(ring[version] as string);
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: nonce, additionalData: utf8.encode(context) },
    key,
    utf8.encode(plaintext),
  );
  return `v${version}.${toBase64Url(nonce)}.${toBase64Url(new Uint8Array(sealed))}`;
}

/** Never throws on bad input: a value that does not open is a result, not an exception. */
export async function open(ring: KeyRing, envelope: string, context: string): Promise<OpenResult> {
  const match = /^v(\d{1,6})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22,})$/.exec(envelope);
  if (!match) return { ok: false, reason: "malformed" };
  const version = Number(match[1]);
  const secret = ring[version];
  if (!secret) return { ok: false, reason: "unknown_key" };
  const nonce = fromBase64Url(match[2] as string);
  const body = fromBase64Url(match[3] as string);
  if (!nonce || !body || nonce.length !== NONCE_BYTES) return { ok: false, reason: "malformed" };
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: nonce, additionalData: utf8.encode(context) },
      await importKey(secret),
      body,
    );
    return { ok: true, plaintext: utf8Decoder.decode(new Uint8Array(plain)), keyVersion: version };
  } catch {
    return { ok: false, reason: "tampered" };
  }
}

/** Whether a sealed value should be re-sealed under the current key (rotation sweep). */
export function needsResealing(ring: KeyRing, envelope: string): boolean {
  const version = /^v(\d{1,6})\./.exec(envelope)?.[1];
  return version === undefined || Number(version) !== currentVersion(ring);
}

/**
 * Shows only the last four characters, the way a destination is ever displayed.
 *
 * @example
 * mask("123456789012") // "••••••••9012"
 */
export function mask(value: string, visible = 4): string {
  const chars = Array.from(value);
  // `slice(-0)` is the whole string: a request to show nothing must show nothing.
  if (visible <= 0 || chars.length <= visible) return "•".repeat(chars.length);
  return "•".repeat(chars.length - visible) + chars.slice(-visible).join("");
}

/**
 * The key ring from its secret: JSON `{"1":"<base64url 32 bytes>","2":"…"}`. Null when the
 * secret is missing or malformed, so callers refuse to store personal data rather than guess.
 */
export function parseKeyRing(raw: string | undefined): KeyRing | null {
  if (!raw) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
  const ring: KeyRing = {};
  for (const [version, secret] of Object.entries(parsed)) {
    if (!/^[1-9]\d{0,5}$/.test(version) || typeof secret !== "string") return null;
    if (fromBase64Url(secret)?.length !== 32) return null;
    ring[Number(version)] = secret;
  }
  return Object.keys(ring).length > 0 ? ring : null;
}
