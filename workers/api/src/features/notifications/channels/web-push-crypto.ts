import { fromBase64Url, toBase64Url, utf8 } from "#shared/crypto/encoding";

/**
 * Web Push with WebCrypto only (docs/notifications.md "Channels"):
 *
 * - RFC 8291 message encryption in the `aes128gcm` content coding (RFC 8188): an ephemeral
 *   ECDH P-256 key pair per message, agreed with the subscriber's `p256dh`; HKDF-SHA-256 keyed
 *   by the subscription's 16-byte auth secret; AES-128-GCM over one record.
 * - RFC 8292 VAPID: an ES256 JWT (`aud` = the push service's origin, `exp` ≤ 24 h, `sub` = a
 *   contact for the operator), sent as `Authorization: vapid t=<jwt>, k=<public key>`.
 *
 * The receiving side (decrypt, verify) is here too: the test push receiver uses it, and it
 * keeps the two directions honest against each other.
 */

/** Record size written into the header; one record only, so the body is at most this. */
export const RECORD_SIZE = 4096;
const SALT_BYTES = 16;
const TAG_BYTES = 16;
const P256_POINT_BYTES = 65;
const HEADER_BYTES = SALT_BYTES + 4 + 1 + P256_POINT_BYTES;
/** The largest plaintext one record carries: the record minus the tag and the 0x02 delimiter. */
export const MAX_PLAINTEXT_BYTES = RECORD_SIZE - HEADER_BYTES - TAG_BYTES - 1;
/** RFC 8292 §2: a JWT valid for more than 24 hours is refused by push services. */
export const MAX_VAPID_TTL_SEC = 24 * 60 * 60;

const ECDH = { name: "ECDH", namedCurve: "P-256" } as const;
const ECDSA = { name: "ECDSA", namedCurve: "P-256" } as const;

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

async function hkdf(
  salt: Uint8Array,
  ikm: Uint8Array,
  info: Uint8Array,
  bytes: number,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  return new Uint8Array(
    await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, key, bytes * 8),
  );
}

/** `true` for a 65-byte uncompressed point (0x04 ‖ x ‖ y); not a check that it is on the curve. */
export function isUncompressedPoint(bytes: Uint8Array | null): bytes is Uint8Array {
  return bytes !== null && bytes.length === P256_POINT_BYTES && bytes[0] === 4;
}

/** A JWK for a P-256 key from its uncompressed public point (and private scalar, when given). */
export function p256Jwk(publicPoint: Uint8Array, privateScalar?: Uint8Array): JsonWebKey {
  if (!isUncompressedPoint(publicPoint)) throw new RangeError("a P-256 public key is 65 bytes");
  const jwk: JsonWebKey = {
    kty: "EC",
    crv: "P-256",
    x: toBase64Url(publicPoint.slice(1, 33)),
    y: toBase64Url(publicPoint.slice(33, 65)),
    ext: true,
  };
  if (privateScalar) {
    if (privateScalar.length !== 32) throw new RangeError("a P-256 private key is 32 bytes");
    jwk.d = toBase64Url(privateScalar);
  }
  return jwk;
}

export function importEcdhPublic(point: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", point, ECDH, true, []);
}

export function importEcdhPrivate(point: Uint8Array, scalar: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("jwk", p256Jwk(point, scalar), ECDH, false, ["deriveBits"]);
}

async function ecdhSecret(privateKey: CryptoKey, publicKey: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(
    // workers-types spell the peer key `$public`; the runtime (and WebCrypto) read `public`.
    await crypto.subtle.deriveBits(
      { name: "ECDH", public: publicKey } as unknown as SubtleCryptoDeriveKeyAlgorithm,
      privateKey,
      256,
    ),
  );
}

/** RFC 8291 §3.4 and RFC 8188 §2.2–2.3: the content key and nonce of one message. */
async function messageKeys(
  ecdh: Uint8Array,
  authSecret: Uint8Array,
  uaPublic: Uint8Array,
  asPublic: Uint8Array,
  salt: Uint8Array,
): Promise<{ cek: CryptoKey; nonce: Uint8Array }> {
  const keyInfo = concat(utf8.encode("WebPush: info\0"), uaPublic, asPublic);
  const ikm = await hkdf(authSecret, ecdh, keyInfo, 32);
  const cekBytes = await hkdf(salt, ikm, utf8.encode("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, utf8.encode("Content-Encoding: nonce\0"), 12);
  const cek = await crypto.subtle.importKey("raw", cekBytes, "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
  return { cek, nonce };
}

/** The application server's side of one message: its ephemeral key pair and the salt. */
export interface SenderKeys {
  privateKey: CryptoKey;
  /** Uncompressed point, 65 bytes: becomes the record header's key id. */
  publicKey: Uint8Array;
  salt: Uint8Array;
}

/** A fresh ephemeral key pair and random salt: what every real message uses. */
export async function freshSenderKeys(): Promise<SenderKeys> {
  const pair = (await crypto.subtle.generateKey(ECDH, true, ["deriveBits"])) as CryptoKeyPair;
  const publicKey = new Uint8Array(
    (await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer,
  );
  return {
    privateKey: pair.privateKey,
    publicKey,
    salt: crypto.getRandomValues(new Uint8Array(SALT_BYTES)),
  };
}

/**
 * Encrypts `plaintext` for one subscription (RFC 8291 §4): header (salt ‖ rs ‖ idlen ‖ key id)
 * then one AES-128-GCM record of plaintext ‖ 0x02. `sender` is fixed only by the RFC's worked
 * example; otherwise every call makes a fresh key pair and salt.
 *
 * @example
 * const body = await encryptPushPayload(utf8.encode("{…}"), p256dh, auth);
 */
export async function encryptPushPayload(
  plaintext: Uint8Array,
  uaPublic: Uint8Array,
  authSecret: Uint8Array,
  sender?: SenderKeys,
): Promise<Uint8Array> {
  if (plaintext.length > MAX_PLAINTEXT_BYTES) {
    throw new RangeError(`a push payload is at most ${MAX_PLAINTEXT_BYTES} bytes`);
  }
  if (!isUncompressedPoint(uaPublic)) throw new RangeError("p256dh is not a P-256 point");
  if (authSecret.length !== 16) throw new RangeError("the auth secret is 16 bytes");
  const keys = sender ?? (await freshSenderKeys());
  const ecdh = await ecdhSecret(keys.privateKey, await importEcdhPublic(uaPublic));
  const { cek, nonce } = await messageKeys(ecdh, authSecret, uaPublic, keys.publicKey, keys.salt);
  const record = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: nonce, tagLength: 128 },
      cek,
      concat(plaintext, new Uint8Array([2])),
    ),
  );
  const header = new Uint8Array(HEADER_BYTES);
  header.set(keys.salt, 0);
  new DataView(header.buffer).setUint32(SALT_BYTES, RECORD_SIZE);
  header[SALT_BYTES + 4] = P256_POINT_BYTES;
  header.set(keys.publicKey, SALT_BYTES + 5);
  return concat(header, record);
}

/**
 * The user agent's side (RFC 8291 §4, RFC 8188 §2): reads the header, agrees the secret with
 * the subscriber's private key, decrypts the one record and strips its padding. Throws on
 * anything malformed or tampered.
 */
export async function decryptPushPayload(
  body: Uint8Array,
  subscriber: { privateKey: CryptoKey; publicKey: Uint8Array; authSecret: Uint8Array },
): Promise<Uint8Array> {
  if (body.length < HEADER_BYTES + TAG_BYTES + 1) throw new RangeError("too short");
  const salt = body.slice(0, SALT_BYTES);
  const rs = new DataView(body.buffer, body.byteOffset).getUint32(SALT_BYTES);
  const idLength = body[SALT_BYTES + 4];
  if (idLength !== P256_POINT_BYTES) throw new RangeError("the key id is not a P-256 point");
  const asPublic = body.slice(SALT_BYTES + 5, HEADER_BYTES);
  const record = body.slice(HEADER_BYTES);
  if (record.length > rs) throw new RangeError("more than one record");
  const ecdh = await ecdhSecret(subscriber.privateKey, await importEcdhPublic(asPublic));
  const { cek, nonce } = await messageKeys(
    ecdh,
    subscriber.authSecret,
    subscriber.publicKey,
    asPublic,
    salt,
  );
  const padded = new Uint8Array(
    await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce, tagLength: 128 }, cek, record),
  );
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new RangeError("not the last record (delimiter missing)");
  return padded.slice(0, end);
}

// ---- VAPID (RFC 8292) ---------------------------------------------------------------------------

export interface VapidKeys {
  /** Base64url uncompressed P-256 point (65 bytes): what the browser subscribes with. */
  publicKey: string;
  /** Base64url private scalar (32 bytes). A secret. */
  privateKey: string;
}

const vapidKeyCache = new Map<string, Promise<CryptoKey>>();

function vapidSigningKey(keys: VapidKeys): Promise<CryptoKey> {
  const cacheKey = `${keys.publicKey}.${keys.privateKey}`;
  let key = vapidKeyCache.get(cacheKey);
  if (!key) {
    const point = fromBase64Url(keys.publicKey);
    const scalar = fromBase64Url(keys.privateKey);
    if (!isUncompressedPoint(point) || scalar?.length !== 32) {
      throw new RangeError("VAPID keys: a 65-byte public point and a 32-byte private key");
    }
    key = crypto.subtle.importKey("jwk", p256Jwk(point, scalar), ECDSA, false, ["sign"]);
    // A key that does not import is not cached: the next send sees the same error.
    key.catch(() => vapidKeyCache.delete(cacheKey));
    vapidKeyCache.set(cacheKey, key);
  }
  return key;
}

/** The origin a JWT's `aud` names: scheme, host and port of the push endpoint. */
export function pushServiceOrigin(endpoint: string): string {
  return new URL(endpoint).origin;
}

/**
 * The `Authorization` header value for a push to `endpoint` (RFC 8292 §3): an ES256 JWT over
 * `{ aud, exp, sub }` and the server's public key.
 *
 * @example
 * await vapidAuthorization(keys, "mailto:ops@example.com", "https://fcm.googleapis.com/fcm/send/…", nowMs)
 * // "vapid t=eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.…, k=BP4z…"
 */
export async function vapidAuthorization(
  keys: VapidKeys,
  subject: string,
  endpoint: string,
  nowMs: number,
  ttlSec = 12 * 60 * 60,
): Promise<string> {
  const header = toBase64Url(utf8.encode(JSON.stringify({ typ: "JWT", alg: "ES256" })));
  const claims = {
    aud: pushServiceOrigin(endpoint),
    exp: Math.floor(nowMs / 1000) + Math.min(ttlSec, MAX_VAPID_TTL_SEC),
    sub: subject,
  };
  const payload = toBase64Url(utf8.encode(JSON.stringify(claims)));
  const signingInput = `${header}.${payload}`;
  // WebCrypto's ECDSA signature is r ‖ s (64 bytes): exactly JWS's ES256 form.
  const signature = new Uint8Array(
    await crypto.subtle.sign(
      { name: "ECDSA", hash: "SHA-256" },
      await vapidSigningKey(keys),
      utf8.encode(signingInput),
    ),
  );
  return `vapid t=${signingInput}.${toBase64Url(signature)}, k=${keys.publicKey}`;
}

export type VapidCheck =
  | { ok: true; claims: { aud: string; exp: number; sub: string }; publicKey: string }
  | { ok: false; reason: string };

/**
 * What a push service checks of a VAPID header (RFC 8292 §4.1): the form, an ES256 signature by
 * `k`, `aud` = its own origin, `exp` in the future and at most 24 h away. `expectedKey`: the
 * key the subscription was made with (the browser's `applicationServerKey`).
 */
export async function verifyVapidAuthorization(
  header: string | null,
  expectedAudience: string,
  nowMs: number,
  expectedKey?: string,
): Promise<VapidCheck> {
  const match = /^vapid t=([\w-]+)\.([\w-]+)\.([\w-]+), k=([\w-]+)$/.exec(header ?? "");
  if (!match) return { ok: false, reason: "malformed" };
  const [, head, body, sig, k] = match as unknown as [string, string, string, string, string];
  if (expectedKey !== undefined && k !== expectedKey) return { ok: false, reason: "wrong key" };
  const point = fromBase64Url(k);
  const signature = fromBase64Url(sig);
  if (!isUncompressedPoint(point) || signature?.length !== 64) {
    return { ok: false, reason: "malformed" };
  }
  const key = await crypto.subtle.importKey("raw", point, ECDSA, false, ["verify"]);
  const valid = await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    signature,
    utf8.encode(`${head}.${body}`),
  );
  if (!valid) return { ok: false, reason: "bad signature" };
  const decoded = (part: string) =>
    JSON.parse(new TextDecoder().decode(fromBase64Url(part) ?? new Uint8Array())) as Record<
      string,
      unknown
    >;
  const jwtHeader = decoded(head);
  if (jwtHeader.alg !== "ES256") return { ok: false, reason: "not ES256" };
  const claims = decoded(body);
  const nowSec = Math.floor(nowMs / 1000);
  if (claims.aud !== expectedAudience) return { ok: false, reason: "wrong audience" };
  if (typeof claims.exp !== "number" || claims.exp <= nowSec) {
    return { ok: false, reason: "expired" };
  }
  if (claims.exp > nowSec + MAX_VAPID_TTL_SEC) return { ok: false, reason: "exp beyond 24 h" };
  if (typeof claims.sub !== "string" || !/^(mailto:|https:)/.test(claims.sub)) {
    return { ok: false, reason: "sub is not a mailto: or https: contact" };
  }
  return {
    ok: true,
    claims: { aud: claims.aud, exp: claims.exp, sub: claims.sub },
    publicKey: k,
  };
}

/** A new VAPID key pair, base64url (scripts and tests; docs/notifications.md shows the command). */
export async function generateVapidKeys(): Promise<VapidKeys> {
  const pair = (await crypto.subtle.generateKey(ECDSA, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  const raw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  return { publicKey: toBase64Url(raw), privateKey: jwk.d as string };
}
