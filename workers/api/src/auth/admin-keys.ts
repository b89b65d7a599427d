import { z } from "zod";
import { toHex } from "#shared/crypto/encoding";
import { constantTimeEqual, sha256 } from "#shared/crypto/hmac";
import {
  type LegacyScopeAlias,
  type OperatorRole,
  ROLE_NAMES,
  type RoleName,
  roleOf,
} from "./roles";

/**
 * The operator's admin keys: each has a name (who, in the audit log) and a role, configured
 * as its `scope` (what it may do: `roles.ts`, `admin-scopes.ts`). Configured as
 * `ADMIN_API_KEYS`, a JSON array that holds SHA-256 digests, so the setting itself is no usable
 * key; the single legacy `ADMIN_API_KEY` keeps working as the key named "default", role "admin".
 */

/**
 * Every value a key's `scope` may be configured with, and so every value the audit log may
 * hold: the five roles and the issue-9 aliases (`read-only`, `payouts`) older entries carry.
 */
export const ADMIN_SCOPES = ROLE_NAMES;
/** The role a key has. Kept under its issue-9 name for code written against it. */
export type AdminScope = OperatorRole;

/** Who called: the key's name and role. Never the key itself. */
export interface AdminIdentity {
  name: string;
  /** The role (`roles.ts`); the field keeps its issue-9 name. */
  scope: OperatorRole;
  /** The legacy scope name the key was configured with, if any: refusals quote it. */
  configuredAs?: LegacyScopeAlias;
}

interface AdminKey extends AdminIdentity {
  /** SHA-256 of the key's UTF-8 bytes. */
  digest: Uint8Array;
}

export interface AdminKeySettings {
  ADMIN_API_KEYS?: string;
  ADMIN_API_KEY?: string;
}

/** The legacy single key's identity. */
export const LEGACY_KEY_NAME = "default";
/** Bound on configured keys: every request compares against each. */
const MAX_ADMIN_KEYS = 32;
/** Keys given in clear in ADMIN_API_KEYS must be at least this long (the legacy one is not checked). */
const MIN_CLEAR_KEY_CHARS = 24;

const KeyEntrySchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "a lowercase slug of up to 32 chars"),
    scope: z.enum(ROLE_NAMES),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/i, "64 hex digits: the SHA-256 of the key")
      .optional(),
    key: z.string().min(MIN_CLEAR_KEY_CHARS).max(512).optional(),
  })
  .strict()
  .refine((e) => (e.sha256 === undefined) !== (e.key === undefined), {
    message: "give exactly one of sha256 (recommended) or key",
  });

const KeyListSchema = z.array(KeyEntrySchema).max(MAX_ADMIN_KEYS);

/** ADMIN_API_KEYS does not describe a key list; the message names the problem, never a key. */
export class AdminKeysConfigError extends Error {
  constructor(detail: string) {
    super(`ADMIN_API_KEYS is not valid: ${detail}`);
    this.name = "AdminKeysConfigError";
  }
}

function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function identityOf(name: string, configured: RoleName): AdminIdentity {
  const scope = roleOf(configured);
  return configured === scope
    ? { name, scope }
    : { name, scope, configuredAs: configured as LegacyScopeAlias };
}

async function parseAdminKeys(settings: AdminKeySettings): Promise<AdminKey[]> {
  const keys: AdminKey[] = [];
  const listText = settings.ADMIN_API_KEYS?.trim();
  if (listText) {
    let json: unknown;
    try {
      json = JSON.parse(listText);
    } catch {
      throw new AdminKeysConfigError("not JSON");
    }
    const parsed = KeyListSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AdminKeysConfigError(`${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
    }
    for (const entry of parsed.data) {
      const digest = entry.sha256
        ? fromHex(entry.sha256.toLowerCase())
        : await sha256(entry.key ?? "");
      keys.push({ ...identityOf(entry.name, entry.scope), digest });
    }
  }
  if (settings.ADMIN_API_KEY) {
    keys.push({
      name: LEGACY_KEY_NAME,
      scope: "admin",
      digest: await sha256(settings.ADMIN_API_KEY),
    });
  }
  const names = new Set(keys.map((k) => k.name));
  if (names.size !== keys.length) {
    throw new AdminKeysConfigError(
      `names must be unique (the legacy ADMIN_API_KEY is named "${LEGACY_KEY_NAME}")`,
    );
  }
  const digests = new Set(keys.map((k) => toHex(k.digest)));
  if (digests.size !== keys.length) {
    throw new AdminKeysConfigError("the same key is listed twice: each key names one actor");
  }
  return keys;
}

// Parsed once per isolate per configuration: digests of clear keys cost a hash each.
let cached: { source: string; keys: Promise<AdminKey[]> } | null = null;

/**
 * The configured keys, parsed and checked; throws `AdminKeysConfigError` when the setting is
 * malformed (every admin request then fails rather than guessing).
 */
export function adminKeys(settings: AdminKeySettings): Promise<AdminKey[]> {
  const source = `${settings.ADMIN_API_KEYS ?? ""}\u0000${settings.ADMIN_API_KEY ?? ""}`;
  if (cached?.source !== source) cached = { source, keys: parseAdminKeys(settings) };
  return cached.keys;
}

/**
 * The identity of the key presented, or null. The presented key is hashed and compared with
 * every configured digest in constant time, with no early exit: equal-length digests, so
 * neither the key's length nor which entry matched shows in the timing.
 *
 * @example
 * const who = await identifyAdmin(env, bearerToken); // { name: "ops", scope: "catalog" } | null
 */
export async function identifyAdmin(
  settings: AdminKeySettings,
  presented: string,
): Promise<AdminIdentity | null> {
  const keys = await adminKeys(settings);
  const digest = await sha256(presented);
  let found: AdminKey | null = null;
  for (const key of keys) {
    if (constantTimeEqual(digest, key.digest) && found === null) found = key;
  }
  if (!found) return null;
  const { digest: _digest, ...identity } = found;
  return identity;
}
