import { fromBase64Url, toBase64Url, utf8 } from "#shared/crypto/encoding";
import { constantTimeEqual } from "#shared/crypto/hmac";

/**
 * Operator passwords: PBKDF2-SHA256 through WebCrypto with a random 16-byte salt per
 * operator. 100,000 iterations is the most the Workers runtime allows; the count is stored
 * beside each hash so it can change without invalidating old ones.
 */
export const PASSWORD_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;

export interface PasswordHash {
  hash: string;
  salt: string;
  iterations: number;
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", utf8.encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    HASH_BITS,
  );
  return new Uint8Array(bits);
}

/**
 * A new hash for a password, with a fresh salt.
 *
 * @example
 * const { hash, salt, iterations } = await hashPassword("correct horse battery staple");
 */
export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, PASSWORD_ITERATIONS);
  return { hash: toBase64Url(hash), salt: toBase64Url(salt), iterations: PASSWORD_ITERATIONS };
}

/** Whether `password` is the one `stored` was made from; compares in constant time. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const salt = fromBase64Url(stored.salt);
  const expected = fromBase64Url(stored.hash);
  if (!salt || !expected) return false;
  const actual = await derive(password, salt, stored.iterations);
  return constantTimeEqual(actual, expected);
}

/** A hash of nothing, verified against when the e-mail is unknown so both answers take as long. */
export const DECOY_HASH: PasswordHash = {
  hash: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  salt: "AAAAAAAAAAAAAAAAAAAAAA",
  iterations: PASSWORD_ITERATIONS,
};
