import { toHex } from "#shared/crypto/encoding";
import { hmacSha256 } from "#shared/crypto/hmac";
import { admitadPostbackParams, admitadReport } from "./admitad";
import { cjPostbackParams, cjReport } from "./cj";
import { impactPostbackParams, impactReport } from "./impact";
import {
  TEMPLATE_REPORT_PATH,
  TEMPLATE_SIGNATURE_HEADER,
  templatePostbackParams,
  templateReport,
} from "./template";
import type { RenderedOrder, ReportContext, SandboxFormat, WireParams } from "./types";

/**
 * The sandbox's non-generic wire formats: what each real network sends as a postback and
 * answers from its report API, read off the adapters in shared/networks (the specification).
 * The generic format stays in wire.ts and sandbox-network.ts, unchanged.
 */
export { admitadActionId } from "./admitad";
export { type CjWireRecord, cjRecords } from "./cj";
export { impactActionId } from "./impact";
export {
  sandboxTemplateMapping,
  TEMPLATE_REPORT_PATH,
  TEMPLATE_SIGNATURE_HEADER,
} from "./template";
export * from "./types";
export { basicCredentials, decimal, isoSecondsZ, naiveTime, wholeSecondsMs } from "./values";

/** The parameter token-authenticated formats carry the postback secret in (the adapters' default). */
export const TOKEN_PARAM = "token";

/**
 * The postback's parameters for an order's latest version, fixed when the change happens;
 * null for the generic format (its body is the signed JSON of wire.ts).
 */
export function postbackParams(format: SandboxFormat, rendered: RenderedOrder): WireParams | null {
  switch (format) {
    case "generic":
      return null;
    case "admitad":
      return admitadPostbackParams(rendered);
    case "impact":
      return impactPostbackParams(rendered);
    case "cj":
      return cjPostbackParams(rendered);
    case "template":
      return templatePostbackParams(rendered);
  }
}

/** A non-generic postback as sent: the request line, headers and body. */
export interface FormatRequest {
  method: "GET" | "POST";
  /** Path and query, e.g. `/postback/<networkId>?subid=…&token=…`. */
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * How a non-generic postback goes out at `signedAtSec`: Admitad, Impact and CJ as a GET with
 * the shared token as `token`; the template network as a signed, time-stamped form POST.
 *
 * @example
 * await formatRequest("admitad", "sandbox-network", secret, params, nowSec)
 */
export async function formatRequest(
  format: Exclude<SandboxFormat, "generic">,
  networkId: string,
  secret: string,
  params: WireParams,
  signedAtSec: number,
): Promise<FormatRequest> {
  const path = `/postback/${networkId}`;
  if (format === "template") {
    const body = new URLSearchParams([...params, ["sent_at", String(signedAtSec)]]).toString();
    return {
      method: "POST",
      path,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        [TEMPLATE_SIGNATURE_HEADER]: `sha256=${toHex(await hmacSha256(secret, body))}`,
      },
      body,
    };
  }
  const query = new URLSearchParams([...params, [TOKEN_PARAM, secret]]).toString();
  return { method: "GET", path: `${path}?${query}`, headers: {}, body: "" };
}

/** One format's report endpoint, if `method path` is it (path relative to the sandbox's base). */
export type ReportRoute = (context: ReportContext, request: Request, url: URL) => Promise<Response>;

const IMPACT_PATH = /^\/Mediapartners\/([^/]{1,64})\/Actions$/;

/**
 * The report endpoint a format serves at `path`, or null. Admitad and Impact build their
 * paths from an origin (`apiBaseUrl`), so those are matched at the root as well as under the
 * sandbox's base path; CJ and the template take a whole URL, so theirs live under the base.
 */
export function reportRoute(
  format: SandboxFormat,
  method: string,
  path: string,
): ReportRoute | null {
  const read = method === "GET" || method === "HEAD";
  switch (format) {
    case "generic":
      return null;
    case "admitad":
      return read && path === "/statistics/actions/"
        ? async (context, request, url) => admitadReport(context, request, url)
        : null;
    case "impact": {
      const match = read ? IMPACT_PATH.exec(path) : null;
      if (!match) return null;
      const sid = decodeURIComponent(match[1] as string);
      return async (context, request, url) => impactReport(context, request, url, sid);
    }
    case "cj":
      return method === "POST" && path === "/cj/query"
        ? (context, request) => cjReport(context, request)
        : null;
    case "template":
      return read && path === TEMPLATE_REPORT_PATH
        ? async (context, request, url) => templateReport(context, request, url)
        : null;
  }
}
