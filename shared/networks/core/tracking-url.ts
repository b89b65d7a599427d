import { buildTrackingUrl } from "../../config/offer-config";

/**
 * Fills a network's tracking template for one click and makes sure the sub-ID reaches the
 * network under the parameter that network echoes back (`subid` for Admitad, `subId1` for
 * Impact, `sid` for CJ). Templates that already place `{subid}` are left exactly as written;
 * otherwise the parameter is set (replacing any value the template carried), because a click
 * without a sub-ID is a sale nobody can be credited for. The rest of the URL is kept byte for
 * byte: re-serialising it through `URL` would re-encode the landing URL some networks parse
 * literally.
 *
 * @example
 * fillTrackingTemplate("https://ad.admitad.com/g/abc/?ulp={landing_url}", values, "subid")
 * // "https://ad.admitad.com/g/abc/?ulp=https%3A%2F%2F…&subid=<sub-ID>"
 */
export function fillTrackingTemplate(
  template: string,
  values: { subId: string; clickId: string; landingUrl: string; networkOfferRef: string },
  subIdParam: string,
): string {
  const filled = buildTrackingUrl(template, values);
  if (template.includes("{subid}")) return filled;
  const hashAt = filled.indexOf("#");
  const head = hashAt === -1 ? filled : filled.slice(0, hashAt);
  const fragment = hashAt === -1 ? "" : filled.slice(hashAt);
  const queryAt = head.indexOf("?");
  const base = queryAt === -1 ? head : head.slice(0, queryAt);
  const query = queryAt === -1 ? "" : head.slice(queryAt + 1);
  const pair = `${encodeURIComponent(subIdParam)}=${encodeURIComponent(values.subId)}`;
  const kept = query.split("&").filter((part) => part.length > 0 && paramName(part) !== subIdParam);
  return `${base}?${[...kept, pair].join("&")}${fragment}`;
}

function paramName(part: string): string {
  const name = part.split("=", 1)[0] ?? "";
  try {
    return decodeURIComponent(name.replaceAll("+", " "));
  } catch {
    return name;
  }
}
