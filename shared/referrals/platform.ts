/** The platform a referral link was opened on: it decides where the visitor is sent. */
export type ReferralPlatform = "web" | "ios" | "android";

export const REFERRAL_PLATFORMS: readonly ReferralPlatform[] = ["web", "ios", "android"];

/**
 * Pure: the platform a User-Agent names. iPhone, iPad and iPod are `ios`; `Android` is
 * `android`; everything else, a missing header included, is `web`. An iPad in desktop mode
 * says "Macintosh" and is sent to the web signup, which still works there.
 *
 * @example
 * platformOf("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) …") // "ios"
 * platformOf(null) // "web"
 */
export function platformOf(userAgent: string | null | undefined): ReferralPlatform {
  if (!userAgent) return "web";
  if (/\b(iPhone|iPad|iPod)\b/.test(userAgent)) return "ios";
  if (/\bAndroid\b/i.test(userAgent)) return "android";
  return "web";
}
