import { MAX_BUDGET_PARTS } from "#durable-objects/budget/parts";
import type { ProblemField } from "#shared/http/errors";
import { parseDecimalToMinor } from "#shared/money/decimal";
import { minorToDecimalString } from "../../format/money";
import { bpsToPercentText, percentToBps } from "./percent";
import type { Campaign, Merchant, Network, Offer } from "./types";
import { isoToZonedLocal, zonedLocalToIso } from "./zoned-time";

/**
 * Form fields ↔ admin API bodies, pure. The API validates everything; these only turn what a
 * form can hold (text) into what the API takes (numbers, JSON, null), and report what cannot
 * be turned (a rate that is not a percentage, JSON that does not parse) under the API path
 * the value would have had, so every error shows beside its field the same way.
 */

export type FormValues = Record<string, string>;
export interface Built {
  body: Record<string, unknown>;
  errors: ProblemField[];
}

const text = (values: FormValues, key: string) => (values[key] ?? "").trim();
const orNull = (value: string) => (value === "" ? null : value);
const checked = (values: FormValues, key: string) => values[key] === "on";

/** JSON from a textarea: the value, or an error under `path`. Empty is `fallback`. */
function json(
  values: FormValues,
  key: string,
  path: string,
  errors: ProblemField[],
  fallback: unknown,
) {
  const raw = text(values, key);
  if (raw === "") return fallback;
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    errors.push({ path, message: `not valid JSON (${(error as Error).message})` });
    return fallback;
  }
}

/** A whole number when it is one; otherwise the text, for the API to refuse by name. */
function integer(raw: string): number | string {
  return /^\d{1,9}$/.test(raw) ? Number(raw) : raw;
}

function rate(values: FormValues, key: string, path: string, errors: ProblemField[]) {
  const parsed = percentToBps(text(values, key));
  if (parsed.ok) return parsed.rateBps;
  errors.push({ path, message: parsed.message });
  return 0;
}

function money(
  values: FormValues,
  key: string,
  currency: string,
  path: string,
  errors: ProblemField[],
) {
  const parsed = parseDecimalToMinor(text(values, key), currency || "XXX");
  if (parsed.ok) return parsed.amountMinor;
  errors.push({ path, message: parsed.message });
  return 0;
}

function schedule(values: FormValues, timeZone: string, errors: ProblemField[]) {
  const out: Record<string, string | null> = {};
  for (const key of ["startsAt", "endsAt"]) {
    const iso = zonedLocalToIso(text(values, key), timeZone);
    if (iso === undefined) errors.push({ path: key, message: "enter a date and time" });
    out[key] = iso ?? null;
  }
  return out;
}

/**
 * A network form as the PUT body. Secrets are write-only: the report API token is left out
 * when empty (the API keeps the stored one) and sent as null when "remove" is ticked; the
 * postback secret is required on every save, because the PUT replaces the network whole.
 *
 * @example
 * networkBody({ name: "Net", trackingTemplate: "https://n/t?s={subid}", postbackFormat: "generic",
 *   postbackSecret: "…24+ chars…", options: "", active: "on" })
 */
export function networkBody(values: FormValues): Built {
  const errors: ProblemField[] = [];
  const body: Record<string, unknown> = {
    name: text(values, "name"),
    trackingTemplate: text(values, "trackingTemplate"),
    postbackFormat: text(values, "postbackFormat") || "generic",
    options: json(values, "options", "options", errors, {}),
    active: checked(values, "active"),
  };
  const secret = values.postbackSecret ?? "";
  if (secret === "") {
    errors.push({
      path: "postbackSecret",
      message: "enter the postback secret: it is needed on every save and never shown back",
    });
  } else body.postbackSecret = secret;
  if (checked(values, "removeReportApiToken")) body.reportApiToken = null;
  else if ((values.reportApiToken ?? "") !== "") body.reportApiToken = values.reportApiToken;
  return { body, errors };
}

export function networkValues(n: Network): FormValues {
  return {
    id: n.id,
    name: n.name,
    trackingTemplate: n.trackingTemplate,
    postbackFormat: n.postbackFormat,
    options: JSON.stringify(n.options, null, 2),
    active: n.active ? "on" : "",
  };
}

export function merchantBody(values: FormValues): Built {
  return {
    body: {
      networkId: text(values, "networkId"),
      name: text(values, "name"),
      landingUrl: text(values, "landingUrl"),
      active: checked(values, "active"),
    },
    errors: [],
  };
}

export function merchantValues(m: Merchant): FormValues {
  return {
    id: m.id,
    networkId: m.networkId,
    name: m.name,
    landingUrl: m.landingUrl,
    active: m.active ? "on" : "",
  };
}

/**
 * An offer form as the PUT body: rates typed in percent become basis points, the cap a
 * decimal in the offer's currency becomes minor units, category rates are JSON in basis
 * points (the API's own shape), exclusions a comma-separated list, the schedule local times
 * of the operator's zone. Fields left at their default stay out, as the API stores them.
 */
export function offerBody(values: FormValues, timeZone: string): Built {
  const errors: ProblemField[] = [];
  const currency = text(values, "currency").toUpperCase();
  const cashback: Record<string, unknown> = {
    basis: text(values, "basis") || "sale",
    defaultRateBps: rate(values, "defaultRatePercent", "cashback.defaultRateBps", errors),
    categoryRates: json(values, "categoryRates", "cashback.categoryRates", errors, {}),
  };
  const excluded = text(values, "excludedCategories")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (excluded.length > 0) cashback.excludedCategories = excluded;
  if (text(values, "policy") === "lowest_rate") cashback.policy = "lowest_rate";
  if (text(values, "cap") !== "") {
    cashback.capMinor = money(values, "cap", currency, "cashback.capMinor", errors);
  }
  const body = {
    merchantId: text(values, "merchantId"),
    title: text(values, "title"),
    description: text(values, "description"),
    networkOfferRef: text(values, "networkOfferRef"),
    currency,
    cashback,
    returnWindowDays: integer(text(values, "returnWindowDays")),
    ...schedule(values, timeZone, errors),
    active: checked(values, "active"),
    confirmationPolicy: orNull(text(values, "confirmationPolicy")),
  };
  return { body, errors };
}

export function offerValues(o: Offer, timeZone: string): FormValues {
  return {
    id: o.id,
    merchantId: o.merchantId,
    title: o.title,
    description: o.description,
    networkOfferRef: o.networkOfferRef,
    currency: o.currency,
    basis: o.cashback.basis,
    defaultRatePercent: bpsToPercentText(o.cashback.defaultRateBps),
    categoryRates:
      Object.keys(o.cashback.categoryRates).length > 0
        ? JSON.stringify(o.cashback.categoryRates, null, 2)
        : "",
    excludedCategories: (o.cashback.excludedCategories ?? []).join(", "),
    policy: o.cashback.policy ?? "per_line",
    cap:
      o.cashback.capMinor === null || o.cashback.capMinor === undefined
        ? ""
        : minorToDecimalString(o.cashback.capMinor, o.currency),
    returnWindowDays: String(o.returnWindowDays),
    startsAt: isoToZonedLocal(o.startsAt, timeZone),
    endsAt: isoToZonedLocal(o.endsAt, timeZone),
    active: o.active ? "on" : "",
    confirmationPolicy: o.confirmationPolicy ?? "",
  };
}

/**
 * Budget parts: blank stays out of the body (the API keeps the campaign's count; a new
 * campaign gets one object); anything but a whole number 1–64 is named here, beside its field.
 */
function budgetParts(values: FormValues, errors: ProblemField[]): { budgetParts?: number } {
  const raw = text(values, "budgetParts");
  if (raw === "") return {};
  const parts = /^\d{1,3}$/.test(raw) ? Number(raw) : 0;
  if (parts >= 1 && parts <= MAX_BUDGET_PARTS) return { budgetParts: parts };
  errors.push({
    path: "budgetParts",
    message: `enter a whole number from 1 to ${MAX_BUDGET_PARTS}, or leave empty to keep it`,
  });
  return {};
}

/**
 * A campaign form as the PUT body: the boost in percent, the budget a decimal amount, the
 * budget parts only when typed.
 */
export function campaignBody(values: FormValues, timeZone: string): Built {
  const errors: ProblemField[] = [];
  const currency = text(values, "currency").toUpperCase();
  const body = {
    name: text(values, "name"),
    active: checked(values, "active"),
    ...schedule(values, timeZone, errors),
    merchantId: orNull(text(values, "merchantId")),
    offerId: orNull(text(values, "offerId")),
    category: orNull(text(values, "category")),
    userSegment: orNull(text(values, "userSegment")),
    boostRateBps: rate(values, "boostRatePercent", "boostRateBps", errors),
    currency,
    budgetMinor: money(values, "budget", currency, "budgetMinor", errors),
    ...budgetParts(values, errors),
  };
  return { body, errors };
}

export function campaignValues(c: Campaign, timeZone: string): FormValues {
  return {
    id: c.id,
    name: c.name,
    active: c.active ? "on" : "",
    startsAt: isoToZonedLocal(c.startsAt, timeZone),
    endsAt: isoToZonedLocal(c.endsAt, timeZone),
    merchantId: c.merchantId ?? "",
    offerId: c.offerId ?? "",
    category: c.category ?? "",
    userSegment: c.userSegment ?? "",
    boostRatePercent: bpsToPercentText(c.boostRateBps),
    currency: c.currency,
    budget: minorToDecimalString(c.budgetMinor, c.currency),
    // Blank: the count is the budget object's, shown on the page; a save leaves it as it is.
    budgetParts: "",
  };
}
