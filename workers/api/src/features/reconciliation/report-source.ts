import type { NetworkSettings } from "#shared/networks/types";

/**
 * Whether a network has a report API to reconcile against, by format. The generic format
 * knows nothing of the network's endpoint, so it needs `options.reportUrl`; a template
 * network needs the `report` section of its mapping. Admitad, impact.com and CJ have fixed
 * (or defaulted) endpoints in their options and need only the operator's report API token;
 * anything else they lack (impact's accountSid, CJ's publisherId) is reported by the adapter
 * as a misconfiguration when the report is fetched, so the operator sees which.
 *
 * @example
 * hasReportApi("impact", { ...settings, reportApiToken: "t0k3n-…" }) // true
 * hasReportApi("generic", { ...settings, options: {} }) // false
 */
export function hasReportApi(
  format: string,
  settings: Pick<NetworkSettings, "options" | "reportApiToken">,
): boolean {
  switch (format) {
    case "generic":
      return typeof settings.options.reportUrl === "string";
    case "template":
      return typeof settings.options.report === "object" && settings.options.report !== null;
    case "admitad":
    case "impact":
    case "cj":
      return typeof settings.reportApiToken === "string" && settings.reportApiToken.length > 0;
    default:
      return false;
  }
}

/** What an operator sets for each format to give a network a report API (for problem details). */
export const REPORT_API_NEEDS =
  "generic: options.reportUrl; template: options.report; admitad, impact, cj: reportApiToken";
