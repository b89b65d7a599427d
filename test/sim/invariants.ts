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
  /** Events recorded in the wallet's inbox (its own `cashback.confirmed` among them). */
  events: Array<Record<string, SqlStorageValue>>;
  /** Points spent by redemptions. */
  spends: Array<Record<string, SqlStorageValue>>;
}

function stub(userId: string) {
  return env.WALLET.get(env.WALLET.idFromName(userId));
}

/** Per bucket, what the entries seen so far add up to (the incremental check's memory). */
interface BucketSums {
  total: number;
  credits: number;
  debits: number;
  /** The newest entry's `balance_after_minor` (the running balance so far). */
  lastAfter: number;
}

/**
 * What the simulation remembers of a wallet between checks, so each step reads only the
 * entries written since the last one (`seq` > `seq`) instead of the whole ledger: the check
 * after a step costs what the step wrote, not what the wallet holds. A full check (every
 * entry again, and the product's `audit()` with its hash chain from genesis) runs every
 * `FULL_CHECK_EVERY` checks of a wallet and on every wallet at the end, and must agree with it.
 */
export interface WalletCursor {
  seq: number;
  sums: Record<string, BucketSums>;
  checks: number;
}

export function newCursor(): WalletCursor {
  return { seq: 0, sums: {}, checks: 0 };
}

export function checkWallet(
  userId: string,
  cursor: WalletCursor = newCursor(),
  full = true,
): Promise<WalletCheck & { cursor: WalletCursor }> {
  return runInDurableObject(stub(userId), (instance, state) => {
    const sql = state.storage.sql;
    const violations: string[] = [];
    let checked = 0;
    const buckets = sql
      .exec<{ bucket: string; currency: string; balance_minor: number }>(
        `SELECT bucket, currency, balance_minor FROM buckets ORDER BY bucket, currency`,
      )
      .toArray();
    const key = (b: { bucket: string; currency: string }) => `${b.bucket}/${b.currency}`;
    // The entries since the cursor, folded into its sums; each entry's running balance must
    // be the previous one plus its amount.
    const sumsNow: Record<string, BucketSums> = {};
    for (const [k, v] of Object.entries(cursor.sums)) sumsNow[k] = { ...v };
    let seq = cursor.seq;
    for (const e of sql.exec<{
      seq: number;
      bucket: string;
      currency: string;
      amount_minor: number;
      balance_after_minor: number;
    }>(
      `SELECT seq, bucket, currency, amount_minor, balance_after_minor FROM entries
        WHERE seq > ? ORDER BY seq`,
      cursor.seq,
    )) {
      const k = key(e);
      const s = sumsNow[k] ?? { total: 0, credits: 0, debits: 0, lastAfter: 0 };
      checked++;
      if (e.balance_after_minor !== s.lastAfter + e.amount_minor) {
        violations.push(
          `running_balance: ${k} entry ${e.seq} balance_after ${e.balance_after_minor} != ${s.lastAfter} + ${e.amount_minor}`,
        );
      }
      s.total += e.amount_minor;
      if (e.amount_minor > 0) s.credits += e.amount_minor;
      else s.debits -= e.amount_minor;
      s.lastAfter = e.balance_after_minor;
      sumsNow[k] = s;
      seq = e.seq;
    }
    if (full) {
      // Every entry again, from SQL: the incremental sums must agree with it.
      const sums = sql
        .exec<{ bucket: string; currency: string; total: number; credits: number; debits: number }>(
          `SELECT bucket, currency, SUM(amount_minor) AS total,
                  SUM(CASE WHEN amount_minor > 0 THEN amount_minor ELSE 0 END) AS credits,
                  SUM(CASE WHEN amount_minor < 0 THEN -amount_minor ELSE 0 END) AS debits
             FROM entries GROUP BY bucket, currency`,
        )
        .toArray();
      for (const s of sums) {
        checked++;
        const mine = sumsNow[key(s)];
        if (
          !mine ||
          mine.total !== s.total ||
          mine.credits !== s.credits ||
          mine.debits !== s.debits
        ) {
          violations.push(
            `entries_unchanged: ${key(s)} entries now sum ${s.total} (+${s.credits} −${s.debits}), the checks so far saw ${JSON.stringify(mine ?? null)}`,
          );
        }
      }
      if (sums.length !== Object.keys(sumsNow).length) {
        checked++;
        violations.push(
          `entries_unchanged: buckets with entries went from ${Object.keys(sumsNow).length} to ${sums.length}`,
        );
      }
    }
    // balance = Σ its entries; no bucket negative except recorded debt.
    for (const b of buckets) {
      checked += 3;
      const s = sumsNow[key(b)];
      const total = s?.total ?? 0;
      if (total !== b.balance_minor) {
        violations.push(
          `bucket_equals_entries: ${key(b)} balance ${b.balance_minor} != Σ entries ${total}`,
        );
      }
      if (b.balance_minor < 0 && b.bucket !== "debt") {
        violations.push(`no_negative_bucket: ${key(b)} is ${b.balance_minor}`);
      }
      // The running balance written on each entry ends at the bucket's balance.
      if (s && s.lastAfter !== b.balance_minor) {
        violations.push(
          `running_balance: ${key(b)} last balance_after ${s.lastAfter} != ${b.balance_minor}`,
        );
      }
    }
    for (const [k, s] of Object.entries(sumsNow)) {
      checked++;
      if (!buckets.some((b) => key(b) === k) && s.total !== 0) {
        violations.push(
          `bucket_equals_entries: entries for ${k} sum ${s.total} with no bucket row`,
        );
      }
    }
    // Per currency (points are their own unit): Σ credits − Σ debits = Σ balances.
    const currencies = new Set(buckets.map((b) => b.currency));
    for (const currency of currencies) {
      checked++;
      let net = 0;
      for (const [k, s] of Object.entries(sumsNow)) {
        if (k.endsWith(`/${currency}`)) net += s.credits - s.debits;
      }
      const held = buckets
        .filter((b) => b.currency === currency)
        .reduce((n, b) => n + b.balance_minor, 0);
      if (net !== held) {
        violations.push(
          `credits_minus_debits: ${currency} Σcredits−Σdebits ${net} != Σ balances ${held}`,
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
    const txns = transactionRows(sql);
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
    // Conservation per currency (docs/architecture.md): pending is what the transactions hold
    // pending, and confirmed + reserved + paid_out − debt what they hold confirmed: a payout
    // only moves money between those buckets, a return beyond confirmed becomes debt; cashback
    // bought with points (points_spends) and cashback the rules credited for first-party
    // events (event_rewards, what is posted less what refunds took) are confirmed money no
    // transaction holds; so are confirmed referral rewards (below). Every currency a bucket
    // holds is checked, so money no record accounts for shows too.
    const held = new Map<string, { pending: number; confirmed: number }>();
    for (const b of buckets) {
      if (b.currency !== "points" && !held.has(b.currency))
        held.set(b.currency, { pending: 0, confirmed: 0 });
    }
    for (const t of txns) {
      const c = String(t.currency);
      const h = held.get(c) ?? { pending: 0, confirmed: 0 };
      h.pending += Number(t.held_pending_minor);
      h.confirmed += Number(t.held_confirmed_minor);
      held.set(c, h);
    }
    for (const p of sql.exec<{ currency: string; minor: number }>(
      `SELECT currency, SUM(amount_minor) AS minor FROM points_spends
        WHERE currency IS NOT NULL GROUP BY currency`,
    )) {
      const h = held.get(p.currency) ?? { pending: 0, confirmed: 0 };
      h.confirmed += Number(p.minor);
      held.set(p.currency, h);
    }
    for (const r of sql.exec<{ currency: string; minor: number }>(
      `SELECT unit AS currency, SUM(posted - taken) AS minor FROM event_rewards
        WHERE unit != 'points' GROUP BY unit`,
    )) {
      const h = held.get(r.currency) ?? { pending: 0, confirmed: 0 };
      h.confirmed += Number(r.minor);
      held.set(r.currency, h);
    }
    // Referral rewards (referral_party_money, what was credited less what was taken back):
    // unconfirmed ones are exactly the `referral_bonus` bucket, confirmed ones are confirmed
    // money no transaction holds.
    const bonus = new Map<string, number>();
    for (const r of sql.exec<{ currency: string; bonus: number; confirmed: number }>(
      `SELECT unit AS currency,
              SUM(CASE WHEN confirmed_at_ms IS NULL THEN credited - taken ELSE 0 END) AS bonus,
              SUM(CASE WHEN confirmed_at_ms IS NULL THEN 0 ELSE credited - taken END) AS confirmed
         FROM referral_party_money WHERE unit != 'points' GROUP BY unit`,
    )) {
      const h = held.get(r.currency) ?? { pending: 0, confirmed: 0 };
      h.confirmed += Number(r.confirmed);
      held.set(r.currency, h);
      bonus.set(r.currency, Number(r.bonus));
    }
    for (const [currency, h] of held) {
      checked += 3;
      const bonusMinor =
        buckets.find((b) => b.bucket === "referral_bonus" && b.currency === currency)
          ?.balance_minor ?? 0;
      if (bonusMinor !== (bonus.get(currency) ?? 0))
        violations.push(
          `money_conservation: ${currency} referral_bonus ${bonusMinor} != unconfirmed rewards ${bonus.get(currency) ?? 0}`,
        );
      const of = (bucket: string) =>
        buckets.find((b) => b.bucket === bucket && b.currency === currency)?.balance_minor ?? 0;
      if (of("pending") !== h.pending)
        violations.push(
          `money_conservation: ${currency} pending ${of("pending")} != held ${h.pending}`,
        );
      const net = of("confirmed") + of("reserved") + of("paid_out") - of("debt");
      if (net !== h.confirmed)
        violations.push(
          `money_conservation: ${currency} confirmed+reserved+paid_out−debt ${net} != held confirmed ${h.confirmed}`,
        );
    }
    if (full) {
      // The product's own audit (its hash chain from genesis too), as a second opinion.
      checked++;
      const audit = (
        instance as unknown as { audit(): { ok: boolean; violations: string[] } }
      ).audit();
      if (!audit.ok) violations.push(`product_audit: ${audit.violations.join("; ")}`);
    }

    return {
      violations,
      checked,
      fingerprint: fingerprintOf(sql, buckets, txns),
      cursor: { seq, sums: sumsNow, checks: cursor.checks + 1 },
    };
  });
}

function fingerprintOf(
  sql: SqlStorage,
  buckets: Snapshot["buckets"],
  txns: Snapshot["txns"],
): string {
  // Points earned by the inbox are left out: the wallet records a `cashback.confirmed` in the
  // same transaction as the approval, and works its inbox after the commit (afterWrite, or
  // its alarm after a crash). So a redelivery after a lost answer may run the earn the first
  // delivery recorded but never worked: that is its work finishing, not the redelivery's.
  // What the replay must not change is kept: the events recorded (a second confirmation
  // would show) and the spends; a double earn shows at the end in `oracle_points`.
  const snapshot: Snapshot = {
    buckets: buckets.filter((b) => b.currency !== "points"),
    entries: Number(
      sql.exec(`SELECT COUNT(*) AS n FROM entries WHERE currency != 'points'`).one().n,
    ),
    txns,
    clicks: Number(sql.exec(`SELECT COUNT(*) AS n FROM clicks`).one().n),
    events: sql
      .exec<Record<string, SqlStorageValue>>(
        `SELECT event_id, type, digest FROM events ORDER BY event_id`,
      )
      .toArray(),
    spends: sql
      .exec<Record<string, SqlStorageValue>>(
        `SELECT spend_id, kind, points, currency, amount_minor FROM points_spends ORDER BY spend_id`,
      )
      .toArray(),
  };
  return JSON.stringify(snapshot);
}

/** The money state a failed or replayed operation must leave unchanged (no invariants). */
export function walletFingerprint(userId: string): Promise<string> {
  return runInDurableObject(stub(userId), (_instance, state) => {
    const sql = state.storage.sql;
    const buckets = sql
      .exec<{ bucket: string; currency: string; balance_minor: number }>(
        `SELECT bucket, currency, balance_minor FROM buckets ORDER BY bucket, currency`,
      )
      .toArray();
    const txns = transactionRows(sql);
    return fingerprintOf(sql, buckets, txns);
  });
}

/**
 * What the wallet holds per order and per money bucket, for the comparison with the oracle and
 * the D1 balances projection (which, like every money read, never sees the points buckets).
 */
export function walletState(userId: string) {
  return runInDurableObject(stub(userId), (_instance, state) => {
    const sql = state.storage.sql;
    const buckets = sql
      .exec<{ bucket: string; currency: string; balance_minor: number }>(
        `SELECT bucket, currency, balance_minor FROM buckets
          WHERE balance_minor != 0 AND currency != 'points'`,
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

/** A wallet's transactions, the money columns the invariants and fingerprints read. */
function transactionRows(sql: SqlStorage): Array<Record<string, SqlStorageValue>> {
  return sql
    .exec<Record<string, SqlStorageValue>>(
      `SELECT order_id, status, network_status, currency, sale_amount_minor, cashback_minor,
              held_pending_minor, held_confirmed_minor
         FROM transactions ORDER BY network_id, order_id`,
    )
    .toArray();
}
