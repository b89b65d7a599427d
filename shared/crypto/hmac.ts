import { utf8 } from "./encoding";

// Importing a key costs more than signing with it; the redirect path signs on every
// request, so keys are imported once per isolate and reused.
const keyCache = new Map<string, Promise<CryptoKey>>();

function importKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      utf8.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    keyCache.set(secret, key);
  }
  return key;
}

/** SHA-256 of a string's UTF-8 bytes (fingerprints and salted hashes; not for passwords). */
export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(text)));
}

/** HMAC-SHA256 of `message` under `secret`. */
export async function hmacSha256(secret: string, message: string): Promise<Uint8Array> {
  const key = await importKey(secret);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8.encode(message)));
}

/** Compares without an early exit, so timing does not reveal how much of a MAC matched. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
