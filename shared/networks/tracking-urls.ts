import { buildTrackingUrl } from "../config/offer-config";
import { fillTrackingTemplate } from "./core/tracking-url";

/**
 * Every network format's tracking-URL builder, in a module of its own: the redirect worker
 * fills one per click and must not carry the adapters' postback and report code (nor zod) in
 * its bundle to do it. The adapters' `buildTrackingUrl` call these same builders, so a click
 * through the redirect and a call to the adapter produce the same URL.
 *
 * Builders read only the options named in `TRACKING_OPTION_KEYS`; the offer config the
 * redirect caches carries just those (`trackingOptionsOf`), never the network's whole options.
 */

export interface TrackingValues {
  subId: string;
  clickId: string;
  landingUrl: string;
  networkOfferRef: string;
}

type TrackingUrlBuilder = (
  template: string,
  values: TrackingValues,
  options: Readonly<Record<string, unknown>>,
) => string;

/** The options any tracking-URL builder reads. */
export const TRACKING_OPTION_KEYS = ["subIdParam"] as const;

/** The same rule as the adapters' `subIdParam` option schemas. */
const SUB_ID_PARAM = /^[A-Za-z0-9_]{1,32}$/;

/**
 * Networks that echo the sub-ID from a parameter of their own: the template may leave
 * `{subid}` out and the parameter is set on the URL (core/tracking-url.ts).
 */
function withSubIdParam(defaultParam: string): TrackingUrlBuilder {
  return (template, values, options) => {
    const param = options.subIdParam;
    return fillTrackingTemplate(
      template,
      values,
      typeof param === "string" && SUB_ID_PARAM.test(param) ? param : defaultParam,
    );
  };
}

const filledAsWritten: TrackingUrlBuilder = (template, values) =>
  buildTrackingUrl(template, values);

// A Map, not an object literal: a format such as "__proto__" must find nothing.
const BUILDERS: ReadonlyMap<string, TrackingUrlBuilder> = new Map([
  ["generic", filledAsWritten],
  ["template", filledAsWritten],
  ["admitad", withSubIdParam("subid")],
  ["impact", withSubIdParam("subId1")],
  ["cj", withSubIdParam("sid")],
]);

/**
 * The network URL for one click, built the way the network's format wants it. An unknown or
 * absent format (a config cached before formats were stored, a format from a newer version)
 * fills the template as written, as every click was filled before: a click is never refused
 * for it.
 *
 * @example
 * trackingUrlFor("impact", "https://imp.example/c/1/2/3?u={landing_url}", values, {})
 * // "https://imp.example/c/1/2/3?u=https%3A%2F%2F…&subId1=<sub-ID>"
 */
export function trackingUrlFor(
  format: string | undefined,
  template: string,
  values: TrackingValues,
  options: Readonly<Record<string, unknown>> = {},
): string {
  const build = (format === undefined ? undefined : BUILDERS.get(format)) ?? filledAsWritten;
  return build(template, values, options);
}

/**
 * Whether the format places the sub-ID itself when the template has no `{subid}`; the admin
 * API requires `{subid}` in the template of every other format.
 *
 * @example
 * placesSubIdItself("cj") // true
 * placesSubIdItself("generic") // false
 */
export function placesSubIdItself(format: string): boolean {
  const build = BUILDERS.get(format);
  return build !== undefined && build !== filledAsWritten;
}

/**
 * The part of a network's options the tracking-URL builders read, to carry in each offer's
 * cached config.
 *
 * @example
 * trackingOptionsOf({ subIdParam: "subid2", ipAllowlist: ["10.0.0.0/8"] }) // { subIdParam: "subid2" }
 */
export function trackingOptionsOf(
  options: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of TRACKING_OPTION_KEYS) {
    if (Object.hasOwn(options, key)) picked[key] = options[key];
  }
  return picked;
}
