import { toBase64Url, toHex } from "#shared/crypto/encoding";
import { sha256 } from "#shared/crypto/hmac";

/** Step-up codes and device ids as stored: random, then only ever hashed. */

/** A uniform six-digit code (rejection sampling: no modulo bias). */
export function sixDigitCode(): string {
  const limit = 4_294_000_000; // the largest multiple of 1e6 below 2^32
  for (;;) {
    const [n = 0] = crypto.getRandomValues(new Uint32Array(1));
    if (n < limit) return String(n % 1_000_000).padStart(6, "0");
  }
}

export function randomSalt(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
}

export function newChallengeId(): string {
  return `stp_${toBase64Url(crypto.getRandomValues(new Uint8Array(15)))}`;
}

export async function hashCode(salt: string, code: string): Promise<string> {
  return toHex(await sha256(`${salt}:${code}`));
}

export async function hashDevice(deviceId: string): Promise<string> {
  return toBase64Url(await sha256(`device:${deviceId}`)).slice(0, 22);
}
