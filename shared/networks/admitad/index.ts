import { guardPostback } from "../core/guard";
import { reportPageFetcher } from "../core/report-http";
import { tokenCredentialParams } from "../core/token-postback";
import { AdmitadOptionsMiniSchema } from "../options-mini";
import { trackingUrlFor } from "../tracking-urls";
import type { NetworkAdapter } from "../types";
import { parseAdmitadPostback } from "./postback";
import { buildAdmitadReportRequest, parseAdmitadReport } from "./report";

export const ADMITAD_FORMAT = "admitad";

/**
 * Admitad (admitad.com / Mitgo): postbacks by GET/POST with a shared token and optional IP
 * allowlist; reports from `/statistics/actions/`. See postback.ts and report.ts for the wire
 * shapes and the assumptions made where Admitad's documentation is silent.
 *
 * @example
 * adapterFor("admitad")?.parsePostback(request, settings)
 */
export const admitadAdapter: NetworkAdapter = {
  format: ADMITAD_FORMAT,
  buildTrackingUrl: (template, values, settings) =>
    trackingUrlFor(ADMITAD_FORMAT, template, values, settings.options),
  parsePostback: (request, settings) =>
    guardPostback(() => parseAdmitadPostback(request, settings)),
  credentialParams: tokenCredentialParams(AdmitadOptionsMiniSchema),
  fetchReportPage: reportPageFetcher({
    name: "admitad",
    build: buildAdmitadReportRequest,
    parse: parseAdmitadReport,
  }),
};
