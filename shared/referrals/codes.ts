/**
 * Referral codes: short, unique, case-insensitive, and free of characters people confuse when
 * they read a code aloud or type it from a screenshot (no 0/O, no 1/I/L). Pure; storage is the
 * api's (features/referrals/codes-store.ts), the lookup at the edge is the redirect's
 * (workers/redirect/src/referral-link.ts). docs/referrals.md "Codes".
 */

/** 31 symbols: digits 2–9 and upper-case letters without I, L and O. */
export const REFERRAL_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/** 31^7 ≈ 27.5 billion codes: collisions stay rare up to hundreds of millions of users. */
export const REFERRAL_CODE_LENGTH = 7;
/** What a stored code looks like once normalised (vanity codes may be 4 to 16 long). */
export const REFERRAL_CODE_PATTERN = /^[A-Z0-9]{4,16}$/;
/** Longer input is refused before any work: nobody types a 64-character code. */
const MAX_INPUT_CHARS = 64;

/** The CONFIG_KV value under `referralCodeKvKey(code)` (JSON). */
export interface ReferralCodeValue {
  userId: string;
  programId: string;
}

/** The largest byte value kept: 248 = 31 × 8, so every symbol is equally likely. */
const UNBIASED_LIMIT =
  Math.floor(256 / REFERRAL_CODE_ALPHABET.length) * REFERRAL_CODE_ALPHABET.length;
/** Bound on rounds of random bytes: each round keeps 97% of its bytes, so 8 never runs out. */
const MAX_RANDOM_ROUNDS = 8;

const cryptoRandom = (bytes: number) => crypto.getRandomValues(new Uint8Array(bytes));

/**
 * A new random code of REFERRAL_CODE_LENGTH symbols, uniform over the alphabet (bytes at or
 * above 248 are dropped rather than folded, which would favour the first symbols).
 *
 * @example
 * generateReferralCode() // "K7QM4XR"
 */
export function generateReferralCode(random: (bytes: number) => Uint8Array = cryptoRandom): string {
  let code = "";
  for (let round = 0; round < MAX_RANDOM_ROUNDS && code.length < REFERRAL_CODE_LENGTH; round++) {
    for (const byte of random(REFERRAL_CODE_LENGTH * 2)) {
      if (byte >= UNBIASED_LIMIT) continue;
      code += REFERRAL_CODE_ALPHABET.charAt(byte % REFERRAL_CODE_ALPHABET.length);
      if (code.length === REFERRAL_CODE_LENGTH) break;
    }
  }
  if (code.length !== REFERRAL_CODE_LENGTH)
    throw new Error("the random source gave too few usable bytes");
  return code;
}

/**
 * The one spelling of a code as typed, pasted or read from a link: trimmed, upper-cased,
 * spaces and dashes dropped (`k7qm-4xr` is `K7QM4XR`); null when what is left is not 4 to 16
 * letters and digits. Every lookup and every stored code goes through it.
 *
 * @example
 * normalizeReferralCode(" k7qm-4xr ") // "K7QM4XR"
 * normalizeReferralCode("ab") // null
 */
export function normalizeReferralCode(input: string): string | null {
  if (input.length > MAX_INPUT_CHARS) return null;
  const code = input
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, "");
  return REFERRAL_CODE_PATTERN.test(code) ? code : null;
}

/**
 * The CONFIG_KV key the redirect reads a code's owner from. Versioned so the value's shape can
 * change without reading old values as new.
 *
 * @example
 * referralCodeKvKey("K7QM4XR") // "ref:code:v1:K7QM4XR"
 */
export function referralCodeKvKey(code: string): string {
  return `ref:code:v1:${code}`;
}
