import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";

/**
 * Invariants read straight from a wallet's SQLite storage (not through its API), checked by
 * the simulation after every step on every wallet the step touched, and on all of them at the
 * end. The product's own audit() runs beside them as a second opinion.
 */

export interface WalletCheck {
  /** Names of the invariants that failed, with what was seen; empty: all hold. */
  violations: string[];
  /** How many invariants were evaluated. */
  checked: number;
  /** A value fingerprint of the wallet's money state (see `fingerprint`). */
  fingerprint: string;
}

/** The money state a failed or replayed operation must leave unchanged: by value, not by id. */
interface Snapshot {
  buckets: Array<{ bucket: string; currency: string; balance_minor: number }>;
  entries: number;
  txns: Array<Record<string, SqlStorageValue>>;
  clicks: number;
  lots: Array<Record<string, SqlStorageValue>>;
}

function stub(userId: string) {
  return env.WALLET.get(env.WALLET.idFromName(userId));
}

export function checkWallet(userId: string): Promise<WalletCheck> {
  return runInDurableObject(stub(userId), (instance, state) => {
    const sql = state.storage.sql;
    const violations: string[] = [];
    let checked = 0;
    const buckets = sql
      .exec<{ bucket: string; currency: string; balance_minor: number }>(
        `SELECT bucket, currency, balance_minor FROM buckets ORDER BY bucket, currency`,
      )
      .toArray();
    const sums = sql
      .exec<{ bucket: string; currency: string; total: number; credits: number; debits: number }>(
        `SELECT bucket, currency, SUM(amount_minor) AS total,
                SUM(CASE WHEN amount_minor > 0 THEN amount_minor ELSE 0 END) AS credits,
                SUM(CASE WHEN amount_minor < 0 THEN -amount_minor ELSE 0 END) AS debits
           FROM entries GROUP BY bucket, currency`,
      )
      .toArray();
    const key = (b: { bucket: string; currency: string }) => `${b.bucket}/${b.currency}`;
    const byKey = new Map(sums.map((s) => [key(s), s]));
    // balance = Σ its entries; no bucket negative except recorded debt.
    for (const b of buckets) {
      checked += 2;
      const total = byKey.get(key(b))?.total ?? 0;
      if (total !== b.balance_minor) {
        violations.push(
          `bucket_equals_entries: ${key(b)} balance ${b.balance_minor} != Σ entries ${total}`,
        );
      }
      if (b.balance_minor < 0 && b.bucket !== "debt") {
        violations.push(`no_negative_bucket: ${key(b)} is ${b.balance_minor}`);
      }
    }
    for (const s of sums) {
      checked++;
      if (!buckets.some((b) => key(b) === key(s)) && s.total !== 0) {
        violations.push(
          `bucket_equals_entries: entries for ${key(s)} sum ${s.total} with no bucket row`,
        );
      }
    }
    // Per currency (points are their own unit): Σ credits − Σ debits = Σ balances.
    const currencies = new Set(buckets.map((b) => b.currency));
    for (const currency of currencies) {
      checked++;
      const of = sums.filter((s) => s.currency === currency);
      const net = of.reduce((n, s) => n + s.credits - s.debits, 0);
      const held = buckets
        .filter((b) => b.currency === currency)
        .reduce((n, b) => n + b.balance_minor, 0);
      if (net !== held) {
        violations.push(
          `credits_minus_debits: ${currency} Σcredits−Σdebits ${net} != Σ balances ${held}`,
        );
      }
    }
    // The running balance written on each entry ends at the bucket's balance.
    for (const b of buckets) {
      checked++;
      const last = sql
        .exec<{ balance_after_minor: number }>(
          `SELECT balance_after_minor FROM entries WHERE bucket = ? AND currency = ?
            ORDER BY seq DESC LIMIT 1`,
          b.bucket,
          b.currency,
        )
        .toArray()[0];
      if (last && last.balance_after_minor !== b.balance_minor) {
        violations.push(
          `running_balance: ${key(b)} last balance_after ${last.balance_after_minor} != ${b.balance_minor}`,
        );
      }
    }
    // Points lots sum: earned = remaining (pending + active) + spent + expired + reversed.
    const badLots = sql
      .exec<{ n: number }>(
        `SELECT COUNT(*) AS n FROM points_lots
          WHERE points_earned != remaining + spent + expired + reversed
             OR remaining < 0 OR spent < 0 OR expired < 0 OR reversed < 0`,
      )
      .one().n;
    checked++;
    if (badLots > 0) violations.push(`points_lots_sum: ${badLots} lot(s) do not add up`);
    // Every transaction holds exactly its status's money.
    const txns = sql
      .exec<Record<string, SqlStorageValue>>(
        `SELECT order_id, status, network_status, sale_amount_minor, cashback_minor,
                held_pending_minor, held_confirmed_minor
           FROM transactions ORDER BY network_id, order_id`,
      )
      .toArray();
    for (const t of txns) {
      checked++;
      const pending = Number(t.held_pending_minor);
      const confirmed = Number(t.held_confirmed_minor);
      const ok =
        t.status === "cancelled" || t.status === "rejected"
          ? pending === 0 && confirmed === 0
          : t.status === "pending"
            ? confirmed === 0 && pending >= 0
            : pending === 0 && confirmed >= 0;
      if (!ok) {
        violations.push(
          `txn_holds_its_status: ${t.order_id} ${t.status} holds pending ${pending} confirmed ${confirmed}`,
        );
      }
    }
    // The product's own audit, as a second opinion.
    checked++;
    const audit = (
      instance as unknown as { audit(): { ok: boolean; violations: string[] } }
    ).audit();
    if (!audit.ok) violations.push(`product_audit: ${audit.violations.join("; ")}`);

    const snapshot: Snapshot = {
      buckets,
      entries: Number(sql.exec(`SELECT COUNT(*) AS n FROM entries`).one().n),
      txns,
      clicks: Number(sql.exec(`SELECT COUNT(*) AS n FROM clicks`).one().n),
      lots: sql
        .exec<Record<string, SqlStorageValue>>(
          `SELECT source_type, source_id, points_earned, remaining, spent, expired, reversed
             FROM points_lots ORDER BY source_type, source_id, rule_id`,
        )
        .toArray(),
    };
    return { violations, checked, fingerprint: JSON.stringify(snapshot) };
  });
}

/** What the wallet holds per order and per bucket, for the comparison with the oracle. */
export function walletState(userId: string) {
  return runInDurableObject(stub(userId), (_instance, state) => {
    const sql = state.storage.sql;
    const buckets = sql
      .exec<{ bucket: string; currency: string; balance_minor: number }>(
        `SELECT bucket, currency, balance_minor FROM buckets WHERE balance_minor != 0`,
      )
      .toArray();
    const orders = sql
      .exec<{ order_id: string; status: string; cashback_minor: number }>(
        `SELECT order_id, status, cashback_minor, network_updated_at_ms, network_time_known, sale_amount_minor, txn_id FROM transactions`,
      )
      .toArray();
    return { buckets, orders };
  });
}
