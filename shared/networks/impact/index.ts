import { guardPostback } from "../core/guard";
import { reportPageFetcher } from "../core/report-http";
import { tokenCredentialParams } from "../core/token-postback";
import { ImpactOptionsMiniSchema } from "../options-mini";
import { trackingUrlFor } from "../tracking-urls";
import type { NetworkAdapter } from "../types";
import { parseImpactPostback } from "./postback";
import { buildImpactReportRequest, parseImpactReport } from "./report";

export const IMPACT_FORMAT = "impact";

/**
 * impact.com (partner side): lifecycle postbacks authenticated by a shared token and
 * optional IP allowlist; reports from `/Mediapartners/{AccountSID}/Actions`.
 *
 * @example
 * adapterFor("impact")?.fetchReportPage(fetch, settings, { fromMs, toMs }, null)
 */
export const impactAdapter: NetworkAdapter = {
  format: IMPACT_FORMAT,
  buildTrackingUrl: (template, values, settings) =>
    trackingUrlFor(IMPACT_FORMAT, template, values, settings.options),
  parsePostback: (request, settings) => guardPostback(() => parseImpactPostback(request, settings)),
  credentialParams: tokenCredentialParams(ImpactOptionsMiniSchema),
  fetchReportPage: reportPageFetcher({
    name: "impact",
    build: buildImpactReportRequest,
    parse: (json, _settings, cursor) => parseImpactReport(json, cursor),
  }),
};
