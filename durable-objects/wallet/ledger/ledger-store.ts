import { assert } from "#shared/assert";
import type { BalancesProjection } from "#shared/messages";
import { type ChainEntry, entryHash } from "./chain";
import { CHAINED_COLUMNS, chainInserted, chainNewEntry, chainTip } from "./chain-store";
import {
  POINTS_UNIT,
  type Posting,
  type PostingResult,
  planPosting,
  validatePosting,
} from "./posting";

/**
 * The ledger's storage: entries (append-only) and bucket balances. Callers run `applyPosting`
 * inside `storage.transactionSync`, so a posting and whatever state change caused it commit
 * together; the decisions (validation, the balances a posting leads to) are in posting.ts.
 * Each entry is hash-chained as it is inserted (chain-store.ts), in the same transaction.
 */

/**
 * A posting's entries, found through the UNIQUE index on `idempotency_key`: every entry ever
 * written has `idempotency_key` = its posting key + "#" + its leg's index (`applyPosting`,
 * unchanged since the first wallet), so a posting's entries are exactly the keys from
 * `key#` up to `key$` ("$" follows "#") whose `posting_key` is `key` (the equality drops a
 * longer key's entries that share the prefix, such as posting `k#1`'s `k#1#0` for `k`). The
 * table kept a second index on `posting_key` for this lookup alone; it is gone (wallet schema
 * step 33), one B-tree write less per entry (docs/benchmarks.md "One outbox row per call's
 * ledger events").
 */
export const POSTING_ENTRIES_SQL = `SELECT bucket, currency, amount_minor, seq FROM entries
  WHERE idempotency_key >= ? AND idempotency_key < ? AND posting_key = ? ORDER BY seq`;

export function findPostingEntries(
  sql: SqlStorage,
  postingKey: string,
): Array<{ bucket: string; currency: string; amount_minor: number; seq: number }> {
  return sql
    .exec<{ bucket: string; currency: string; amount_minor: number; seq: number }>(
      POSTING_ENTRIES_SQL,
      `${postingKey}#`,
      `${postingKey}$`,
      postingKey,
    )
    .toArray();
}

export function applyPosting(sql: SqlStorage, posting: Posting, nowMs: number): PostingResult {
  if (validatePosting(posting) !== null) return { status: "invalid", lastSeq: null };

  const existing = findPostingEntries(sql, posting.key);
  if (existing.length > 0) {
    const same =
      existing.length === posting.legs.length &&
      existing.every((row, i) => {
        const leg = posting.legs[i];
        return (
          leg !== undefined &&
          row.bucket === leg.bucket &&
          row.currency === leg.currency &&
          row.amount_minor === leg.amountMinor
        );
      });
    return {
      status: same ? "exists" : "exists_with_different_amount",
      lastSeq: existing.at(-1)?.seq ?? null,
    };
  }

  // Compute every new balance first: if any would go negative, nothing is written. Legs name
  // distinct buckets (validatePosting), so each balance is one read plus one leg.
  const plan = planPosting(posting, (bucket, currency) => {
    const balanceMinor = readBalance(sql, bucket, currency);
    // Precondition: no stored bucket is negative; money owed is its own bucket (debt).
    assert(balanceMinor >= 0, `ledger bucket ${bucket}/${currency} is negative: ${balanceMinor}`);
    return balanceMinor;
  });
  if (plan.status === "insufficient_funds") return { status: "insufficient_funds", lastSeq: null };

  let lastSeq = 0;
  plan.legs.forEach(({ leg, beforeMinor, afterMinor }, i) => {
    assert(afterMinor === beforeMinor + leg.amountMinor, "balance after = before + amount");
    const entry = {
      idempotency_key: `${posting.key}#${i}`,
      posting_key: posting.key,
      bucket: leg.bucket,
      currency: leg.currency,
      amount_minor: leg.amountMinor,
      balance_after_minor: afterMinor,
      kind: posting.kind,
      txn_id: posting.txnId,
      memo: posting.memo ?? null,
      created_at_ms: nowMs,
      rule_id: posting.rule?.id ?? null,
      rule_version: posting.rule?.version ?? null,
    };
    const row = insertChainedEntry(sql, entry);
    lastSeq = row.seq;
    // Postcondition, read back by the write itself: the bucket moves by the leg's amount from
    // what it holds (not set to the plan), so the balance it returns equals the plan only if
    // the plan started from the stored balance and no other leg moved this bucket.
    const actual = sql
      .exec<{ balance_minor: number }>(
        `INSERT INTO buckets (bucket, currency, balance_minor) VALUES (?, ?, ?)
         ON CONFLICT (bucket, currency)
         DO UPDATE SET balance_minor = balance_minor + excluded.balance_minor
         RETURNING balance_minor`,
        leg.bucket,
        leg.currency,
        leg.amountMinor,
      )
      .one().balance_minor;
    assert(
      actual === afterMinor && actual >= 0,
      `ledger postcondition failed for ${leg.bucket}/${leg.currency}: ${actual} !== ${afterMinor}`,
    );
  });
  return { status: "created", lastSeq };
}

/**
 * Inserts one entry and chains it in the caller's transaction (chain-store.ts). With a head to
 * extend, the row is hashed before it is inserted, as the next seq (the head's + 1), and
 * written with its hash: one statement where an INSERT and an UPDATE rewriting the row were
 * (docs/benchmarks.md "Rows per conversion"). RETURNING the stored row either way, so the
 * chain covers exactly what SQLite keeps.
 */
function insertChainedEntry(sql: SqlStorage, entry: Omit<ChainEntry, "seq">): ChainEntry {
  const tip = chainTip(sql);
  const expected: ChainEntry | null = tip ? { seq: tip.seq + 1, ...entry } : null;
  const hash = tip && expected ? entryHash(tip.hash, expected) : null;
  const row = sql
    .exec<ChainEntry>(
      `INSERT INTO entries (idempotency_key, posting_key, bucket, currency, amount_minor,
         balance_after_minor, kind, txn_id, memo, created_at_ms, rule_id, rule_version, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${CHAINED_COLUMNS}`,
      entry.idempotency_key,
      entry.posting_key,
      entry.bucket,
      entry.currency,
      entry.amount_minor,
      entry.balance_after_minor,
      entry.kind,
      entry.txn_id,
      entry.memo,
      entry.created_at_ms,
      entry.rule_id,
      entry.rule_version,
      hash,
    )
    .one();
  if (tip && expected && hash) chainInserted(sql, tip, expected, hash, row);
  else chainNewEntry(sql, row);
  return row;
}

export function readBalance(sql: SqlStorage, bucket: string, currency: string): number {
  const row = sql
    .exec<{ balance_minor: number }>(
      `SELECT balance_minor FROM buckets WHERE bucket = ? AND currency = ?`,
      bucket,
      currency,
    )
    .toArray()[0];
  return row?.balance_minor ?? 0;
}

/** Every bucket of one currency in one read, by bucket (absent: 0). */
export function readCurrencyBalances(sql: SqlStorage, currency: string): Map<string, number> {
  const rows = sql
    .exec<{ bucket: string; balance_minor: number }>(
      `SELECT bucket, balance_minor FROM buckets WHERE currency = ?`,
      currency,
    )
    .toArray();
  return new Map(rows.map((r) => [r.bucket, r.balance_minor]));
}

/** A bucket's balance, as the balances projection carries it (declared once, in messages). */
export type BalanceRow = BalancesProjection["balances"][number];

/**
 * The money buckets: what the balances projection, the wallet API and the money audit read.
 * Points buckets (unit `points`) are read by points/ and audited with the rest (`auditLedger`).
 */
export function readBalances(sql: SqlStorage): BalanceRow[] {
  return readAllBalances(sql).filter((b) => b.currency !== POINTS_UNIT);
}

/**
 * The money buckets and the last ledger seq they stand at, in one read: what the balances
 * projection carries. No bucket means no entry yet (a posting writes both), so seq 0.
 */
export function readBalancesAtSeq(sql: SqlStorage): { ledgerSeq: number; balances: BalanceRow[] } {
  const rows = sql
    .exec<{ bucket: string; currency: string; balance_minor: number; last_seq: number | null }>(
      `SELECT bucket, currency, balance_minor, (SELECT MAX(seq) FROM entries) AS last_seq
       FROM buckets ORDER BY currency, bucket`,
    )
    .toArray();
  return {
    ledgerSeq: rows[0]?.last_seq ?? 0,
    balances: rows
      .filter((r) => r.currency !== POINTS_UNIT)
      .map((r) => ({ bucket: r.bucket, currency: r.currency, balanceMinor: r.balance_minor })),
  };
}

function readAllBalances(sql: SqlStorage): BalanceRow[] {
  return sql
    .exec<{ bucket: string; currency: string; balance_minor: number }>(
      `SELECT bucket, currency, balance_minor FROM buckets ORDER BY currency, bucket`,
    )
    .toArray()
    .map((r) => ({ bucket: r.bucket, currency: r.currency, balanceMinor: r.balance_minor }));
}

export function lastLedgerSeq(sql: SqlStorage): number {
  return sql.exec<{ s: number | null }>(`SELECT MAX(seq) AS s FROM entries`).one().s ?? 0;
}

export interface InvariantReport {
  ok: boolean;
  violations: string[];
}

/**
 * The full audit, O(entries): every bucket equals the sum of its entries, no bucket is
 * negative, each entry's balance_after chains from the previous one in its bucket.
 */
export function auditLedger(sql: SqlStorage): InvariantReport {
  const violations: string[] = [];
  const sums = sql
    .exec<{ bucket: string; currency: string; total: number }>(
      `SELECT bucket, currency, SUM(amount_minor) AS total FROM entries GROUP BY bucket, currency`,
    )
    .toArray();
  const rows = readAllBalances(sql);
  const balances = new Map(rows.map((b) => [`${b.bucket}/${b.currency}`, b.balanceMinor]));
  for (const sum of sums) {
    const id = `${sum.bucket}/${sum.currency}`;
    if (balances.get(id) !== sum.total) {
      violations.push(`${id}: balance ${balances.get(id)} != sum of entries ${sum.total}`);
    }
    balances.delete(id);
  }
  for (const [id, balance] of balances) {
    if (balance !== 0) violations.push(`${id}: balance ${balance} with no entries`);
  }
  for (const b of rows) {
    if (b.balanceMinor < 0)
      violations.push(`${b.bucket}/${b.currency}: negative ${b.balanceMinor}`);
  }
  const running = new Map<string, number>();
  for (const e of sql.exec<{
    seq: number;
    bucket: string;
    currency: string;
    amount_minor: number;
    balance_after_minor: number;
  }>(`SELECT seq, bucket, currency, amount_minor, balance_after_minor FROM entries ORDER BY seq`)) {
    const id = `${e.bucket}/${e.currency}`;
    const after = (running.get(id) ?? 0) + e.amount_minor;
    if (after !== e.balance_after_minor) {
      violations.push(`entry ${e.seq}: balance_after ${e.balance_after_minor}, expected ${after}`);
    }
    running.set(id, after);
  }
  return { ok: violations.length === 0, violations };
}

/** One ledger entry as the API shows it. */
export interface LedgerEntryView {
  seq: number;
  bucket: string;
  currency: string;
  amountMinor: number;
  balanceAfterMinor: number;
  kind: string;
  txnId: string | null;
  idempotencyKey: string;
  createdAtMs: number;
  /** The rule version that produced the entry (rewards of events), else null. */
  ruleId: string | null;
  ruleVersion: number | null;
}

type EntryRow = {
  seq: number;
  bucket: string;
  currency: string;
  amount_minor: number;
  balance_after_minor: number;
  kind: string;
  txn_id: string | null;
  idempotency_key: string;
  created_at_ms: number;
  rule_id: string | null;
  rule_version: number | null;
};

const entryView = (r: EntryRow): LedgerEntryView => ({
  seq: r.seq,
  bucket: r.bucket,
  currency: r.currency,
  amountMinor: r.amount_minor,
  balanceAfterMinor: r.balance_after_minor,
  kind: r.kind,
  txnId: r.txn_id,
  idempotencyKey: r.idempotency_key,
  createdAtMs: r.created_at_ms,
  ruleId: r.rule_id,
  ruleVersion: r.rule_version,
});

/**
 * Every entry that moved one transaction's money, oldest first (the console's timeline of a
 * transaction). A transaction has a handful of entries; `rows` bounds a pathological one.
 */
export function listEntriesOfTxn(sql: SqlStorage, txnId: string, rows: number): LedgerEntryView[] {
  return sql
    .exec<EntryRow>(
      `SELECT seq, bucket, currency, amount_minor, balance_after_minor, kind, txn_id,
              idempotency_key, created_at_ms, rule_id, rule_version
       FROM entries WHERE txn_id = ? ORDER BY seq LIMIT ?`,
      txnId,
      rows,
    )
    .toArray()
    .map(entryView);
}

/**
 * The money ledger, newest first, keyset on seq; `rows` already bounded by the caller. Points
 * entries have their own history (points/points-reads.ts), so money readers never meet them.
 */
export function listEntries(
  sql: SqlStorage,
  beforeSeq: number | null,
  rows: number,
): LedgerEntryView[] {
  return sql
    .exec<EntryRow>(
      `SELECT seq, bucket, currency, amount_minor, balance_after_minor, kind, txn_id,
              idempotency_key, created_at_ms, rule_id, rule_version
       FROM entries WHERE seq < ? AND currency <> ? ORDER BY seq DESC LIMIT ?`,
      beforeSeq ?? Number.MAX_SAFE_INTEGER,
      POINTS_UNIT,
      rows,
    )
    .toArray()
    .map(entryView);
}
