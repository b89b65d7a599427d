import type { RedirectEnv } from "#shared/env";
import { problemResponse } from "#shared/http/errors";
import { checkLimit, tooManyRequests } from "#shared/limits/rate-limit";

/**
 * The redirect's two rate limits (wrangler.toml `[[ratelimits]]`): per client IP, checked
 * before anything else so a flood of made-up links costs one counter each; and per link,
 * checked once the link verifies so nobody can spend another user's budget with forged ones.
 * A refusal is a 429 problem with Retry-After; a click within the limits always redirects.
 */

/** The client's address as Cloudflare saw it; absent only outside Cloudflare. */
export function clientIpOf(request: Request): string | null {
  return request.headers.get("cf-connecting-ip");
}

/** A 429 when the client's IP is over its limit; null to go on. */
export async function ipLimited(
  env: RedirectEnv,
  clientIp: string | null,
): Promise<Response | null> {
  // Without an address there is no client to count (local runs): nothing to limit on.
  if (!clientIp) return null;
  const verdict = await checkLimit(env.REDIRECT_IP_LIMITER, `ip:${clientIp}`);
  return verdict.ok
    ? null
    : problemResponse(
        tooManyRequests(
          "too many clicks from this address; try again in a minute",
          verdict.retryAfterSec,
        ),
      );
}

/** A 429 when this link (user, offer, expiry) is over its limit; null to go on. */
export async function linkLimited(
  env: RedirectEnv,
  link: { userId: string; offerId: string; expiresAtSec: number },
): Promise<Response | null> {
  const key = `link:${link.userId}:${link.offerId}:${link.expiresAtSec}`;
  const verdict = await checkLimit(env.REDIRECT_LINK_LIMITER, key);
  return verdict.ok
    ? null
    : problemResponse(
        tooManyRequests(
          "this link was opened too often; try again in a minute",
          verdict.retryAfterSec,
        ),
      );
}
