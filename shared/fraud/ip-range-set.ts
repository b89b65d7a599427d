import { ipv4Octets, ipv6Groups } from "../referrals/risk-identifiers";
import type { Cidr } from "../referrals/risk-lists";

/**
 * Pure: CIDR ranges compiled for matching, the one IP range matcher (the redirect's click
 * quality and referral intake's `datacenter_ip` flag both use it). The operator's datacenter/VPN
 * list may hold 20,000 ranges; checking an address against each in turn costs milliseconds.
 * Here the ranges are grouped by prefix length, each group a set of network addresses, so a lookup costs one masked set lookup per distinct prefix length in the list
 * (a handful in practice, at most 33 for IPv4 and 129 for IPv6).
 */

export interface IpRangeSet {
  /** Prefix length → the networks of that length, by address family; longest first. */
  v4: Array<{ bits: number; networks: Set<bigint> }>;
  v6: Array<{ bits: number; networks: Set<bigint> }>;
  size: number;
}

export const EMPTY_IP_RANGE_SET: IpRangeSet = { v4: [], v6: [], size: 0 };

function grouped(ranges: readonly Cidr[]): IpRangeSet["v4"] {
  const byBits = new Map<number, Set<bigint>>();
  for (const r of ranges) {
    const set = byBits.get(r.bits) ?? new Set<bigint>();
    set.add(r.base);
    byBits.set(r.bits, set);
  }
  return [...byBits].sort(([a], [b]) => b - a).map(([bits, networks]) => ({ bits, networks }));
}

/**
 * @example
 * const set = compileIpRanges(["203.0.113.0/24"].map(parseCidr).filter((c) => c !== null));
 * ipInRangeSet("203.0.113.9", set) // true
 */
export function compileIpRanges(ranges: readonly Cidr[]): IpRangeSet {
  return {
    v4: grouped(ranges.filter((r) => r.version === 4)),
    v6: grouped(ranges.filter((r) => r.version === 6)),
    size: ranges.length,
  };
}

const toBig = (parts: number[], width: bigint) =>
  parts.reduce((acc, p) => (acc << width) | BigInt(p), 0n);

/** Whether `address` (IPv4, IPv6, or IPv4-mapped IPv6) is inside one of the ranges. */
export function ipInRangeSet(address: string, set: IpRangeSet): boolean {
  if (set.size === 0) return false;
  let octets = ipv4Octets(address);
  let groups = octets ? null : ipv6Groups(address);
  // An IPv4-mapped IPv6 address is checked as its IPv4.
  if (groups?.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    octets = [hi >> 8, hi & 255, lo >> 8, lo & 255];
    groups = null;
  }
  const [value, width, groupsByBits] = octets
    ? [toBig(octets, 8n), 32, set.v4]
    : groups
      ? [toBig(groups, 16n), 128, set.v6]
      : [null, 0, []];
  if (value === null) return false;
  return groupsByBits.some(({ bits, networks }) => {
    const shift = BigInt(width - bits);
    return networks.has((value >> shift) << shift);
  });
}
