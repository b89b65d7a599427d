import { toHex, utf8 } from "../../crypto/encoding";
import { constantTimeEqual, hmacSha256 } from "../../crypto/hmac";
import { ipAllowed } from "./ip-match";

/**
 * How networks without Boomerang's signed format prove a postback is theirs: a shared token
 * in a parameter or header, an HMAC of the body or query string, an IP allowlist, or a mix.
 * Every secret comparison here takes the same time whether the guess is close or not.
 */

export type AuthResult = { ok: true } | { ok: false; reason: string };

/**
 * Compares two strings in time that depends on neither their contents nor their lengths:
 * both are hashed first, and the fixed-size digests are compared without an early exit.
 *
 * @example
 * await timingSafeEqualText(given, settings.postbackSecret)
 */
export async function timingSafeEqualText(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", utf8.encode(a)),
    crypto.subtle.digest("SHA-256", utf8.encode(b)),
  ]);
  return constantTimeEqual(new Uint8Array(da), new Uint8Array(db));
}

export interface TokenAndIpPolicy {
  /** The token the request carried (a parameter or header value), or null when absent. */
  token: string | null;
  /** Whether a token is required; when false the IP allowlist alone authenticates. */
  requireToken: boolean;
  ipAllowlist: readonly string[];
  sourceIp: string | null;
}

/**
 * Token and/or IP allowlist. A configuration that would accept anyone (no token required and
 * an empty allowlist) is refused, so a half-configured network can never open the door.
 *
 * @example
 * await checkTokenAndIp(settings.postbackSecret, { token: params.get("token"), requireToken: true, ipAllowlist: [], sourceIp })
 */
export async function checkTokenAndIp(
  secret: string,
  policy: TokenAndIpPolicy,
): Promise<AuthResult> {
  if (!policy.requireToken && policy.ipAllowlist.length === 0) {
    return { ok: false, reason: "misconfigured: neither a token nor an IP allowlist is set" };
  }
  if (policy.requireToken && secret.length === 0) {
    return { ok: false, reason: "misconfigured: the network has no postback secret" };
  }
  if (policy.ipAllowlist.length > 0 && !ipAllowed(policy.sourceIp, policy.ipAllowlist)) {
    return { ok: false, reason: policy.sourceIp === null ? "ip_unknown" : "ip_not_allowed" };
  }
  if (policy.requireToken) {
    if (policy.token === null || policy.token.length === 0)
      return { ok: false, reason: "missing_token" };
    if (!(await timingSafeEqualText(policy.token, secret)))
      return { ok: false, reason: "bad_token" };
  }
  return { ok: true };
}

/**
 * Verifies a hex HMAC-SHA256 of `message` under `secret`. Accepts upper- or lower-case hex and
 * an optional prefix such as `sha256=`; several comma-separated values are allowed so a network
 * can sign with an old and a new secret while rotating.
 *
 * @example
 * await verifyHmacHex(secret, rawBody, headerOf(request, "x-signature"), "sha256=")
 */
export async function verifyHmacHex(
  secret: string,
  message: string,
  header: string | null,
  prefix = "",
): Promise<AuthResult> {
  if (secret.length === 0)
    return { ok: false, reason: "misconfigured: the network has no postback secret" };
  if (header === null || header.trim().length === 0)
    return { ok: false, reason: "missing_signature" };
  const candidates = header
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .slice(0, 4)
    .map((part) =>
      prefix && part.toLowerCase().startsWith(prefix.toLowerCase())
        ? part.slice(prefix.length)
        : part,
    )
    .map((part) => part.toLowerCase());
  if (candidates.length === 0 || candidates.some((c) => !/^[0-9a-f]{64}$/.test(c))) {
    return { ok: false, reason: "malformed_signature" };
  }
  const expected = utf8.encode(toHex(await hmacSha256(secret, message)));
  const match = candidates.some((candidate) => constantTimeEqual(utf8.encode(candidate), expected));
  return match ? { ok: true } : { ok: false, reason: "bad_signature" };
}
