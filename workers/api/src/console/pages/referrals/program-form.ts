import type { ReferralProgramSettings } from "#shared/referrals/program-settings";
import {
  DEFAULT_FRAUD_SETTINGS,
  RISK_SIGNAL_CODES,
  type RiskSignalCode,
} from "#shared/referrals/risk-signals";

/**
 * The referral program form ↔ the admin API's settings, pure. The API validates everything
 * (bounds, https destinations, signal codes); these only turn text into what the API takes —
 * whole numbers, `null` for an empty optional field, the weights typed — and keep a save of
 * unchanged settings unchanged, so it makes no new version. Text that is not a whole number is
 * sent as it is for the API to refuse at its path (`settings.fraud.weights.shared_device`).
 */

export type FormValues = Record<string, string>;

/** The form field of one signal's weight. */
export const weightField = (code: RiskSignalCode) => `weight-${code}`;

const text = (values: FormValues, key: string) => (values[key] ?? "").trim();

/** A whole number when it is one; otherwise the text, for the API to refuse by name. */
function integer(raw: string): number | string {
  return /^-?\d{1,15}$/.test(raw) ? Number(raw) : raw;
}

/** Empty is null (an optional setting left off); anything else as `integer` reads it. */
const integerOrNull = (raw: string) => (raw === "" ? null : integer(raw));
const urlOrNull = (raw: string) => (raw === "" ? null : raw);

/**
 * The settings as the form shows them. A weight the program leaves to its default is empty
 * (the default is the field's hint); the `*Saved` flags remember whether the optional blocks
 * were saved at all, so `programBody` gives them back exactly as they were.
 *
 * @example
 * programValues(DEFAULT_REFERRAL_PROGRAM, 0).windowDays // "30"
 */
export function programValues(settings: ReferralProgramSettings, version: number): FormValues {
  const fraud = settings.fraud ?? DEFAULT_FRAUD_SETTINGS;
  const values: FormValues = {
    expectedVersion: String(version),
    touch: settings.attribution.touch,
    windowDays: String(settings.attribution.windowDays),
    probabilisticWindowHours: String(settings.attribution.probabilisticWindowHours),
    qualificationSaved: settings.qualification ? "on" : "",
    qualificationWindowDays: String(settings.qualification?.windowDays ?? ""),
    webSignupUrl: settings.destinations.webSignupUrl,
    iosAppStoreUrl: settings.destinations.iosAppStoreUrl ?? "",
    androidPlayStoreUrl: settings.destinations.androidPlayStoreUrl ?? "",
    fraudSaved: settings.fraud ? "on" : "",
    holdThreshold: String(fraud.holdThreshold),
    maxReferralsPerReferrerPerDay: String(fraud.maxReferralsPerReferrerPerDay),
    autoApproveAfterHours: String(fraud.autoApproveAfterHours ?? ""),
  };
  for (const code of RISK_SIGNAL_CODES) {
    values[weightField(code)] = String(fraud.weights[code] ?? "");
  }
  return values;
}

function sameFraud(a: Record<string, unknown>, b: typeof DEFAULT_FRAUD_SETTINGS): boolean {
  return (
    a.holdThreshold === b.holdThreshold &&
    a.maxReferralsPerReferrerPerDay === b.maxReferralsPerReferrerPerDay &&
    a.autoApproveAfterHours === b.autoApproveAfterHours &&
    Object.keys(a.weights as object).length === 0 &&
    Object.keys(b.weights).length === 0
  );
}

/**
 * The form as the PUT body: `{ settings, expectedVersion, note }`. An empty weight leaves the
 * signal at its default; an empty qualification window is no window; an empty store URL is
 * null (those visitors go to the web signup); an empty auto-approve delay is never.
 *
 * @example
 * programBody({ touch: "last", windowDays: "14", …, expectedVersion: "3" })
 * // { settings: { programId: "default", attribution: { touch: "last", windowDays: 14, … }, … }, expectedVersion: 3 }
 */
export function programBody(values: FormValues): Record<string, unknown> {
  const weights: Record<string, number | string> = {};
  for (const code of RISK_SIGNAL_CODES) {
    const raw = text(values, weightField(code));
    if (raw !== "") weights[code] = integer(raw);
  }
  const fraud = {
    holdThreshold: integer(text(values, "holdThreshold")),
    weights,
    maxReferralsPerReferrerPerDay: integer(text(values, "maxReferralsPerReferrerPerDay")),
    autoApproveAfterHours: integerOrNull(text(values, "autoApproveAfterHours")),
  };
  const qualificationDays = integerOrNull(text(values, "qualificationWindowDays"));
  // Left as they were when never saved and still the defaults: no new version for nothing.
  const keepFraud = values.fraudSaved === "on" || !sameFraud(fraud, DEFAULT_FRAUD_SETTINGS);
  const keepQualification = values.qualificationSaved === "on" || qualificationDays !== null;
  const settings = {
    programId: "default",
    attribution: {
      touch: text(values, "touch"),
      windowDays: integer(text(values, "windowDays")),
      probabilisticWindowHours: integer(text(values, "probabilisticWindowHours")),
    },
    ...(keepQualification ? { qualification: { windowDays: qualificationDays } } : {}),
    ...(keepFraud ? { fraud } : {}),
    destinations: {
      webSignupUrl: text(values, "webSignupUrl"),
      iosAppStoreUrl: urlOrNull(text(values, "iosAppStoreUrl")),
      androidPlayStoreUrl: urlOrNull(text(values, "androidPlayStoreUrl")),
    },
  };
  const expected = text(values, "expectedVersion");
  const note = text(values, "note");
  return {
    settings,
    ...(/^\d{1,9}$/.test(expected) ? { expectedVersion: Number(expected) } : {}),
    ...(note === "" ? {} : { note }),
  };
}

/** Settings as `path → value` leaves (`fraud.weights.shared_device → 40`), for comparing. */
function leaves(value: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== undefined) {
    out.set(prefix, JSON.stringify(value));
  }
  return out;
}

/**
 * What a version changed from the one before it, one line a setting (`attribution.windowDays:
 * 30 → 14`); a setting that appears or goes is shown against "—". Sorted by path.
 *
 * @example
 * settingsChanges(v1.settings, v2.settings) // ["attribution.touch: \"first\" → \"last\""]
 */
export function settingsChanges(before: unknown, after: unknown): string[] {
  const a = leaves(before, "", new Map());
  const b = leaves(after, "", new Map());
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths
    .filter((p) => a.get(p) !== b.get(p))
    .map((p) => `${p}: ${a.get(p) ?? "—"} → ${b.get(p) ?? "—"}`);
}
