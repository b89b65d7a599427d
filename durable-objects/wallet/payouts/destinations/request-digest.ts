import { toBase64Url } from "#shared/crypto/encoding";
import { hmacSha256 } from "#shared/crypto/hmac";
import type { KeyRing } from "#shared/crypto/sealed";
import type { NewDestination } from "../types";
import { detailsOf, sealContext } from "./decide-destination";

/**
 * A keyed digest of what saved a destination (its details and label), so a repeated add with
 * the same Idempotency-Key is compared without opening sealed details, inside the storage
 * transaction, against whatever row is there by then — even one a concurrent request wrote a
 * moment ago. Keyed (HMAC under a key derived from the field-encryption ring) because account
 * numbers are guessable: a plain hash would let a storage dump confirm a guess.
 *
 * Format: `v<keyVersion>.<base64url HMAC-SHA256>`; the version names the ring key it used.
 */

/** Domain separation: the digest key is never the AES key itself. */
const DIGEST_KEY_PREFIX = "boomerang/destination-request/v1:";

export function currentKeyVersion(ring: KeyRing): number {
  return Math.max(...Object.keys(ring).map(Number).filter(Number.isSafeInteger));
}

/** The ring key version a digest was made under; null for no digest or a malformed one. */
export function digestKeyVersion(digest: string | null): number | null {
  const version = digest === null ? undefined : /^v(\d{1,6})\./.exec(digest)?.[1];
  return version === undefined ? null : Number(version);
}

/**
 * The request's digest under key `version` (default: the newest); null when the ring no
 * longer holds that version.
 *
 * @example
 * await requestDigest(ring, "usr_1", "dst_1", { type: "upi", vpa: "a@ok", holderName: null, label: null })
 * // "v2.Qm9v…"
 */
export async function requestDigest(
  ring: KeyRing,
  userId: string,
  destinationId: string,
  input: NewDestination,
  version: number = currentKeyVersion(ring),
): Promise<string | null> {
  const secret = ring[version];
  if (!secret) return null;
  const message = [
    sealContext(userId, destinationId),
    JSON.stringify(detailsOf(input)),
    JSON.stringify(input.label),
  ].join("\n");
  const mac = await hmacSha256(`${DIGEST_KEY_PREFIX}${secret}`, message);
  return `v${version}.${toBase64Url(mac)}`;
}
