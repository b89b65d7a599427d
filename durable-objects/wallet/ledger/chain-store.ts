import { isDue, schedule, unschedule } from "../schedule/schedule-store";
import { CHAIN_FIELDS, type ChainEntry, entryHash, genesisHash } from "./chain";

/**
 * The ledger's hash chain in storage (docs/ledger.md "Tamper evidence"). Each entries row
 * carries `hash` = entryHash(previous row's hash, row); the wallet's head (last hashed seq and
 * its hash) is one meta row, `chain_head` = `<seq>:<hash>`. A posting hashes its entries in the
 * storage transaction that inserts them (ledger-store.ts applyPosting), never after.
 *
 * Rows stored before the chain existed are sealed in bounded chunks: while the meta row
 * `chain_sealing` exists, new entries are inserted unhashed and the sealer (on wake, then the
 * schedule's `chain_seal`, continued by alarm) hashes every row in seq order up to the newest.
 */

/** Rows hashed per sealing transaction (a 10,000-entry wallet: ten transactions). */
export const SEAL_CHUNK = 1_000;
/** Rows read per verification query. */
const VERIFY_PAGE = 1_000;

export interface ChainPoint {
  seq: number;
  hash: string;
}

export interface ChainReport {
  /** ok: every entry checked verifies; broken: `firstBadSeq` does not; sealing: not all hashed yet. */
  status: "ok" | "broken" | "sealing";
  /** The first entry that does not verify (edited, or missing when its successor is present). */
  firstBadSeq: number | null;
  reason: string | null;
  /** The last entry that verified (the anchor the next audit may start from); seq 0: genesis. */
  headSeq: number;
  headHash: string;
  /** Where verification started (0: genesis) and how many entries it checked. */
  fromSeq: number;
  checked: number;
}

const ENTRY_COLUMNS = `seq, idempotency_key, posting_key, bucket, currency, amount_minor,
  balance_after_minor, kind, txn_id, memo, created_at_ms, rule_id, rule_version`;

/** The INSERT's RETURNING list: exactly what the hash covers, as SQLite stored it. */
export const CHAINED_COLUMNS = ENTRY_COLUMNS;

function metaValue(sql: SqlStorage, key: string): string | null {
  return (
    sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, key).toArray()[0]?.value ??
    null
  );
}

/** Genesis of this wallet's chain: its bound user (an unbound test wallet: the empty id). */
export function chainGenesis(sql: SqlStorage): string {
  return genesisHash(metaValue(sql, "user_id") ?? "");
}

/** The stored head, null before the first hashed entry. */
export function chainHead(sql: SqlStorage): ChainPoint | null {
  const value = metaValue(sql, "chain_head");
  return value === null ? null : parseHead(value);
}

/** The meta row's `<seq>:<hash>`. */
function parseHead(value: string): ChainPoint {
  const [seq, hash] = value.split(":");
  return { seq: Number(seq), hash: hash ?? "" };
}

function setHead(sql: SqlStorage, head: ChainPoint): void {
  sql.exec(
    `INSERT INTO meta (key, value) VALUES ('chain_head', ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    `${head.seq}:${head.hash}`,
  );
}

export function chainSealing(sql: SqlStorage): boolean {
  return metaValue(sql, "chain_sealing") !== null;
}

/**
 * Where a new entry chains from, in the caller's storage transaction: the head, when the next
 * entry can be hashed before it is inserted (`chainInserted`). Null while older rows are still
 * being sealed, or before the first hashed entry: the row is then inserted first and hashed
 * after (`chainNewEntry`).
 */
export function chainTip(sql: SqlStorage): ChainPoint | null {
  // Both meta rows in one read: whether sealing is under way, and the head.
  const meta = sql
    .exec<{ key: string; value: string }>(
      `SELECT key, value FROM meta WHERE key IN ('chain_sealing', 'chain_head')`,
    )
    .toArray();
  if (meta.some((row) => row.key === "chain_sealing")) return null;
  const head = meta.find((row) => row.key === "chain_head");
  return head ? parseHead(head.value) : null;
}

/**
 * An entry inserted with `hash` = entryHash(tip.hash, `expected`), where `expected` is the row
 * it meant to store with seq = tip.seq + 1. The hash covers the row as SQLite stored it
 * (`stored`, the INSERT's RETURNING): if any column differs — the seq when the table's
 * sequence has run past the head — the row is hashed again from what was stored, as
 * `chainNewEntry` would. Moves the head either way.
 */
export function chainInserted(
  sql: SqlStorage,
  tip: ChainPoint,
  expected: ChainEntry,
  hash: string,
  stored: ChainEntry,
): void {
  let storedHash = hash;
  if (CHAIN_FIELDS.some((field) => stored[field] !== expected[field])) {
    storedHash = entryHash(tip.hash, stored);
    sql.exec(`UPDATE entries SET hash = ? WHERE seq = ?`, storedHash, stored.seq);
  }
  setHead(sql, { seq: stored.seq, hash: storedHash });
}

/**
 * Hashes a row just inserted, in the caller's storage transaction, and moves the head. While
 * older rows are still being sealed the row waits for the sealer, which reaches it in seq order.
 */
export function chainNewEntry(sql: SqlStorage, entry: ChainEntry): void {
  // Both meta rows in one read: whether sealing is under way, and the head.
  const meta = sql
    .exec<{ key: string; value: string }>(
      `SELECT key, value FROM meta WHERE key IN ('chain_sealing', 'chain_head')`,
    )
    .toArray();
  if (meta.some((row) => row.key === "chain_sealing")) return;
  const head = meta.find((row) => row.key === "chain_head");
  const prev = head ? parseHead(head.value).hash : chainGenesis(sql);
  const hash = entryHash(prev, entry);
  sql.exec(`UPDATE entries SET hash = ? WHERE seq = ?`, hash, entry.seq);
  setHead(sql, { seq: entry.seq, hash });
}

/**
 * Hashes at most `limit` unsealed rows after the head, oldest first, in the caller's
 * transaction. Returns whether rows remain; the last chunk ends sealing.
 */
export function sealChain(sql: SqlStorage, limit: number = SEAL_CHUNK): { more: boolean } {
  if (!chainSealing(sql)) return { more: false };
  const head = chainHead(sql);
  let prev: ChainPoint = head ?? { seq: 0, hash: chainGenesis(sql) };
  const rows = sql
    .exec<ChainEntry>(
      `SELECT ${ENTRY_COLUMNS} FROM entries WHERE seq > ? ORDER BY seq LIMIT ?`,
      prev.seq,
      limit,
    )
    .toArray();
  for (const row of rows) {
    const hash = entryHash(prev.hash, row);
    sql.exec(`UPDATE entries SET hash = ? WHERE seq = ?`, hash, row.seq);
    prev = { seq: row.seq, hash };
  }
  if (rows.length > 0) setHead(sql, prev);
  const more = rows.length === limit;
  if (!more) sql.exec(`DELETE FROM meta WHERE key = 'chain_sealing'`);
  return { more };
}

/**
 * The schedule's `chain_seal`: one chunk, then due again at once while rows remain (the alarm
 * continues it), or off the schedule once sealed.
 */
export function sealChainChunk(
  sql: SqlStorage,
  nowMs: number,
  limit: number = SEAL_CHUNK,
): boolean {
  const { more } = sealChain(sql, limit);
  if (more) schedule(sql, "chain_seal", "entries", nowMs);
  else unschedule(sql, "chain_seal", "entries");
  return more;
}

/** After a chunk that threw, the next try waits this long (not a hot alarm loop). */
export const CHAIN_SEAL_RETRY_MS = 3_600_000;

/**
 * The alarm's `chain_seal` step, when due by `asOfMs`: one chunk in a storage transaction of
 * its own, after `runDue`'s (wallet-object.ts), so a chunk that throws (only corrupt stored
 * rows can make it) rolls back that chunk alone, never the confirmations and other work the
 * run committed. The failed chunk is retried after CHAIN_SEAL_RETRY_MS; the audit reports the
 * wallet as sealing meanwhile. Returns the error, if any, for the caller to log.
 */
export function sealDueChunk(
  storage: DurableObjectStorage,
  asOfMs: number,
  nowMs: number,
): { sealed: boolean; error: unknown } {
  const sql = storage.sql;
  if (!isDue(sql, "chain_seal", asOfMs)) return { sealed: false, error: null };
  try {
    storage.transactionSync(() => sealChainChunk(sql, nowMs));
    return { sealed: true, error: null };
  } catch (error) {
    storage.transactionSync(() =>
      schedule(sql, "chain_seal", "entries", nowMs + CHAIN_SEAL_RETRY_MS),
    );
    return { sealed: false, error };
  }
}

/**
 * Verifies the chain after `from` (a previous anchor; null: from genesis) up to the newest
 * entry. Seqs are contiguous (AUTOINCREMENT, a rolled-back insert rolls its number back), so a
 * gap before a row is a deleted entry and is named as such. The anchor's own row must still
 * carry the anchored hash, and the newest row must be the stored head.
 *
 * `anchor` (with `from` null: the daily pass's full re-verification from genesis) is a
 * previous anchor checked on the way: the hash recomputed from genesis at its seq must be the
 * anchored one, so a history rewritten consistently from an edit onward is still named.
 */
export function verifyChain(
  sql: SqlStorage,
  from: ChainPoint | null,
  anchor: ChainPoint | null = null,
): ChainReport {
  const start: ChainPoint = from ?? { seq: 0, hash: chainGenesis(sql) };
  const passing = from === null && anchor !== null && anchor.seq > 0 ? anchor : null;
  let prev = start;
  let checked = 0;
  const report = (
    status: ChainReport["status"],
    firstBadSeq: number | null = null,
    reason: string | null = null,
  ): ChainReport => ({
    status,
    firstBadSeq,
    reason,
    headSeq: prev.seq,
    headHash: prev.hash,
    fromSeq: start.seq,
    checked,
  });

  if (start.seq > 0) {
    const anchored = sql
      .exec<{ hash: string | null }>(`SELECT hash FROM entries WHERE seq = ?`, start.seq)
      .toArray()[0];
    if (!anchored) return report("broken", start.seq, "anchored entry is missing");
    if (anchored.hash !== start.hash) {
      return report("broken", start.seq, "anchored entry's hash differs from its anchor");
    }
  }
  const sealing = chainSealing(sql);
  for (;;) {
    const rows = sql
      .exec<ChainEntry & { hash: string | null }>(
        `SELECT ${ENTRY_COLUMNS}, hash FROM entries WHERE seq > ? ORDER BY seq LIMIT ?`,
        prev.seq,
        VERIFY_PAGE,
      )
      .toArray();
    for (const row of rows) {
      if (row.seq !== prev.seq + 1) return report("broken", prev.seq + 1, "entry is missing");
      if (row.hash === null) {
        if (sealing) return report("sealing");
        return report("broken", row.seq, "entry has no hash");
      }
      const hash = entryHash(prev.hash, row);
      if (hash !== row.hash) return report("broken", row.seq, "entry does not match its hash");
      if (passing && row.seq === passing.seq && hash !== passing.hash) {
        return report("broken", row.seq, "anchored entry's hash differs from its anchor");
      }
      prev = { seq: row.seq, hash };
      checked++;
    }
    if (rows.length < VERIFY_PAGE) break;
  }
  if (passing && passing.seq > prev.seq && !sealing) {
    return report("broken", passing.seq, "anchored entry is missing");
  }
  const head = chainHead(sql);
  if (head && head.seq > prev.seq) return report("broken", prev.seq + 1, "entry is missing");
  if (head && !sealing && head.seq < prev.seq) {
    return report("broken", head.seq + 1, "entry is after the stored head");
  }
  if (head && head.seq === prev.seq && head.hash !== prev.hash) {
    return report("broken", prev.seq, "entry is not the stored head");
  }
  return report(sealing ? "sealing" : "ok");
}

/** The audit's words for a chain that does not verify (none when it does or is sealing). */
export function chainViolations(chain: ChainReport): string[] {
  if (chain.status !== "broken") return [];
  return [`ledger chain: entry ${chain.firstBadSeq}: ${chain.reason}`];
}

/** Entries as stored, with their hashes: what an operator's export carries (docs/ledger.md). */
export function exportChain(
  sql: SqlStorage,
  afterSeq: number,
  rows: number,
): {
  entries: Array<ChainEntry & { hash: string | null }>;
  head: ChainPoint | null;
  sealing: boolean;
} {
  const entries = sql
    .exec<ChainEntry & { hash: string | null }>(
      `SELECT ${ENTRY_COLUMNS}, hash FROM entries WHERE seq > ? ORDER BY seq LIMIT ?`,
      afterSeq,
      rows,
    )
    .toArray();
  return { entries, head: chainHead(sql), sealing: chainSealing(sql) };
}
