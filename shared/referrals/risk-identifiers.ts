import { toBase64Url } from "../crypto/encoding";
import { hmacSha256 } from "../crypto/hmac";

/**
 * The identifiers fraud signals compare between a referee and their referrer
 * (docs/referrals.md "Fraud holds"): a device id, the IP's network (/24 for IPv4, /64 for
 * IPv6), a payment instrument and a normalised e-mail address. None is ever kept as sent:
 * each is a keyed hash (SUBID_SIGNING_KEY, like the click fingerprint) computed when the event
 * is accepted, so nobody without the key can test a guessed address against them, and two
 * spellings of one identifier (`A.Sha+x@Gmail.com`, `asha@gmail.com`) hash the same.
 */

export const RISK_IDENTIFIER_KINDS = [
  "device",
  "ip_prefix",
  "email",
  "payment_instrument",
] as const;
export type RiskIdentifierKind = (typeof RISK_IDENTIFIER_KINDS)[number];

export interface RiskIdentifier {
  kind: RiskIdentifierKind;
  /** base64url HMAC-SHA256, 43 characters. */
  hash: string;
}

/** Providers that ignore dots in the local part (and deliver `a.b` to `ab`). */
const DOTLESS_PROVIDERS: Record<string, string> = {
  "gmail.com": "gmail.com",
  "googlemail.com": "gmail.com",
};
/** Providers that deliver `name+tag@` to `name@`. */
const PLUS_TAG_PROVIDERS = new Set([
  "gmail.com",
  "outlook.com",
  "hotmail.com",
  "live.com",
  "icloud.com",
  "me.com",
  "fastmail.com",
  "protonmail.com",
  "proton.me",
]);

/**
 * Pure: an e-mail address as its provider delivers it: lower case, and for providers that
 * ignore them, without dots (Gmail) and without a `+tag`.
 *
 * @example
 * normalizeEmail(" A.Sha+promo@GoogleMail.com ") // "asha@gmail.com"
 * normalizeEmail("a.sha+x@example.com")         // "a.sha+x@example.com"
 */
export function normalizeEmail(email: string): string | null {
  const trimmed = email.trim().toLowerCase();
  const at = trimmed.lastIndexOf("@");
  if (at <= 0 || at === trimmed.length - 1) return null;
  let local = trimmed.slice(0, at);
  let domain = trimmed.slice(at + 1);
  const dotless = DOTLESS_PROVIDERS[domain];
  if (dotless) {
    domain = dotless;
    local = local.replaceAll(".", "");
  }
  if (PLUS_TAG_PROVIDERS.has(domain)) local = local.split("+")[0] ?? local;
  return local.length > 0 ? `${local}@${domain}` : null;
}

/** Pure: the domain of an e-mail address, lower case; null when it has none. */
export function emailDomainOf(email: string): string | null {
  const trimmed = email.trim().toLowerCase();
  const at = trimmed.lastIndexOf("@");
  return at > 0 && at < trimmed.length - 1 ? trimmed.slice(at + 1) : null;
}

/**
 * Pure: the IPv6 address as eight 16-bit groups, or null when it is not one. An embedded IPv4
 * tail (`::ffff:203.0.113.7`) becomes its two groups.
 */
export function ipv6Groups(address: string): number[] | null {
  let text = address.trim().toLowerCase();
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  if (!text.includes(":")) return null;
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  if (tail.includes(".")) {
    // An embedded IPv4 tail is two groups: spell it so and parse the rest as usual.
    const v4 = ipv4Octets(tail);
    if (!v4) return null;
    const [a = 0, b = 0, c = 0, d = 0] = v4;
    text = `${text.slice(0, lastColon + 1)}${(a * 256 + b).toString(16)}:${(c * 256 + d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const head = parse(halves[0] ?? "");
  const rest = halves.length === 2 ? parse(halves[1] ?? "") : [];
  const explicit = head.length + rest.length;
  if (halves.length === 1 && explicit !== 8) return null;
  if (halves.length === 2 && explicit > 7) return null;
  const groups: number[] = [];
  for (const part of [...head, ...Array<string>(8 - explicit).fill("0"), ...rest]) {
    if (!/^[0-9a-f]{1,4}$/.test(part)) return null;
    groups.push(Number.parseInt(part, 16));
  }
  return groups;
}

/** Pure: the four octets of a dotted IPv4 address, or null. */
export function ipv4Octets(address: string): number[] | null {
  const parts = address.trim().split(".");
  if (parts.length !== 4) return null;
  const octets = parts.map((p) => (/^[0-9]{1,3}$/.test(p) ? Number(p) : Number.NaN));
  return octets.every((o) => o >= 0 && o <= 255) ? octets : null;
}

/**
 * Pure: the network an address belongs to for the `shared_ip_prefix` signal: the /24 of an
 * IPv4 address, the /64 of an IPv6 one (an IPv4-mapped IPv6 address counts as its IPv4).
 *
 * @example
 * ipPrefixOf("203.0.113.7")         // "203.0.113.0/24"
 * ipPrefixOf("2001:DB8:a:b:1::2")   // "2001:db8:a:b::/64"
 */
export function ipPrefixOf(address: string): string | null {
  const v4 = ipv4Octets(address);
  if (v4) return `${v4[0]}.${v4[1]}.${v4[2]}.0/24`;
  const v6 = ipv6Groups(address);
  if (!v6) return null;
  if (v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff) {
    const [hi = 0, lo = 0] = v6.slice(6);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.0/24`;
  }
  return `${v6
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

/**
 * The keyed hash of one identifier (domain-separated by kind, so a device id never equals an
 * e-mail's hash).
 *
 * @example
 * await riskIdentifierHash(env.SUBID_SIGNING_KEY, "device", "dev-123") // "Qm9…" (43 chars)
 */
export async function riskIdentifierHash(
  secret: string,
  kind: RiskIdentifierKind,
  value: string,
): Promise<string> {
  return toBase64Url(await hmacSha256(secret, `referral-risk.${kind}.${value}`));
}

/** What an event may carry that becomes an identifier (raw values; never stored). */
export interface RawRiskIdentifiers {
  deviceId?: unknown;
  ipAddress?: unknown;
  email?: unknown;
  paymentInstrumentHash?: unknown;
}

/**
 * The keyed identifiers of an event's data, normalised first; what is absent or unusable is
 * left out.
 */
export async function riskIdentifiersOf(
  secret: string,
  raw: RawRiskIdentifiers,
): Promise<RiskIdentifier[]> {
  const values: Array<[RiskIdentifierKind, string | null]> = [
    ["device", typeof raw.deviceId === "string" ? raw.deviceId.trim() || null : null],
    ["ip_prefix", typeof raw.ipAddress === "string" ? ipPrefixOf(raw.ipAddress) : null],
    ["email", typeof raw.email === "string" ? normalizeEmail(raw.email) : null],
    [
      "payment_instrument",
      typeof raw.paymentInstrumentHash === "string"
        ? raw.paymentInstrumentHash.trim() || null
        : null,
    ],
  ];
  const out: RiskIdentifier[] = [];
  for (const [kind, value] of values) {
    if (value !== null) out.push({ kind, hash: await riskIdentifierHash(secret, kind, value) });
  }
  return out;
}
