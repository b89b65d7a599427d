import {
  compileIpRanges,
  EMPTY_IP_RANGE_SET,
  type IpRangeSet,
  ipInRangeSet,
} from "../fraud/ip-range-set";
import { normalizeCategory } from "../fraud/return-signals";
import { emailDomainOf, ipv4Octets, ipv6Groups } from "./risk-identifiers";

/**
 * The lists fraud signals check an identity against, which the operator keeps up to date
 * through the API (`PUT /admin/v1/risk-lists/{list}`; docs/referrals.md "Risk
 * lists"): disposable e-mail domains (`disposable_email_domain`), datacenter / VPN IP
 * ranges in CIDR notation (`datacenter_ip`) and datacenter networks by autonomous system
 * number (`datacenter_asns`, which the redirect judges clicks by: docs/fraud.md "Click
 * quality"). Pure: validation and matching; the I/O is in live-risk-lists.ts.
 */

export const RISK_LIST_NAMES = [
  "disposable_email_domains",
  "datacenter_ip_ranges",
  "datacenter_asns",
  // Product categories the operator sees returned for cashback (docs/fraud.md "Return abuse").
  "abuse_prone_categories",
] as const;
export type RiskListName = (typeof RISK_LIST_NAMES)[number];

/** Enough for the public disposable-domain lists (~5k) and a provider's ranges. */
export const MAX_RISK_LIST_ENTRIES = 20_000;

/** `AS16509` or `16509`; stored as the number's digits. ASNs are 32-bit. */
const ASN = /^(?:as)?([0-9]{1,10})$/;

/** Pure: an ASN as stored (`"16509"`), or null when the text is not one. */
export function parseAsn(text: string): string | null {
  const digits = ASN.exec(text.trim().toLowerCase())?.[1];
  if (digits === undefined) return null;
  const n = Number(digits);
  return n >= 1 && n <= 4_294_967_295 ? String(n) : null;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export interface Cidr {
  version: 4 | 6;
  /** The network's address as a number (32 or 128 bits). */
  base: bigint;
  bits: number;
}

function v4ToBig(octets: number[]): bigint {
  return octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
}

function v6ToBig(groups: number[]): bigint {
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/**
 * Pure: a CIDR range (`203.0.113.0/24`, `2001:db8::/32`; a bare address is a /32 or /128),
 * or null when it is not one.
 */
export function parseCidr(text: string): Cidr | null {
  const [address = "", bitsText, extra] = text.trim().toLowerCase().split("/");
  if (extra !== undefined) return null;
  const v4 = ipv4Octets(address);
  const v6 = v4 ? null : ipv6Groups(address);
  if (!v4 && !v6) return null;
  const width = v4 ? 32 : 128;
  const bits =
    bitsText === undefined ? width : /^[0-9]{1,3}$/.test(bitsText) ? Number(bitsText) : -1;
  if (bits < 0 || bits > width) return null;
  const value = v4 ? v4ToBig(v4) : v6ToBig(v6 ?? []);
  const shift = BigInt(width - bits);
  return { version: v4 ? 4 : 6, base: (value >> shift) << shift, bits };
}

/** Pure: whether the e-mail's domain, or a domain it is under, is on the list. */
export function emailDomainListed(email: string, domains: ReadonlySet<string>): boolean {
  const domain = emailDomainOf(email);
  if (!domain) return false;
  const labels = domain.split(".");
  for (let i = 0; i < labels.length - 1; i++) {
    if (domains.has(labels.slice(i).join("."))) return true;
  }
  return false;
}

export interface RiskListIssue {
  index: number;
  message: string;
}

/**
 * Pure: a list's entries as stored (trimmed, lower case, sorted, without repeats), or every
 * entry that cannot be on it.
 *
 * @example
 * normalizeRiskList("disposable_email_domains", ["Mailinator.com", "mailinator.com"])
 * // { ok: true, entries: ["mailinator.com"] }
 */
export function normalizeRiskList(
  list: RiskListName,
  entries: readonly string[],
): { ok: true; entries: string[] } | { ok: false; issues: RiskListIssue[] } {
  const issues: RiskListIssue[] = [];
  const kept = new Set<string>();
  entries.forEach((raw, index) => {
    const entry = raw.trim().toLowerCase();
    if (list === "abuse_prone_categories") {
      // A category as networks report it (`Electronics`, `fashion/shoes`), compared normalised.
      const category = normalizeCategory(raw);
      if (category.length >= 1 && category.length <= 100) kept.add(category);
      else issues.push({ index, message: "must be a category name of 1 to 100 characters" });
    } else if (list === "disposable_email_domains") {
      if (DOMAIN.test(entry)) kept.add(entry);
      else issues.push({ index, message: "must be a domain name, e.g. mailinator.com" });
    } else if (list === "datacenter_asns") {
      const asn = parseAsn(entry);
      if (asn) kept.add(asn);
      else issues.push({ index, message: "must be an autonomous system number, e.g. AS16509" });
    } else {
      const cidr = parseCidr(entry);
      if (cidr) kept.add(entry.includes("/") ? entry : `${entry}/${cidr.version === 4 ? 32 : 128}`);
      else issues.push({ index, message: "must be an IPv4 or IPv6 range, e.g. 203.0.113.0/24" });
    }
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, entries: [...kept].sort() };
}

/** The lists as intake checks them: a set of domains and compiled ranges. */
export interface RiskLists {
  disposableDomains: ReadonlySet<string>;
  datacenterRanges: IpRangeSet;
}

export const EMPTY_RISK_LISTS: RiskLists = {
  disposableDomains: new Set(),
  datacenterRanges: EMPTY_IP_RANGE_SET,
};

/** Pure: stored CIDR entries compiled for matching (an entry that no longer parses is skipped). */
export function compileCidrList(entries: readonly string[]): IpRangeSet {
  return compileIpRanges(entries.map(parseCidr).filter((c): c is Cidr => c !== null));
}

/** Pure: the lists from their stored entries (an entry that no longer parses is skipped). */
export function compileRiskLists(
  stored: Partial<Record<RiskListName, readonly string[]>>,
): RiskLists {
  return {
    disposableDomains: new Set(stored.disposable_email_domains ?? []),
    datacenterRanges: compileCidrList(stored.datacenter_ip_ranges ?? []),
  };
}

/** The flags intake records on a signup from the lists (never the address itself). */
export type RiskFlag = "disposable_email_domain" | "datacenter_ip";

/** Pure: which lists the signup's e-mail and IP address are on. */
export function riskFlagsOf(
  raw: { email?: unknown; ipAddress?: unknown },
  lists: RiskLists,
): RiskFlag[] {
  const flags: RiskFlag[] = [];
  if (typeof raw.email === "string" && emailDomainListed(raw.email, lists.disposableDomains)) {
    flags.push("disposable_email_domain");
  }
  if (typeof raw.ipAddress === "string" && ipInRangeSet(raw.ipAddress, lists.datacenterRanges)) {
    flags.push("datacenter_ip");
  }
  return flags;
}
