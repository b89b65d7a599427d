import type { ProblemField } from "#shared/http/errors";
import type { ProgramSettings } from "#shared/loyalty/program-settings";
import { parseDecimalToMinor } from "#shared/money/decimal";
import { minorToDecimalString } from "../../format/money";

/**
 * The loyalty program form ↔ the admin API's settings, pure. The API validates everything;
 * these only turn text into what the API takes (numbers, money in minor units, benefits as a
 * map) and report what cannot be turned under the API path it would have had
 * (`settings.tiers.tiers.1.thresholdMinor`), so every error shows beside its field the same way.
 */

export type FormValues = Record<string, string>;

/** Tier rows the form shows: the program's tiers and this many empty ones to add. */
export const EMPTY_TIER_ROWS = 1;
/** The most tier rows the form reads (the API allows 20 tiers). */
export const MAX_TIER_ROWS = 20;

const text = (values: FormValues, key: string) => (values[key] ?? "").trim();
const checked = (values: FormValues, key: string) => values[key] === "on";

/** A whole number when it is one; otherwise the text, for the API to refuse by name. */
function integer(raw: string): number | string {
  return /^-?\d{1,15}$/.test(raw) ? Number(raw) : raw;
}

function money(raw: string, currency: string, path: string, errors: ProblemField[]): number {
  const parsed = parseDecimalToMinor(raw, /^[A-Z]{3}$/.test(currency) ? currency : "XXX");
  if (parsed.ok) return parsed.amountMinor;
  errors.push({ path, message: parsed.message });
  return 0;
}

type Benefits = Record<string, string | number | boolean>;

/**
 * Benefits as typed: `pointsMultiplierBps=12500; lounge=true; desk=priority`. Numbers and
 * true/false become numbers and booleans; anything else stays text.
 *
 * @example
 * parseBenefits("multiplierBps=12500; lounge=true") // { ok: true, benefits: { multiplierBps: 12500, lounge: true } }
 */
export function parseBenefits(
  raw: string,
): { ok: true; benefits: Benefits | undefined } | { ok: false; message: string } {
  const benefits: Benefits = {};
  const parts = raw
    .split(/[;\n]/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  for (const part of parts) {
    const eq = part.indexOf("=");
    const key = eq < 0 ? "" : part.slice(0, eq).trim();
    if (key === "") return { ok: false, message: `"${part}" is not name=value` };
    const value = part.slice(eq + 1).trim();
    benefits[key] =
      value === "true"
        ? true
        : value === "false"
          ? false
          : /^-?\d+(\.\d+)?$/.test(value)
            ? Number(value)
            : value;
  }
  return { ok: true, benefits: parts.length === 0 ? undefined : benefits };
}

export const benefitsText = (benefits: Benefits | undefined) =>
  Object.entries(benefits ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");

/** The settings as the form shows them (money in major units of the program's currency). */
export function programValues(settings: ProgramSettings, version: number): FormValues {
  const { points, tiers, currency } = settings;
  const values: FormValues = {
    expectedVersion: String(version),
    timeZone: settings.timeZone,
    currency,
    validityPeriod: points.validity.period,
    validityRoundUpTo: points.validity.roundUpTo ?? "",
    validityFrom: points.validity.from ?? "earn",
    pendingDays: String(points.pendingDays),
    cashbackEnabled: points.redemption.cashback ? "on" : "",
    cashbackPoints: points.redemption.cashback ? String(points.redemption.cashback.points) : "",
    cashbackAmount: points.redemption.cashback
      ? minorToDecimalString(points.redemption.cashback.amountMinor, currency)
      : "",
    minPoints: String(points.redemption.minPoints),
    tiersEnabled: tiers.enabled ? "on" : "",
    windowMonths: String(tiers.windowMonths),
    graceDays: String(tiers.graceDays),
    upgradeImmediately: tiers.upgradeImmediately ? "on" : "",
  };
  tiers.tiers.forEach((t, i) => {
    values[`tier-${i}-name`] = t.name;
    values[`tier-${i}-threshold`] = minorToDecimalString(t.thresholdMinor, currency);
    values[`tier-${i}-benefits`] = benefitsText(t.benefits);
  });
  return values;
}

/** How many tier rows the values hold (the highest row with anything typed, plus one). */
export function tierRowsIn(values: FormValues): number {
  let rows = 0;
  for (let i = 0; i < MAX_TIER_ROWS; i++) {
    const any = ["name", "threshold", "benefits"].some((f) => text(values, `tier-${i}-${f}`));
    if (any) rows = i + 1;
  }
  return rows;
}

/**
 * The form as the PUT body: `{ settings, expectedVersion, note }`. A tier row whose name is
 * empty is left out (that is how a tier is removed); the rows that stay keep their order.
 *
 * @example
 * programBody({ timeZone: "Asia/Kolkata", currency: "INR", validityPeriod: "12M", … })
 * // { body: { settings: { timeZone: "Asia/Kolkata", … }, expectedVersion: 3 }, errors: [] }
 */
export function programBody(values: FormValues): {
  body: Record<string, unknown>;
  errors: ProblemField[];
} {
  const errors: ProblemField[] = [];
  const currency = text(values, "currency").toUpperCase();
  const roundUpTo = text(values, "validityRoundUpTo");
  const from = text(values, "validityFrom");
  const tiers: Array<Record<string, unknown>> = [];
  for (let i = 0; i < tierRowsIn(values); i++) {
    const name = text(values, `tier-${i}-name`);
    if (name === "") continue;
    const at = `settings.tiers.tiers.${tiers.length}`;
    const tier: Record<string, unknown> = {
      name,
      thresholdMinor: money(
        text(values, `tier-${i}-threshold`) || "0",
        currency,
        `${at}.thresholdMinor`,
        errors,
      ),
    };
    const benefits = parseBenefits(values[`tier-${i}-benefits`] ?? "");
    if (!benefits.ok) errors.push({ path: `${at}.benefits`, message: benefits.message });
    else if (benefits.benefits) tier.benefits = benefits.benefits;
    tiers.push(tier);
  }
  const settings = {
    timeZone: text(values, "timeZone"),
    currency,
    points: {
      validity: {
        period: text(values, "validityPeriod").toUpperCase(),
        ...(roundUpTo === "" ? {} : { roundUpTo }),
        ...(from === "" || from === "earn" ? {} : { from }),
      },
      pendingDays: integer(text(values, "pendingDays") || "0"),
      redemption: {
        cashback: checked(values, "cashbackEnabled")
          ? {
              points: integer(text(values, "cashbackPoints")),
              amountMinor: money(
                text(values, "cashbackAmount"),
                currency,
                "settings.points.redemption.cashback.amountMinor",
                errors,
              ),
            }
          : null,
        minPoints: integer(text(values, "minPoints") || "0"),
      },
    },
    tiers: {
      enabled: checked(values, "tiersEnabled"),
      tiers,
      windowMonths: integer(text(values, "windowMonths")),
      graceDays: integer(text(values, "graceDays")),
      upgradeImmediately: checked(values, "upgradeImmediately"),
    },
  };
  const expected = text(values, "expectedVersion");
  const note = text(values, "note");
  return {
    body: {
      settings,
      ...(/^\d{1,9}$/.test(expected) ? { expectedVersion: Number(expected) } : {}),
      ...(note === "" ? {} : { note }),
    },
    errors,
  };
}

/** Codes from a textarea, one a line; blank lines dropped, spaces around a code trimmed. */
export function codesOf(raw: string): string[] {
  return raw
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}
