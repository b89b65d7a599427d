import { hasOnlyKeys, isInt, isPlainObject, isString } from "../validate/guards";
import type { ReferralProgramSettings } from "./program-settings";
import { RISK_SIGNAL_CODES } from "./risk-signals";

/**
 * What the edge reads of the referral program settings without zod: the defaults, and a
 * hand-written check of a stored version that accepts exactly what `ReferralProgramSettingsSchema`
 * (program-settings.ts, which the api validates writes and documents with) accepts —
 * program-settings-check.test.ts holds the two together with fast-check.
 */

/** The one program for now; codes, clicks and referrals carry it so more can follow. */
export const DEFAULT_REFERRAL_PROGRAM_ID = "default";
/** Long enough for any store or signup URL with its campaign parameters. */
export const MAX_DESTINATION_URL_CHARS = 2_048;

/** Pure: why `raw` cannot be a destination, or null when it can (https, no credentials). */
export function destinationUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute https URL";
  }
  if (url.protocol !== "https:") return "must be an https URL";
  if (url.username !== "" || url.password !== "") return "must not carry a user name or password";
  return null;
}

/**
 * First touch, 30 days, a 2-hour probabilistic window, and a placeholder signup page: the
 * share link refuses to redirect until an operator has saved settings (version 0 is never
 * served to visitors), so the placeholder is never anyone's destination.
 */
export const DEFAULT_REFERRAL_PROGRAM: ReferralProgramSettings = {
  programId: DEFAULT_REFERRAL_PROGRAM_ID,
  attribution: { touch: "first", windowDays: 30, probabilisticWindowHours: 2 },
  destinations: {
    webSignupUrl: "https://example.com/signup",
    iosAppStoreUrl: null,
    androidPlayStoreUrl: null,
  },
};

function isDestination(value: unknown): boolean {
  return isString(value, 0, MAX_DESTINATION_URL_CHARS) && destinationUrlProblem(value) === null;
}

const isNullOr = (value: unknown, check: (v: unknown) => boolean) => value === null || check(value);

function isAttribution(v: unknown): boolean {
  return (
    isPlainObject(v) &&
    hasOnlyKeys(v, ["touch", "windowDays", "probabilisticWindowHours"]) &&
    (v.touch === "first" || v.touch === "last") &&
    isInt(v.windowDays, 1, 365) &&
    isInt(v.probabilisticWindowHours, 1, 72)
  );
}

function isQualification(v: unknown): boolean {
  return (
    isPlainObject(v) &&
    hasOnlyKeys(v, ["windowDays"]) &&
    isNullOr(v.windowDays, (d) => isInt(d, 1, 365))
  );
}

function isWeights(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  for (const [code, weight] of Object.entries(v)) {
    if (!(RISK_SIGNAL_CODES as readonly string[]).includes(code)) return false;
    if (!isInt(weight, 0, 100)) return false;
  }
  return true;
}

function isFraud(v: unknown): boolean {
  return (
    isPlainObject(v) &&
    hasOnlyKeys(v, [
      "holdThreshold",
      "weights",
      "maxReferralsPerReferrerPerDay",
      "autoApproveAfterHours",
    ]) &&
    isInt(v.holdThreshold, 1, 1000) &&
    isWeights(v.weights) &&
    isInt(v.maxReferralsPerReferrerPerDay, 1, 10_000) &&
    isNullOr(v.autoApproveAfterHours, (h) => isInt(h, 1, 24 * 90))
  );
}

function isDestinations(v: unknown): boolean {
  return (
    isPlainObject(v) &&
    hasOnlyKeys(v, ["webSignupUrl", "iosAppStoreUrl", "androidPlayStoreUrl"]) &&
    isDestination(v.webSignupUrl) &&
    isNullOr(v.iosAppStoreUrl, isDestination) &&
    isNullOr(v.androidPlayStoreUrl, isDestination)
  );
}

/**
 * Pure: stored settings (JSON) as `ReferralProgramSettingsSchema` would accept them, or not
 * (no issue list: the edge only needs yes or no; the api's `validateReferralProgramSettings`
 * names problems).
 *
 * @example
 * const checked = checkReferralProgramSettings(JSON.parse(row.settings));
 * if (!checked.ok) throw new Error("no longer validates");
 */
export function checkReferralProgramSettings(
  input: unknown,
): { ok: true; settings: ReferralProgramSettings } | { ok: false } {
  const ok =
    isPlainObject(input) &&
    hasOnlyKeys(input, ["programId", "attribution", "qualification", "fraud", "destinations"]) &&
    input.programId === DEFAULT_REFERRAL_PROGRAM_ID &&
    isAttribution(input.attribution) &&
    (input.qualification === undefined || isQualification(input.qualification)) &&
    (input.fraud === undefined || isFraud(input.fraud)) &&
    isDestinations(input.destinations);
  return ok ? { ok: true, settings: input as ReferralProgramSettings } : { ok: false };
}
