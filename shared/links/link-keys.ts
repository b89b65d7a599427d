import {
  hasOnlyKeys,
  isInt,
  isIsoDatetimeWithOffset,
  isPlainObject,
  isString,
} from "../validate/guards";
import { type LinkVerification, verifyLinkToken } from "./link-token";

/**
 * The link-signing key ring, so the key behind tracking links can rotate without breaking
 * links already handed out. New links are signed with the current key (the highest version);
 * a link signed with a previous key still verifies until that key's `notAfter`, then it is
 * refused exactly like a forged link.
 *
 * Configured as `LINK_SIGNING_KEYS`, JSON:
 * `[{"version":2,"key":"<new>"},{"version":1,"key":"<old>","notAfter":"2026-06-02T00:00:00Z"}]`.
 * Without it, `LINK_SIGNING_KEY` alone is the current key (version 1) and nothing else verifies.
 */
export interface LinkKey {
  version: number;
  key: string;
  /** After this instant the key verifies nothing; null for the current key. */
  notAfterMs: number | null;
}

export interface LinkKeyRing {
  current: LinkKey;
  /** Older keys, newest first, each with its notAfter. */
  previous: LinkKey[];
}

export interface LinkKeySettings {
  LINK_SIGNING_KEY?: string;
  LINK_SIGNING_KEYS?: string;
}

/** Bound on keys in the ring: a link that fails the current key is tried against each. */
export const MAX_LINK_KEYS = 4;
const MIN_KEY_CHARS = 32;

/** One key of LINK_SIGNING_KEYS as configured. */
export interface ConfiguredLinkKey {
  version: number;
  key: string;
  notAfter?: string;
}

const KEY_FIELDS = ["version", "key", "notAfter"] as const;

/**
 * Checks LINK_SIGNING_KEYS' parsed JSON: 1 to MAX_LINK_KEYS strict objects of `version`
 * (integer 1–1,000,000), `key` (32–512 characters) and an optional `notAfter` (ISO date-time
 * with offset). Hand-written, not zod, so the redirect's bundle stays small; the test
 * (link-keys.test.ts) checks it accepts exactly what the zod schema it replaced did.
 * The first problem, at its path (never the key itself), or the keys.
 */
export function checkLinkKeysJson(
  json: unknown,
): { ok: true; keys: ConfiguredLinkKey[] } | { ok: false; path: string; message: string } {
  if (!Array.isArray(json)) return { ok: false, path: "", message: "expected an array" };
  if (json.length < 1 || json.length > MAX_LINK_KEYS) {
    return { ok: false, path: "", message: `expected 1 to ${MAX_LINK_KEYS} keys` };
  }
  const keys: ConfiguredLinkKey[] = [];
  for (const [i, item] of json.entries()) {
    if (!isPlainObject(item)) return { ok: false, path: `${i}`, message: "expected an object" };
    if (!hasOnlyKeys(item, KEY_FIELDS)) {
      return { ok: false, path: `${i}`, message: "unrecognized key" };
    }
    if (!isInt(item.version, 1, 1_000_000)) {
      return { ok: false, path: `${i}.version`, message: "expected an integer 1–1000000" };
    }
    if (!isString(item.key, MIN_KEY_CHARS, 512)) {
      return { ok: false, path: `${i}.key`, message: `expected ${MIN_KEY_CHARS}–512 characters` };
    }
    if (item.notAfter !== undefined && !isIsoDatetimeWithOffset(item.notAfter)) {
      return { ok: false, path: `${i}.notAfter`, message: "expected an ISO date-time" };
    }
    keys.push({
      version: item.version,
      key: item.key,
      ...(item.notAfter === undefined ? {} : { notAfter: item.notAfter }),
    });
  }
  return { ok: true, keys };
}

/** LINK_SIGNING_KEYS (or LINK_SIGNING_KEY) does not describe a usable ring; no key in the message. */
export class LinkKeysConfigError extends Error {
  constructor(detail: string) {
    super(`link signing keys are not valid: ${detail}`);
    this.name = "LinkKeysConfigError";
  }
}

function parseRing(settings: LinkKeySettings): LinkKeyRing {
  const text = settings.LINK_SIGNING_KEYS?.trim();
  if (!text) {
    if (!settings.LINK_SIGNING_KEY) {
      throw new LinkKeysConfigError("set LINK_SIGNING_KEY or LINK_SIGNING_KEYS");
    }
    return {
      current: { version: 1, key: settings.LINK_SIGNING_KEY, notAfterMs: null },
      previous: [],
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new LinkKeysConfigError("LINK_SIGNING_KEYS is not JSON");
  }
  const parsed = checkLinkKeysJson(json);
  if (!parsed.ok) throw new LinkKeysConfigError(`${parsed.path || "(root)"}: ${parsed.message}`);
  const keys = parsed.keys
    .map((k) => ({
      version: k.version,
      key: k.key,
      notAfterMs: k.notAfter ? Date.parse(k.notAfter) : null,
    }))
    .sort((a, b) => b.version - a.version);
  if (new Set(keys.map((k) => k.version)).size !== keys.length) {
    throw new LinkKeysConfigError("versions must be unique");
  }
  if (new Set(keys.map((k) => k.key)).size !== keys.length) {
    throw new LinkKeysConfigError("each version needs its own key");
  }
  const [current, ...previous] = keys as [LinkKey, ...LinkKey[]];
  if (current.notAfterMs !== null) {
    throw new LinkKeysConfigError(
      `the current key (version ${current.version}) cannot have a notAfter`,
    );
  }
  const open = previous.find((k) => k.notAfterMs === null);
  if (open) {
    throw new LinkKeysConfigError(`previous key version ${open.version} needs a notAfter date`);
  }
  return { current, previous };
}

// Parsed once per isolate per configuration: the redirect reads it on every click.
let cached: { source: string; ring: LinkKeyRing } | null = null;

/**
 * The configured ring; throws `LinkKeysConfigError` when the setting is unusable.
 *
 * @example
 * const token = await signLinkToken(linkKeyRing(env).current.key, claims);
 */
export function linkKeyRing(settings: LinkKeySettings): LinkKeyRing {
  const source = `${settings.LINK_SIGNING_KEYS ?? ""}\u0000${settings.LINK_SIGNING_KEY ?? ""}`;
  if (cached?.source !== source) cached = { source, ring: parseRing(settings) };
  return cached.ring;
}

/** The keys a link may be signed with at `nowMs`: the current one, then unexpired previous ones. */
export function acceptedLinkKeys(ring: LinkKeyRing, nowMs: number): string[] {
  return [
    ring.current.key,
    ...ring.previous
      .filter((k) => k.notAfterMs !== null && nowMs <= k.notAfterMs)
      .map((k) => k.key),
  ];
}

/**
 * Verifies a link against every key accepted at `nowMs`, current first. A link no accepted
 * key signed is `bad_signature`, whether it is forged or signed with a retired key.
 *
 * @example
 * const verified = await verifyLinkTokenWithRing(linkKeyRing(c.env), token, Date.now());
 */
export async function verifyLinkTokenWithRing(
  ring: LinkKeyRing,
  token: string,
  nowMs: number,
): Promise<LinkVerification> {
  let result: LinkVerification = { ok: false, reason: "bad_signature" };
  for (const key of acceptedLinkKeys(ring, nowMs)) {
    result = await verifyLinkToken(key, token, nowMs);
    // Only a MAC mismatch depends on the key; anything else is the answer for every key.
    if (result.ok || result.reason !== "bad_signature") return result;
  }
  return result;
}
