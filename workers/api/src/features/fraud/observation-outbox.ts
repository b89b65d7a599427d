import { asc, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { riskObservationOutbox } from "#shared/db/schema";
import type { ApiEnv } from "#shared/env";
import { observationMessage } from "#shared/fraud/observation-message";
import type { Observation } from "#shared/fraud/risk-contract";
import { scoringEnabled } from "#shared/fraud/scoring-switch";
import { createLogger, errorFields } from "#shared/observability/logger";
import { runInBatches } from "../../db/batch";
import { reportObservations } from "./observations";

/**
 * Best-effort observation reporting (docs/fraud.md "Fail-safe"): scoring an event must never
 * stop the event. A consumer whose send to the risk queue fails keeps the observations in D1
 * `risk_observation_outbox` (one batch for the consumer batch) and acknowledges its messages;
 * the cron re-sends them oldest first. Only when that write fails too does the consumer retry
 * its messages, as it did before (the wallet answers `duplicate`, the risk object counts once).
 */

const log = createLogger({ worker: "api", feature: "fraud" });

/** Three parameters a row, under D1's 100 a query. */
const ROWS_PER_INSERT = 30;
/** Observations re-sent per `sendBatch` (the queue takes at most 100 messages, 256 KB). */
export const SWEEP_BATCH = 50;
/** Batches one sweep sends at most, so a run stays bounded after a long outage. */
export const SWEEP_MAX_BATCHES = 40;

export type ReportOutcome = "none" | "sent" | "kept";

type Env = Pick<ApiEnv, "RISK_OBSERVATIONS" | "DB" | "FRAUD_SCORING">;

/**
 * Sends the observations to the risk queue in one batch; if that fails, keeps them in the
 * outbox in one D1 batch. Throws only when both fail: the caller then retries its messages.
 *
 * @example
 * await reportOrKeepObservations(env, observations, Date.now()); // "sent" | "kept" | "none"
 */
export async function reportOrKeepObservations(
  env: Env,
  observations: readonly Observation[],
  nowMs: number,
): Promise<ReportOutcome> {
  if (observations.length === 0) return "none";
  try {
    await reportObservations(env, observations);
    return "sent";
  } catch (sendError) {
    try {
      await keepObservations(env.DB, observations, nowMs);
    } catch (keepError) {
      log.error("risk.observations_unreported", {
        observations: observations.length,
        sendErrorMessage: errorFields(sendError).errorMessage,
        ...errorFields(keepError),
      });
      throw keepError;
    }
    log.warn("risk.observations_kept", {
      observations: observations.length,
      ...errorFields(sendError),
    });
    return "kept";
  }
}

/**
 * Writes the observations to the outbox in one D1 transaction; an id already kept stays as it
 * is (the risk object counts an id once, so either copy is as good).
 */
export async function keepObservations(
  db: D1Database,
  observations: readonly Observation[],
  nowMs: number,
): Promise<void> {
  const orm = drizzle(db);
  const rows = observations.map((o) => ({
    observationId: o.observationId,
    observationJson: JSON.stringify(o),
    keptAtMs: nowMs,
  }));
  const statements = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    statements.push(
      orm
        .insert(riskObservationOutbox)
        .values(rows.slice(i, i + ROWS_PER_INSERT))
        .onConflictDoNothing({ target: riskObservationOutbox.observationId }),
    );
  }
  await runInBatches(db, statements);
}

export interface OutboxSweepReport {
  sent: number;
  /** Rows whose JSON no longer parses: deleted, never sent. */
  dropped: number;
  /** True when a send failed: the risk queue is still down, the rest waits for the next run. */
  stillUnavailable: boolean;
  /** True when the run stopped at its bound (rows may be left for the next run). */
  more: boolean;
}

/**
 * The cron's sweep: re-sends kept observations to the risk queue, oldest first, `SWEEP_BATCH`
 * per `sendBatch` and at most `SWEEP_MAX_BATCHES` a run, deleting each batch once sent. A send
 * that fails stops the run (nothing deleted). A batch sent but not deleted is sent again next
 * run: the risk object answers a repeated id as the first time and counts it once.
 *
 * @example
 * log.info("cron.risk_observation_outbox", { ...(await sweepObservationOutbox(env)) });
 */
export async function sweepObservationOutbox(env: Env): Promise<OutboxSweepReport> {
  const orm = drizzle(env.DB);
  const report: OutboxSweepReport = { sent: 0, dropped: 0, stillUnavailable: false, more: false };
  // Scoring switched off (docs/fraud.md "Turning scoring off"): nothing is sent; what was kept
  // before waits for it to be on again.
  if (!scoringEnabled(env)) return report;
  for (let round = 0; round < SWEEP_MAX_BATCHES; round++) {
    const rows = await orm
      .select()
      .from(riskObservationOutbox)
      .orderBy(asc(riskObservationOutbox.keptAtMs), asc(riskObservationOutbox.observationId))
      .limit(SWEEP_BATCH);
    if (rows.length === 0) return report;
    const observations: Observation[] = [];
    for (const row of rows) {
      try {
        observations.push(JSON.parse(row.observationJson) as Observation);
      } catch {
        report.dropped++;
      }
    }
    try {
      if (observations.length > 0) {
        await env.RISK_OBSERVATIONS.sendBatch(
          observations.map((o) => ({ body: observationMessage(o) })),
        );
      }
    } catch (error) {
      log.warn("risk.outbox_send_failed", {
        observations: observations.length,
        ...errorFields(error),
      });
      report.stillUnavailable = true;
      return report;
    }
    await orm.delete(riskObservationOutbox).where(
      inArray(
        riskObservationOutbox.observationId,
        rows.map((r) => r.observationId),
      ),
    );
    report.sent += observations.length;
    if (rows.length < SWEEP_BATCH) return report;
  }
  report.more = true;
  return report;
}
