import type { RedirectEnv } from "#shared/env";
import { type LinkKey, linkHash, linkKeyOf } from "#shared/fraud/identity-links";
import type { ClickMessage } from "#shared/messages";
import { ipPrefixOf } from "#shared/referrals/risk-identifiers";

/**
 * A click's identity link (docs/fraud.md "Identity links"): the client address's network
 * (/24 IPv4, /64 IPv6) as the keyed hash every other producer uses, so many accounts clicking
 * from one network are linked and counted (`signal.usersSharingIpPrefix`). Computed in the
 * click's `waitUntil`, after the 302 is answered, with the HMAC key the isolate has already
 * imported: the address itself never leaves the edge, nothing is written, nothing is read.
 */

let cachedKey: { ring: string | undefined; subId: string; key: LinkKey | null } | null = null;

/** The key in force, parsed once per isolate per configuration. */
function keyOf(env: RedirectEnv): LinkKey | null {
  if (cachedKey?.ring !== env.RISK_LINK_KEYS || cachedKey?.subId !== env.SUBID_SIGNING_KEY) {
    cachedKey = {
      ring: env.RISK_LINK_KEYS,
      subId: env.SUBID_SIGNING_KEY,
      key: linkKeyOf({
        SUBID_SIGNING_KEY: env.SUBID_SIGNING_KEY,
        RISK_LINK_KEYS: env.RISK_LINK_KEYS,
      }),
    };
  }
  return cachedKey.key;
}

/**
 * The click with its `identifiers` and `network` filled in from the request; the click as it
 * was when there is nothing to add or the hash cannot be made (the click is never lost for it).
 *
 * @example
 * c.executionCtx.waitUntil(withClickLinks(c.env, click, clientIp, c.req.raw.cf).then(send));
 */
export async function withClickLinks(
  env: RedirectEnv,
  click: ClickMessage,
  clientIp: string | null,
  cf: unknown,
): Promise<ClickMessage> {
  const out: ClickMessage = { ...click };
  const network = networkOf(cf);
  if (network) out.network = network;
  const prefix = clientIp ? ipPrefixOf(clientIp) : null;
  const key = prefix ? keyOf(env) : null;
  if (prefix && key) {
    try {
      out.identifiers = { ip_prefix: await linkHash(key, "ip_prefix", prefix) };
    } catch {
      // No link rather than no click.
    }
  }
  return out;
}

/** Pure: `request.cf`'s ASN and country, when it has them. */
export function networkOf(cf: unknown): ClickMessage["network"] | null {
  if (typeof cf !== "object" || cf === null) return null;
  const { asn, country } = cf as { asn?: unknown; country?: unknown };
  const network: NonNullable<ClickMessage["network"]> = {};
  if (typeof asn === "number" && Number.isInteger(asn)) network.asn = asn;
  if (typeof country === "string" && /^[A-Z]{2}$/.test(country)) network.country = country;
  return Object.keys(network).length > 0 ? network : null;
}
