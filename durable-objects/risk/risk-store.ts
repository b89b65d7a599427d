import {
  type BehaviourInputs,
  BURST_WINDOW_MS,
  CLICK_LOOKBACK_MS,
  clickWasIframe,
  signInPlaceOf,
  TAKEOVER_LOOKBACK_MS,
  TRAVEL_LOOKBACK_MS,
} from "#shared/fraud/behaviour-signals";
import type { Assessment, Observation } from "#shared/fraud/risk-contract";
import type { ScoreChange } from "#shared/fraud/risk-profile";
import type { ReasonInForce } from "#shared/fraud/risk-score";
import {
  type Velocity,
  type VelocityCountRow,
  velocityFromCounts,
  windowStartsOf,
} from "#shared/fraud/velocity";

/** The risk object's SQL (schema.ts): observations, assessments, reasons, history, devices. */

/** How long observations and their answers are kept: the longest window is 7 days. */
export const KEEP_OBSERVATIONS_MS = 30 * 86_400_000;
/** Rows pruned per assessment at most, so a prune never makes one call slow. */
const PRUNE_BATCH = 200;
export const HISTORY_LIMIT = 50;

export function findAssessment(sql: SqlStorage, observationId: string): Assessment | null {
  const row = sql
    .exec<{ json: string }>(
      `SELECT assessment_json AS json FROM assessments WHERE observation_id = ?`,
      observationId,
    )
    .toArray()[0];
  return row ? (JSON.parse(row.json) as Assessment) : null;
}

/** Records the observation; false when it was already there (observed twice, counted once). */
export function insertObservation(
  sql: SqlStorage,
  observation: Observation,
  newDevice: boolean,
): boolean {
  const cursor = sql.exec(
    `INSERT OR IGNORE INTO observations (observation_id, kind, at_ms, subject_ref,
       identifiers_json, facts_json, new_device) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    observation.observationId,
    observation.kind,
    observation.atMs,
    observation.subjectRef ?? null,
    JSON.stringify(observation.identifiers ?? {}),
    JSON.stringify(observation.facts ?? {}),
    newDevice ? 1 : 0,
  );
  return cursor.rowsWritten > 0;
}

export function saveAssessment(sql: SqlStorage, observationId: string, a: Assessment): void {
  sql.exec(
    `INSERT OR IGNORE INTO assessments (observation_id, at_ms, assessment_json) VALUES (?, ?, ?)`,
    observationId,
    a.assessedAtMs,
    JSON.stringify(a),
  );
}

/**
 * Whether a login's device is new: a device hash this user never had, when they had another
 * before (a user's first device ever is not "new"). Records the device either way.
 */
export function noteDevice(sql: SqlStorage, deviceHash: string, atMs: number): boolean {
  const known = sql
    .exec<{ n: number }>(`SELECT COUNT(*) AS n FROM devices WHERE device_hash = ?`, deviceHash)
    .one().n;
  if (known > 0) return false;
  const any = sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM devices`).one().n;
  sql.exec(`INSERT INTO devices (device_hash, first_seen_ms) VALUES (?, ?)`, deviceHash, atMs);
  return any > 0;
}

/** Counts per kind over the windows ending at `atMs` (inclusive). */
export function velocityAt(sql: SqlStorage, atMs: number): Velocity {
  const starts = windowStartsOf(atMs);
  const rows = sql
    .exec<{ kind: string; new_device: number; h1: number; h24: number; d7: number }>(
      `SELECT kind, new_device,
         SUM(CASE WHEN at_ms > ? THEN 1 ELSE 0 END) AS h1,
         SUM(CASE WHEN at_ms > ? THEN 1 ELSE 0 END) AS h24,
         COUNT(*) AS d7
       FROM observations WHERE at_ms > ? AND at_ms <= ?
       GROUP BY kind, new_device`,
      starts["1h"],
      starts["24h"],
      starts["7d"],
      atMs,
    )
    .toArray();
  return velocityFromCounts(
    rows.map(
      (r): VelocityCountRow => ({
        kind: r.kind,
        newDevice: r.new_device === 1,
        last1h: r.h1,
        last24h: r.h24,
        last7d: r.d7,
      }),
    ),
  );
}

export function readReasons(sql: SqlStorage): ReasonInForce[] {
  return sql
    .exec<{
      code: string;
      score: number;
      detail: string;
      rule_id: string;
      rule_version: number;
      since_ms: number;
      until_ms: number;
    }>(`SELECT * FROM reasons ORDER BY code`)
    .toArray()
    .map((r) => ({
      code: r.code,
      score: r.score,
      detail: r.detail,
      ruleId: r.rule_id,
      ruleVersion: r.rule_version,
      sinceMs: r.since_ms,
      untilMs: r.until_ms,
    }));
}

/** Replaces the kept reasons with `reasons`. */
export function writeReasons(sql: SqlStorage, reasons: readonly ReasonInForce[]): void {
  sql.exec(`DELETE FROM reasons`);
  for (const r of reasons) {
    sql.exec(
      `INSERT INTO reasons (code, score, detail, rule_id, rule_version, since_ms, until_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      r.code,
      r.score,
      r.detail,
      r.ruleId,
      r.ruleVersion,
      r.sinceMs,
      r.untilMs,
    );
  }
}

/** Appends a change unless the score and its reasons equal the last one recorded. */
export function recordScoreChange(sql: SqlStorage, change: ScoreChange): boolean {
  const reasonsJson = JSON.stringify(change.reasons);
  const last = sql
    .exec<{ score: number; reasons_json: string }>(
      `SELECT score, reasons_json FROM score_history ORDER BY seq DESC LIMIT 1`,
    )
    .toArray()[0];
  const unchanged = last
    ? last.score === change.score && last.reasons_json === reasonsJson
    : change.score === 0 && change.reasons.length === 0;
  if (unchanged) return false;
  sql.exec(
    `INSERT INTO score_history (at_ms, score, reasons_json, rule_version, observation_id)
     VALUES (?, ?, ?, ?, ?)`,
    change.atMs,
    change.score,
    reasonsJson,
    change.ruleVersion,
    change.observationId,
  );
  return true;
}

/** The newest changes first. */
export function readHistory(sql: SqlStorage, limit = HISTORY_LIMIT): ScoreChange[] {
  return sql
    .exec<{
      at_ms: number;
      score: number;
      reasons_json: string;
      rule_version: number | null;
      observation_id: string;
    }>(
      `SELECT at_ms, score, reasons_json, rule_version, observation_id FROM score_history
       ORDER BY seq DESC LIMIT ?`,
      limit,
    )
    .toArray()
    .map((r) => ({
      atMs: r.at_ms,
      score: r.score,
      reasons: JSON.parse(r.reasons_json),
      ruleVersion: r.rule_version,
      observationId: r.observation_id,
    }));
}

/** Drops observations and answers older than the keep window, a bounded batch at a time. */
export function pruneOld(sql: SqlStorage, nowMs: number): void {
  const before = nowMs - KEEP_OBSERVATIONS_MS;
  sql.exec(
    `DELETE FROM observations WHERE observation_id IN
       (SELECT observation_id FROM observations WHERE at_ms < ? ORDER BY at_ms LIMIT ?)`,
    before,
    PRUNE_BATCH,
  );
  sql.exec(
    `DELETE FROM assessments WHERE observation_id IN
       (SELECT observation_id FROM assessments WHERE at_ms < ? ORDER BY at_ms LIMIT ?)`,
    before,
    PRUNE_BATCH,
  );
}

/**
 * What the behaviour signals need for one observation (shared/fraud/behaviour-signals.ts),
 * read from the log with bounded queries on (kind, at_ms): for a redemption, new-device
 * sign-ins and destination changes of the last day; for a sign-in, this and the earlier
 * sign-ins of the last week (newest 10); for a click or a conversion, the newest click of the
 * last day and the clicks of the last minute (newest 200).
 */
export function behaviourInputsAt(
  sql: SqlStorage,
  observation: Observation,
  atMs: number,
): BehaviourInputs {
  const times = (kind: string, sinceMs: number, extra = "") =>
    sql
      .exec<{ at_ms: number }>(
        `SELECT at_ms FROM observations WHERE kind = ? AND at_ms > ? AND at_ms <= ?${extra}
         ORDER BY at_ms DESC LIMIT 50`,
        kind,
        sinceMs,
        atMs,
      )
      .toArray()
      .map((r) => r.at_ms);
  switch (observation.kind) {
    case "redemption":
      return {
        newDeviceLoginsMs: times("login", atMs - TAKEOVER_LOOKBACK_MS, " AND new_device = 1"),
        destinationChangesMs: times("destination_changed", atMs - TAKEOVER_LOOKBACK_MS),
      };
    case "login": {
      const earlier = sql
        .exec<{ at_ms: number; facts_json: string }>(
          `SELECT at_ms, facts_json FROM observations
           WHERE kind = 'login' AND at_ms > ? AND at_ms <= ? AND observation_id <> ?
           ORDER BY at_ms DESC LIMIT 10`,
          atMs - TRAVEL_LOOKBACK_MS,
          atMs,
          observation.observationId,
        )
        .toArray()
        .map((r) => signInPlaceOf(r.at_ms, JSON.parse(r.facts_json)));
      return {
        signIn: signInPlaceOf(atMs, observation.facts ?? {}),
        earlierSignIns: earlier,
      };
    }
    case "click":
    case "conversion": {
      const last = sql
        .exec<{ at_ms: number | null }>(
          `SELECT MAX(at_ms) AS at_ms FROM observations
           WHERE kind = 'click' AND at_ms > ? AND at_ms <= ?`,
          atMs - CLICK_LOOKBACK_MS,
          atMs,
        )
        .one().at_ms;
      const burst = sql
        .exec<{ at_ms: number; facts_json: string }>(
          `SELECT at_ms, facts_json FROM observations
           WHERE kind = 'click' AND at_ms > ? AND at_ms <= ? ORDER BY at_ms DESC LIMIT 200`,
          atMs - BURST_WINDOW_MS,
          atMs,
        )
        .toArray()
        .map((r) => ({ atMs: r.at_ms, iframe: clickWasIframe(JSON.parse(r.facts_json)) }));
      return { lastClickMs: last, clicksInBurstWindow: burst };
    }
    default:
      return {};
  }
}
