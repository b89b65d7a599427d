import type { PostbackEnv } from "#shared/env";
import type { AppError } from "#shared/http/errors";
import { checkLimit, tooManyRequests } from "#shared/limits/rate-limit";

/**
 * Throttling of postbacks that fail authentication, per source IP. Authentication happens
 * here in the intake (the network's adapter checks the signature or token before anything is
 * queued), so failures are counted where they are detected, and only failures are counted:
 * an authenticated postback never consults the limiter, so a network sending at any rate is
 * never throttled, even from an address that also sends junk. Past the limit a failure is
 * answered 429 and not recorded, which bounds what junk can add to `received_postbacks`.
 */

/**
 * Counts one authentication failure from `sourceIp`; the 429 to answer when the address is
 * over its limit, else null (the failure is recorded and answered 401 as before).
 *
 * @example
 * const refusal = await authFailureLimited(env, "198.51.100.9");
 * if (refusal) throw refusal;
 */
export async function authFailureLimited(
  env: PostbackEnv,
  sourceIp: string | null,
): Promise<AppError | null> {
  // No address only outside Cloudflare (local runs): nothing to count by.
  if (!sourceIp) return null;
  const verdict = await checkLimit(env.POSTBACK_AUTH_FAILURE_LIMITER, `ip:${sourceIp}`);
  return verdict.ok
    ? null
    : tooManyRequests(
        "too many postbacks from this address failed authentication; check the network's secret",
        verdict.retryAfterSec,
      );
}
