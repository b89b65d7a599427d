import { describe, expect, test } from "vitest";
import { utf8 } from "#shared/crypto/encoding";
import { sha256Hex } from "#shared/crypto/sha256-sync";
import {
  CHAIN_FIELDS,
  type ChainEntry,
  canonicalEntry,
  encodeField,
  entryHash,
  genesisHash,
} from "./chain";

const ENTRY: ChainEntry = {
  seq: 1,
  idempotency_key: "conv:n1:o1#0",
  posting_key: "conv:n1:o1",
  bucket: "pending",
  currency: "INR",
  amount_minor: 1500,
  balance_after_minor: 1500,
  kind: "conversion_pending",
  txn_id: "txn_1",
  memo: null,
  created_at_ms: 1_760_000_000_000,
  rule_id: null,
  rule_version: null,
};

describe("ledger chain", () => {
  test.each([
    [null, "~"],
    ["", "0:"],
    ["ab", "2:ab"],
    ["é", "2:é"],
    ["₹", "3:₹"],
    [0, "1:0"],
    [-5, "2:-5"],
    [1_760_000_000_000, "13:1760000000000"],
  ] as const)("encodeField(%j) = %j", (value, encoded) => {
    expect(encodeField(value)).toBe(encoded);
  });

  test("encodeField refuses a number that is not a safe integer", () => {
    expect(() => encodeField(1.5)).toThrow(/safe integer/);
    expect(() => encodeField(2 ** 53)).toThrow(/safe integer/);
  });

  test("canonical encoding of a known entry", () => {
    expect(canonicalEntry(ENTRY)).toBe(
      "boomerang-ledger-v1" +
        "1:112:conv:n1:o1#010:conv:n1:o17:pending3:INR4:15004:150018:conversion_pending" +
        "5:txn_1~13:1760000000000~~",
    );
  });

  test("genesis is SHA-256 of the version and the user id", () => {
    expect(genesisHash("u1")).toBe(sha256Hex(utf8.encode("boomerang-ledger-v1|u1")));
    expect(genesisHash("u1")).not.toBe(genesisHash("u2"));
    expect(genesisHash("u1")).toMatch(/^[0-9a-f]{64}$/);
  });

  test("entryHash covers the previous hash", () => {
    expect(entryHash(genesisHash("u1"), ENTRY)).not.toBe(entryHash(genesisHash("u2"), ENTRY));
  });

  // Every field is covered: changing any one changes the hash.
  test.each(CHAIN_FIELDS.map((f) => [f]))("entryHash covers %s", (field) => {
    const prev = genesisHash("u1");
    const value = ENTRY[field];
    const changed = {
      ...ENTRY,
      [field]: typeof value === "number" ? value + 1 : value === null ? "x" : `${value}x`,
    };
    expect(entryHash(prev, changed)).not.toBe(entryHash(prev, ENTRY));
  });

  // Moving text between adjacent fields keeps the concatenation but not the encoding.
  test("length prefixes keep field boundaries", () => {
    const prev = genesisHash("u1");
    const a = { ...ENTRY, txn_id: "ab", memo: "c" };
    const b = { ...ENTRY, txn_id: "a", memo: "bc" };
    const c = { ...ENTRY, txn_id: null, memo: "" };
    const d = { ...ENTRY, txn_id: "", memo: null };
    expect(entryHash(prev, a)).not.toBe(entryHash(prev, b));
    expect(entryHash(prev, c)).not.toBe(entryHash(prev, d));
  });
});
