/**
 * IP allowlists for networks that authenticate postbacks by where they come from (Impact,
 * Admitad and CJ publish the addresses they call from). Entries are single addresses or CIDR
 * ranges, IPv4 or IPv6. An IPv4-mapped IPv6 source (`::ffff:203.0.113.7`) matches IPv4 rules,
 * because a dual-stack edge may present either form.
 */

type Address = { version: 4 | 6; value: bigint };
type Range = { version: 4 | 6; value: bigint; prefix: number };

/**
 * Whether `sourceIp` falls in any entry of `allowlist`. Unparseable input never matches.
 *
 * @example
 * ipAllowed("203.0.113.7", ["203.0.113.0/24"])     // true
 * ipAllowed("::ffff:203.0.113.7", ["203.0.113.7"]) // true
 * ipAllowed("198.51.100.1", ["203.0.113.0/24"])    // false
 */
export function ipAllowed(sourceIp: string | null, allowlist: readonly string[]): boolean {
  if (sourceIp === null) return false;
  const address = parseAddress(sourceIp.trim());
  if (address === null) return false;
  for (const entry of allowlist) {
    const range = parseRange(entry);
    if (range === null || range.version !== address.version) continue;
    const bits = range.version === 4 ? 32 : 128;
    const shift = BigInt(bits - range.prefix);
    if (address.value >> shift === range.value >> shift) return true;
  }
  return false;
}

export function parseRange(text: string): Range | null {
  const [addressText, prefixText, ...rest] = text.trim().split("/");
  if (rest.length > 0 || addressText === undefined) return null;
  const address = parseAddress(addressText);
  if (address === null) return null;
  const bits = address.version === 4 ? 32 : 128;
  if (prefixText === undefined) return { ...address, prefix: bits };
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  return prefix <= bits ? { ...address, prefix } : null;
}

function parseAddress(text: string): Address | null {
  if (text.length > 45) return null;
  const v4 = parseIpv4(text);
  if (v4 !== null) return { version: 4, value: v4 };
  const v6 = parseIpv6(text);
  if (v6 === null) return null;
  // ::ffff:a.b.c.d is an IPv4 address in IPv6 clothing.
  if (v6 >> 32n === 0xffffn) return { version: 4, value: v6 & 0xffff_ffffn };
  return { version: 6, value: v6 };
}

function parseIpv4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6(text: string): bigint | null {
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const groups: number[] = [];
  const pushGroups = (parts: string[], isLast: boolean): boolean => {
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] ?? "";
      if (isLast && i === parts.length - 1 && part.includes(".")) {
        const v4 = parseIpv4(part);
        if (v4 === null) return false;
        groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(part)) {
        groups.push(Number.parseInt(part, 16));
      } else {
        return false;
      }
    }
    return true;
  };
  if (!pushGroups(head, halves.length === 1)) return null;
  const headCount = groups.length;
  if (!pushGroups(tail, true)) return null;
  const tailGroups = groups.splice(headCount);
  if (halves.length === 1) {
    if (groups.length !== 8) return null;
  } else {
    const missing = 8 - groups.length - tailGroups.length;
    if (missing < 1) return null;
    groups.push(...new Array<number>(missing).fill(0));
  }
  groups.push(...tailGroups);
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(group);
  return value;
}
