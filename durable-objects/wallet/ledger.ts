/**
 * The append-only ledger inside one user's wallet object. Money moves only by postings:
 * a posting is a set of legs (bucket, currency, signed amount) written under one
 * idempotency key, all or nothing. A correction is a new posting, never an UPDATE.
 *
 * Callers run `applyPosting` inside `storage.transactionSync`, so a posting and whatever
 * state change caused it commit together.
 */

export const BUCKETS = [
  "pending",
  "confirmed",
  // Reserved for the buckets later features add; the schema already accepts them.
  "reserved",
  "paid_out",
  "referral_bonus",
  "debt",
] as const;
export type Bucket = (typeof BUCKETS)[number];

export interface Leg {
  bucket: Bucket;
  currency: string;
  /** Signed: positive credits the bucket, negative debits it. */
  amountMinor: number;
}

export interface Posting {
  /** Idempotency key: the same key with the same legs is a no-op, with other legs an error. */
  key: string;
  kind: string;
  txnId: string | null;
  memo?: string;
  legs: Leg[];
}

/**
 * Exhaustive result of a posting. `created` and `exists` are success; the others change
 * nothing. `exists_with_different_amount` and `invalid` are permanent for that key;
 * `insufficient_funds` records nothing, so the same key may succeed once funds arrive.
 */
export type PostingStatus =
  | "created"
  | "exists"
  | "exists_with_different_amount"
  | "insufficient_funds"
  | "invalid";

export interface PostingResult {
  status: PostingStatus;
  lastSeq: number | null;
}

const MAX_LEGS = 8;

export function validatePosting(posting: Posting): string | null {
  if (!posting.key || posting.key.length > 200) return "posting key must be 1..200 chars";
  if (posting.legs.length === 0 || posting.legs.length > MAX_LEGS) {
    return `a posting has 1..${MAX_LEGS} legs`;
  }
  const seen = new Set<string>();
  for (const leg of posting.legs) {
    // One leg per bucket and currency, so every entry's balance_after is a real balance.
    const id = `${leg.bucket}/${leg.currency}`;
    if (seen.has(id)) return `two legs on ${id}`;
    seen.add(id);
    if (!BUCKETS.includes(leg.bucket)) return `unknown bucket ${leg.bucket}`;
    if (!/^[A-Z]{3}$/.test(leg.currency)) return `bad currency ${leg.currency}`;
    if (!Number.isSafeInteger(leg.amountMinor) || leg.amountMinor === 0) {
      return "leg amounts are non-zero safe integers";
    }
  }
  return null;
}

export function applyPosting(sql: SqlStorage, posting: Posting, nowMs: number): PostingResult {
  if (validatePosting(posting) !== null) return { status: "invalid", lastSeq: null };

  const existing = sql
    .exec<{ bucket: string; currency: string; amount_minor: number; seq: number }>(
      `SELECT bucket, currency, amount_minor, seq FROM entries WHERE posting_key = ? ORDER BY seq`,
      posting.key,
    )
    .toArray();
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
  const next = new Map<string, number>();
  for (const leg of posting.legs) {
    next.set(
      `${leg.bucket}/${leg.currency}`,
      readBalance(sql, leg.bucket, leg.currency) + leg.amountMinor,
    );
  }
  for (const balance of next.values()) {
    if (balance < 0 || !Number.isSafeInteger(balance)) {
      return { status: "insufficient_funds", lastSeq: null };
    }
  }

  let lastSeq = 0;
  posting.legs.forEach((leg, i) => {
    const after = next.get(`${leg.bucket}/${leg.currency}`) as number;
    const row = sql
      .exec<{ seq: number }>(
        `INSERT INTO entries (idempotency_key, posting_key, bucket, currency, amount_minor,
           balance_after_minor, kind, txn_id, memo, created_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
        `${posting.key}#${i}`,
        posting.key,
        leg.bucket,
        leg.currency,
        leg.amountMinor,
        after,
        posting.kind,
        posting.txnId,
        posting.memo ?? null,
        nowMs,
      )
      .one();
    lastSeq = row.seq;
    sql.exec(
      `INSERT INTO buckets (bucket, currency, balance_minor) VALUES (?, ?, ?)
       ON CONFLICT (bucket, currency) DO UPDATE SET balance_minor = excluded.balance_minor`,
      leg.bucket,
      leg.currency,
      after,
    );
  });

  // Postcondition: each touched bucket equals what we computed before writing.
  for (const [id, expected] of next) {
    const [bucket, currency] = id.split("/") as [Bucket, string];
    const actual = readBalance(sql, bucket, currency);
    if (actual !== expected) {
      throw new Error(`ledger postcondition failed for ${id}: ${actual} !== ${expected}`);
    }
  }
  return { status: "created", lastSeq };
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

export interface BalanceRow {
  bucket: string;
  currency: string;
  balanceMinor: number;
}

export function readBalances(sql: SqlStorage): BalanceRow[] {
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
  const rows = readBalances(sql);
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
