import type { ReferralPlatform } from "./platform";
import type { ReferralProgramSettings } from "./program-settings";

/**
 * Pure: where the share link sends a visitor, by platform, with the attribution token:
 * - iOS: the App Store page (the app gets the token back from the web signup or a deep link;
 *   the App Store passes nothing through), or the web signup when none is configured;
 * - Android: the Play Store page with the install referrer `referrer=ref_token%3D<token>`,
 *   which the app reads on first launch, or the web signup when none is configured;
 * - web: the signup page with `ref_token` and `ref_code` in its query.
 * Parameters of the same name already in a configured URL are replaced, never doubled.
 *
 * @example
 * referralDestination(destinations, "android", { token: "eyJ.abc", code: "K7QM4XR" })
 * // "https://play.google.com/store/apps/details?id=com.example&referrer=ref_token%3DeyJ.abc"
 */
export function referralDestination(
  destinations: ReferralProgramSettings["destinations"],
  platform: ReferralPlatform,
  attribution: { token: string; code: string },
): string {
  if (platform === "ios" && destinations.iosAppStoreUrl !== null) {
    return destinations.iosAppStoreUrl;
  }
  if (platform === "android" && destinations.androidPlayStoreUrl !== null) {
    const url = new URL(destinations.androidPlayStoreUrl);
    url.searchParams.set("referrer", `ref_token=${attribution.token}`);
    return url.toString();
  }
  const url = new URL(destinations.webSignupUrl);
  url.searchParams.set("ref_token", attribution.token);
  url.searchParams.set("ref_code", attribution.code);
  return url.toString();
}
