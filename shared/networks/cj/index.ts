import { guardPostback } from "../core/guard";
import { reportPageFetcher } from "../core/report-http";
import { tokenCredentialParams } from "../core/token-postback";
import { CjOptionsMiniSchema } from "../options-mini";
import { trackingUrlFor } from "../tracking-urls";
import type { NetworkAdapter } from "../types";
import { parseCjPostback } from "./postback";
import { buildCjReportRequest, parseCjReport } from "./report";

export const CJ_FORMAT = "cj";

/**
 * CJ (Commission Junction), publisher side: the sub-ID rides on the link's `sid` and comes
 * back as `shopperId`; reports come from the Commission Detail GraphQL API with corrections
 * folded into their orders; postbacks follow an assumed shape (postback.ts).
 *
 * @example
 * adapterFor("cj")?.buildTrackingUrl("https://www.anrdoezrs.net/click-123-456?url={landing_url}", values, settings)
 */
export const cjAdapter: NetworkAdapter = {
  format: CJ_FORMAT,
  buildTrackingUrl: (template, values, settings) =>
    trackingUrlFor(CJ_FORMAT, template, values, settings.options),
  parsePostback: (request, settings) => guardPostback(() => parseCjPostback(request, settings)),
  credentialParams: tokenCredentialParams(CjOptionsMiniSchema),
  fetchReportPage: reportPageFetcher({
    name: "cj",
    build: buildCjReportRequest,
    parse: parseCjReport,
  }),
};
