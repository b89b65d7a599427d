import { utf8 } from "#shared/crypto/encoding";
import { sha256Hex } from "#shared/crypto/sha256-sync";

/**
 * The ledger's hash chain (docs/ledger.md "Tamper evidence"): each entry's hash covers the
 * previous entry's hash and the entry's canonical encoding, so editing, deleting or reordering
 * any stored entry changes every hash after it. A wallet's chain starts at its genesis, derived
 * from the user id alone, so anyone holding the export can recompute it
 * (scripts/verify-ledger.ts re-implements this file with node:crypto; keep them in step).
 */

/** An entries row as stored: every column the hash covers (all but `hash` itself). */
export type ChainEntry = {
  seq: number;
  idempotency_key: string;
  posting_key: string;
  bucket: string;
  currency: string;
  amount_minor: number;
  balance_after_minor: number;
  kind: string;
  txn_id: string | null;
  memo: string | null;
  created_at_ms: number;
  rule_id: string | null;
  rule_version: number | null;
};

/** The columns in the order they are encoded. Changing it changes every hash: a new version. */
export const CHAIN_FIELDS = [
  "seq",
  "idempotency_key",
  "posting_key",
  "bucket",
  "currency",
  "amount_minor",
  "balance_after_minor",
  "kind",
  "txn_id",
  "memo",
  "created_at_ms",
  "rule_id",
  "rule_version",
] as const satisfies ReadonlyArray<keyof ChainEntry>;

export const CHAIN_VERSION = "boomerang-ledger-v1";

/**
 * Canonical encoding: the version tag, then each field as `<UTF-8 byte length>:<value>`, null as
 * `~`, integers in decimal. Length prefixes make it unambiguous whatever a memo contains.
 *
 * @example
 * encodeField("ab") // "2:ab"; encodeField(null) // "~"; encodeField(-5) // "2:-5"
 */
export function canonicalEntry(entry: ChainEntry): string {
  return CHAIN_VERSION + CHAIN_FIELDS.map((field) => encodeField(entry[field])).join("");
}

export function encodeField(value: string | number | null): string {
  if (value === null) return "~";
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new Error(`ledger chain: ${value} is not a safe integer`);
  }
  const text = String(value);
  return `${utf8.encode(text).length}:${text}`;
}

/** SHA-256 (hex) of the previous hash, `|`, and the entry's canonical encoding. */
export function entryHash(prevHash: string, entry: ChainEntry): string {
  return sha256Hex(utf8.encode(`${prevHash}|${canonicalEntry(entry)}`));
}

/** Where a wallet's chain starts: SHA-256 of `boomerang-ledger-v1|<user id>`. */
export function genesisHash(userId: string): string {
  return sha256Hex(utf8.encode(`${CHAIN_VERSION}|${userId}`));
}
