import { toBase64Url } from "../crypto/encoding";
import { hmacSha256 } from "../crypto/hmac";
import { type KeyRing, parseKeyRing } from "../crypto/sealed";
import { ipPrefixOf, normalizeEmail } from "../referrals/risk-identifiers";
import type { Observation } from "./risk-contract";

/**
 * Identity links (docs/fraud.md "Identity links"): the identifiers that tie accounts together —
 * a device id, the IP's network (/24 IPv4, /64 IPv6), a payment instrument, a normalised
 * e-mail, a phone number — as keyed hashes only. The normalisation is the referral signals'
 * (shared/referrals/risk-identifiers.ts), so `A.Sha+x@Gmail.com` and `asha@gmail.com` link.
 *
 * The key is versioned so it can rotate: `RISK_LINK_KEYS` (JSON `{"2":"<base64url 32 bytes>"}`,
 * the highest version hashes) or, when unset, version 1 under SUBID_SIGNING_KEY, the key the
 * referral signals already use. A hash names its version (`v2.<HMAC>`); after a rotation an
 * identifier links again as soon as its users are seen once more (old rows age out).
 */

export const LINK_KINDS = ["device", "ip_prefix", "payment_instrument", "email", "phone"] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

/** The hashing key in force: its version and secret. */
export interface LinkKey {
  version: number;
  secret: string;
}

/** The bindings the key comes from (a secret each). */
export interface LinkKeySource {
  SUBID_SIGNING_KEY: string;
  /** Optional ring for rotation, JSON `{"<version>":"<base64url 32 bytes>"}`; version ≥ 2. */
  RISK_LINK_KEYS?: string;
}

/**
 * Pure: the key identifiers are hashed with now — the ring's highest version, else version 1
 * (the sub-ID key). Null when neither is configured: then nothing is linked, nothing is kept.
 *
 * @example
 * linkKeyOf({ SUBID_SIGNING_KEY: "k" })                                  // { version: 1, secret: "k" }
 * linkKeyOf({ SUBID_SIGNING_KEY: "k", RISK_LINK_KEYS: '{"2":"…32 bytes"}' }) // { version: 2, … }
 */
export function linkKeyOf(source: LinkKeySource): LinkKey | null {
  const ring: KeyRing | null = parseKeyRing(source.RISK_LINK_KEYS);
  if (ring) {
    const version = Math.max(...Object.keys(ring).map(Number));
    const secret = ring[version];
    if (secret) return { version, secret };
  }
  return source.SUBID_SIGNING_KEY ? { version: 1, secret: source.SUBID_SIGNING_KEY } : null;
}

/**
 * The keyed hash of one normalised identifier, domain-separated by kind and naming its key
 * version. Without the key nobody can test a guessed address against it.
 *
 * @example
 * await linkHash({ version: 1, secret }, "email", "asha@gmail.com") // "v1.Qm9…" (46 chars)
 */
export async function linkHash(key: LinkKey, kind: LinkKind, value: string): Promise<string> {
  const mac = await hmacSha256(key.secret, `risk-link.v${key.version}.${kind}.${value}`);
  return `v${key.version}.${toBase64Url(mac)}`;
}

/** Pure: a phone number as its digits with one leading `+` (E.164); null when too short. */
export function normalizePhone(phone: string): string | null {
  const digits = phone.replace(/[^0-9]/g, "");
  return digits.length >= 7 && digits.length <= 15 ? `+${digits}` : null;
}

/** What a request or an event may carry that becomes a link (raw values; never stored). */
export interface RawLinkValues {
  deviceId?: unknown;
  ipAddress?: unknown;
  paymentInstrumentHash?: unknown;
  email?: unknown;
  phone?: unknown;
}

const text = (value: unknown): string | null =>
  typeof value === "string" && value.trim() !== "" ? value.trim() : null;

/** Pure: each raw value normalised, or null when absent or unusable. */
export function normalizedLinkValues(raw: RawLinkValues): Record<LinkKind, string | null> {
  const ip = text(raw.ipAddress);
  const email = text(raw.email);
  const phone = text(raw.phone);
  return {
    device: text(raw.deviceId),
    ip_prefix: ip ? ipPrefixOf(ip) : null,
    payment_instrument: text(raw.paymentInstrumentHash),
    email: email ? normalizeEmail(email) : null,
    phone: phone ? normalizePhone(phone) : null,
  };
}

/**
 * The keyed hashes of what the raw values hold, by kind: an observation's `identifiers`.
 *
 * @example
 * await linkIdentifiersOf(key, { deviceId: "dev-1", ipAddress: "203.0.113.7" })
 * // { device: "v1.…", ip_prefix: "v1.…" }
 */
export async function linkIdentifiersOf(
  key: LinkKey,
  raw: RawLinkValues,
): Promise<Partial<Record<LinkKind, string>>> {
  const out: Partial<Record<LinkKind, string>> = {};
  for (const [kind, value] of Object.entries(normalizedLinkValues(raw)) as Array<
    [LinkKind, string | null]
  >) {
    if (value !== null) out[kind] = await linkHash(key, kind, value);
  }
  return out;
}

/** The fact each shared identifier kind gives scoring: how many OTHER users hold it. */
export const SHARING_FACTS: Record<LinkKind, string> = {
  device: "signal.usersSharingDevice",
  ip_prefix: "signal.usersSharingIpPrefix",
  payment_instrument: "signal.usersSharingPayment",
  email: "signal.usersSharingEmail",
  phone: "signal.usersSharingPhone",
};

export function isLinkKind(kind: string): kind is LinkKind {
  return (LINK_KINDS as readonly string[]).includes(kind);
}

/** A sharing fact's ceiling: holders are counted up to 100 (identity-counts.ts), others up to 99. */
export const MAX_SHARING_FACT = 99;

/**
 * Pure: the sharing facts of one observation: for each identifier it carries, the number of
 * other users holding the same hash. `holders` counts every holder, this user included once
 * linked (the risk consumer, which records a batch's links before counting); with
 * `selfCounted: false` it counts the other holders only (the redeem path, which reads without
 * writing). Kinds that are not link kinds are ignored. At most MAX_SHARING_FACT.
 *
 * @example
 * sharingFacts({ device: "v1.a" }, new Map([["device|v1.a", 3]]))
 * // { "signal.usersSharingDevice": 2 }
 * sharingFacts({ device: "v1.a" }, new Map([["device|v1.a", 3]]), { selfCounted: false })
 * // { "signal.usersSharingDevice": 3 }
 */
export function sharingFacts(
  identifiers: Readonly<Record<string, string>>,
  holders: ReadonlyMap<string, number>,
  options: { selfCounted?: boolean } = {},
): Record<string, number> {
  const self = options.selfCounted === false ? 0 : 1;
  const facts: Record<string, number> = {};
  for (const [kind, hash] of Object.entries(identifiers)) {
    if (!isLinkKind(kind)) continue;
    const count = holders.get(linkKeyString(kind, hash)) ?? self;
    facts[SHARING_FACTS[kind]] = Math.min(MAX_SHARING_FACT, Math.max(0, count - self));
  }
  return facts;
}

/** Pure: the observation with what its identifiers' links say added to its facts (`sharingFacts`). */
export function withSharingFacts(
  observation: Observation,
  holders: ReadonlyMap<string, number>,
  options: { selfCounted?: boolean } = {},
): Observation {
  const facts = sharingFacts(observation.identifiers ?? {}, holders, options);
  if (Object.keys(facts).length === 0) return observation;
  return { ...observation, facts: { ...observation.facts, ...facts } };
}

/** Pure: the map key of one identifier (`kind|hash`). */
export function linkKeyString(kind: string, hash: string): string {
  return `${kind}|${hash}`;
}
