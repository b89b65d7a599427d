import { sumBy } from "#shared/db/merge";
import { type DbRouterEnv, eachUserDb, globalDb } from "#shared/db/router";
import type { DeadLetterSignal, NetworkVolumeSignal, SignalSnapshot } from "./rules";
import type { AlertThresholds } from "./settings";

/**
 * The alert rules' snapshot, read from D1 in ONE batch of bounded aggregates per database (the
 * global database's operations tables; each user database's `payouts` and `transactions`,
 * placed `user`, added up): each statement reads an index range or a small table and returns
 * at most a few hundred grouped rows, so a run's cost does not grow with the platform's
 * history. Read-only.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Trailing days the network volume rules compare the last hour with. */
export const TRAILING_DAYS = 7;
/**
 * Conversions are counted by the network's conversion time, which postbacks report late: the
 * conversion rule looks at the hour that ended this long ago, once most of its postbacks are in.
 */
export const CONVERSION_SETTLE_MS = 2 * HOUR_MS;
/** Rows a backlog count reads at most: past this the backlog is reported as this many. */
const BACKLOG_COUNT_CAP = 10_000;
const MAX_GROUP_ROWS = 500;

/**
 * Report-reconciliation outcomes that need a person (reconciliation/decide.ts UNEXPLAINED;
 * named here, as the overview does, because features meet through their index).
 */
const UNEXPLAINED_OUTCOMES = ["report_behind", "ignored", "unparseable", "unknown_to_network"];
const WALLET_AUDIT_KIND = "wallet_buckets_mismatch";

/**
 * The dead-letter stores with a D1 record. The other dead-letter queues (clicks, postbacks,
 * ledger events, wallet audits, risk, promotional fan-out) have no consumer and no D1 record:
 * docs/alerts.md "Not built yet".
 */
export const DEAD_LETTER_SOURCES = [
  "risk_observation_outbox",
  "notification_dead_letters",
  "payout_dead_letters",
] as const;
export type DeadLetterSource = (typeof DEAD_LETTER_SOURCES)[number];

/** The hour windows [from, to) of the last hour (index 0) and the same hour on each prior day. */
export function hourWindows(endMs: number): Array<{ day: number; fromMs: number; toMs: number }> {
  const out = [];
  for (let day = 0; day <= TRAILING_DAYS; day++) {
    const toMs = endMs - day * DAY_MS;
    out.push({ day, fromMs: toMs - HOUR_MS, toMs });
  }
  return out;
}

/** One statement per hour window (D1 allows few compound SELECT terms), each an indexed range. */
function volumeStatements(
  db: D1Database,
  table: "received_postbacks" | "transactions",
  endMs: number,
) {
  const [timeColumn, condition] =
    table === "received_postbacks"
      ? ["received_at_ms", "verdict = 'accepted'"]
      : ["converted_at_ms", "status != 'rejected'"];
  // received_postbacks_received_idx and transactions_converted_idx serve the ranges.
  return hourWindows(endMs).map((w) =>
    db
      .prepare(
        `SELECT network_id AS networkId, ${w.day} AS day, COUNT(*) AS n FROM ${table} ` +
          `WHERE ${timeColumn} >= ? AND ${timeColumn} < ? AND ${condition} ` +
          `GROUP BY network_id LIMIT ${MAX_GROUP_ROWS}`,
      )
      .bind(w.fromMs, w.toMs),
  );
}

type VolumeRow = { networkId: string; day: number; n: number };

/**
 * Reads the snapshot the rules evaluate.
 *
 * @example
 * const snapshot = await readSignals(env, Date.now(), settings.thresholds);
 */
export async function readSignals(
  env: DbRouterEnv,
  nowMs: number,
  thresholds: AlertThresholds,
): Promise<SignalSnapshot> {
  const db = globalDb(env);
  const sinceMs = nowMs - thresholds.reconciliationLookbackHours * HOUR_MS;
  const outcomes = UNEXPLAINED_OUTCOMES.map(() => "?").join(", ");
  const postbackStatements = volumeStatements(db, "received_postbacks", nowMs);
  const [[recon, payoutRecon, breakers, backlogs, previous, ...volumes], userParts] =
    await Promise.all([
      db.batch([
        // The latest completed report reconciliation of each network, if within the lookback:
        // a clean next run clears the alert.
        db
          .prepare(
            `SELECT r.network_id AS networkId,
                  (SELECT COUNT(*) FROM reconciliation_items i
                    WHERE i.run_id = r.id AND i.outcome IN (${outcomes})) AS items
             FROM reconciliation_runs r
            WHERE r.status = 'completed' AND r.started_at_ms >= ?
              AND r.started_at_ms = (SELECT MAX(r2.started_at_ms) FROM reconciliation_runs r2
                                      WHERE r2.network_id = r.network_id AND r2.status = 'completed')
            LIMIT ${MAX_GROUP_ROWS}`,
          )
          .bind(...UNEXPLAINED_OUTCOMES, sinceMs),
        // The latest payout reconciliation within the lookback: processor discrepancies and the
        // wallet audits it queued (written under the same run id).
        db
          .prepare(
            `SELECT COALESCE(SUM(kind != ?), 0) AS payout, COALESCE(SUM(kind = ?), 0) AS wallet
             FROM payout_discrepancies
            WHERE run_id = (SELECT id FROM payout_recon_runs WHERE started_at_ms >= ?
                             ORDER BY started_at_ms DESC LIMIT 1)`,
          )
          .bind(WALLET_AUDIT_KIND, WALLET_AUDIT_KIND, sinceMs),
        db.prepare(
          `SELECT network_id AS networkId, opened_at_ms AS openedAtMs,
                consecutive_failures AS consecutiveFailures
           FROM network_health WHERE state = 'open' ORDER BY network_id LIMIT ${MAX_GROUP_ROWS}`,
        ),
        // notification_dead_letters_status_idx (status, created_at_ms) serves both open-row reads.
        db.prepare(
          `SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM risk_observation_outbox LIMIT ${BACKLOG_COUNT_CAP})) AS riskCount,
                (SELECT MIN(kept_at_ms) FROM risk_observation_outbox) AS riskOldest,
                (SELECT COUNT(*) FROM (SELECT 1 FROM notification_dead_letters WHERE status = 'open' LIMIT ${BACKLOG_COUNT_CAP})) AS notifyCount,
                (SELECT MIN(created_at_ms) FROM notification_dead_letters WHERE status = 'open') AS notifyOldest`,
        ),
        // What the previous evaluation counted per store (one row per store).
        db.prepare(`SELECT source, count FROM operator_alert_backlogs LIMIT ${MAX_GROUP_ROWS}`),
        ...postbackStatements,
      ]),
      Promise.all(eachUserDb(env).map((userDb) => userSignalsOf(userDb, nowMs))),
    ]);
  const postbacks = volumes.flatMap((r) => r.results as VolumeRow[]);
  // A user's rows live in one database: the databases' counts per (network, day) add up.
  const conversions = sumBy(
    userParts.flatMap((p) => p.conversions),
    (r) => [r.networkId, r.day],
    ["n"],
  );
  const oldest = userParts.flatMap((p) =>
    p.payouts.oldestStuck === null || p.payouts.oldestStuck === undefined
      ? []
      : [p.payouts.oldestStuck],
  );
  const payoutRow = {
    stuck: Math.min(
      BACKLOG_COUNT_CAP,
      userParts.reduce((n, p) => n + (p.payouts.stuck ?? 0), 0),
    ),
    oldestStuck: oldest.length > 0 ? Math.min(...oldest) : null,
    attention: userParts.reduce((n, p) => n + (p.payouts.attention ?? 0), 0),
  };
  const reconRow = (payoutRecon?.results[0] ?? {}) as { payout?: number; wallet?: number };
  const backlogRow = (backlogs?.results[0] ?? {}) as {
    riskCount?: number;
    riskOldest?: number | null;
    notifyCount?: number;
    notifyOldest?: number | null;
  };
  const previousCounts = new Map(
    ((previous?.results ?? []) as Array<{ source: string; count: number }>).map((r) => [
      r.source,
      r.count,
    ]),
  );
  const store = (source: DeadLetterSource, count: number, oldestAtMs: number | null) => ({
    source,
    count,
    oldestAtMs,
    previousCount: previousCounts.get(source) ?? null,
  });
  const deadLetters: DeadLetterSignal[] = [
    store("risk_observation_outbox", backlogRow.riskCount ?? 0, backlogRow.riskOldest ?? null),
    // Deliveries the notification pipeline's dead-letter queues recorded (notices, transactional
    // and promotional DLQs) and an operator has not replayed.
    store(
      "notification_dead_letters",
      backlogRow.notifyCount ?? 0,
      backlogRow.notifyOldest ?? null,
    ),
    // Payouts whose dispatch exhausted its retries (the payouts dead-letter queue's record).
    store("payout_dead_letters", payoutRow.stuck ?? 0, payoutRow.oldestStuck ?? null),
  ];
  return {
    nowMs,
    reconciliationDifferences: (recon?.results ?? []) as Array<{
      networkId: string;
      items: number;
    }>,
    payoutDiscrepancies: reconRow.payout ?? 0,
    walletAuditDifferences: reconRow.wallet ?? 0,
    stuckPayouts: { count: payoutRow.stuck ?? 0, oldestAtMs: payoutRow.oldestStuck ?? null },
    attentionPayouts: payoutRow.attention ?? 0,
    openBreakers: (breakers?.results ?? []) as SignalSnapshot["openBreakers"],
    deadLetters,
    networks: networkVolumes(postbacks, conversions),
  };
}

/** One user database's stuck and attention payouts and its conversions per hour window. */
async function userSignalsOf(db: D1Database, nowMs: number) {
  const conversionStatements = volumeStatements(db, "transactions", nowMs - CONVERSION_SETTLE_MS);
  const [payouts, ...volumes] = await db.batch([
    db.prepare(
      `SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM payouts WHERE status = 'stuck' LIMIT ${BACKLOG_COUNT_CAP})) AS stuck,
                (SELECT MIN(updated_at_ms) FROM payouts WHERE status = 'stuck') AS oldestStuck,
                (SELECT COUNT(*) FROM payouts WHERE attention IS NOT NULL AND created_at_ms IS NOT NULL) AS attention`,
    ),
    ...conversionStatements,
  ]);
  return {
    payouts: (payouts?.results[0] ?? {}) as {
      stuck?: number;
      oldestStuck?: number | null;
      attention?: number;
    },
    conversions: volumes.flatMap((r) => r.results as VolumeRow[]),
  };
}

/** Rows per (network, day) as one signal per network, missing days as 0. Pure. */
export function networkVolumes(
  postbacks: readonly VolumeRow[],
  conversions: readonly VolumeRow[],
): NetworkVolumeSignal[] {
  const byNetwork = new Map<string, { postbacks: number[]; conversions: number[] }>();
  const of = (id: string) => {
    let v = byNetwork.get(id);
    if (!v) {
      v = {
        postbacks: new Array(TRAILING_DAYS + 1).fill(0),
        conversions: new Array(TRAILING_DAYS + 1).fill(0),
      };
      byNetwork.set(id, v);
    }
    return v;
  };
  for (const r of postbacks) of(r.networkId).postbacks[r.day] = r.n;
  for (const r of conversions) of(r.networkId).conversions[r.day] = r.n;
  return [...byNetwork]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([networkId, v]) => ({
      networkId,
      postbacksLastHour: v.postbacks[0] ?? 0,
      postbacksPriorDays: v.postbacks.slice(1),
      conversionsLastHour: v.conversions[0] ?? 0,
      conversionsPriorDays: v.conversions.slice(1),
    }));
}
