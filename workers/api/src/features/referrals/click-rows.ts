import { SLUG_PATTERN, USER_ID_PATTERN } from "#shared/ids";
import type { ReferralClickMessage } from "#shared/messages";
import { CLICK_ID_PATTERN } from "#shared/referrals/attribution-token";
import { REFERRAL_CODE_PATTERN } from "#shared/referrals/codes";
import { REFERRAL_PLATFORMS, type ReferralPlatform } from "#shared/referrals/platform";

/** A row of D1 `referral_clicks`, as the CLICKS consumer inserts it. */
export interface ReferralClickRow {
  clickId: string;
  code: string;
  referrerId: string;
  programId: string;
  platform: ReferralPlatform;
  fingerprint: string;
  clickedAtMs: number;
}

const FINGERPRINT_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Pure: the row a referral click message stores, or null when the message is not one the
 * redirect would send (a malformed message is acked and logged, never retried: it will not
 * get better). Checked field by field, so nothing unexpected reaches D1.
 *
 * @example
 * referralClickRowOf(message.body) // { clickId: "clk_…", code: "K7QM4XR", … } or null
 */
export function referralClickRowOf(body: unknown): ReferralClickRow | null {
  if (typeof body !== "object" || body === null) return null;
  const m = body as Partial<Record<keyof ReferralClickMessage, unknown>>;
  if (m.kind !== "referral_click") return null;
  if (typeof m.clickId !== "string" || !CLICK_ID_PATTERN.test(m.clickId)) return null;
  if (typeof m.code !== "string" || !REFERRAL_CODE_PATTERN.test(m.code)) return null;
  if (typeof m.referrerId !== "string" || !USER_ID_PATTERN.test(m.referrerId)) return null;
  if (typeof m.programId !== "string" || !SLUG_PATTERN.test(m.programId)) return null;
  if (!REFERRAL_PLATFORMS.includes(m.platform as ReferralPlatform)) return null;
  if (typeof m.fingerprint !== "string" || !FINGERPRINT_PATTERN.test(m.fingerprint)) return null;
  if (
    typeof m.clickedAtMs !== "number" ||
    !Number.isSafeInteger(m.clickedAtMs) ||
    m.clickedAtMs < 0
  ) {
    return null;
  }
  return {
    clickId: m.clickId,
    code: m.code,
    referrerId: m.referrerId,
    programId: m.programId,
    platform: m.platform as ReferralPlatform,
    fingerprint: m.fingerprint,
    clickedAtMs: m.clickedAtMs,
  };
}
