import type { Observation } from "#shared/fraud/risk-contract";
import type { Logger } from "#shared/observability/logger";
import type { WalletTx } from "../../core/wallet-tx";
import type { EarnTerms } from "../../events/post-reward";
import { applyAssessment } from "../../holds/apply-assessment";
import { afterHoldEnded } from "../../holds/hold-ended";
import { endHold, findHold } from "../../holds/hold-store";
import { qualificationObservationOf } from "../../referrals/qualification-scoring";
import { schedule, unschedule } from "../../schedule/schedule-store";
import type { StoredPayout } from "../lifecycle/decide-payout";
import { findPayout } from "../lifecycle/payout-store";
import type { RiskCheck } from "./risk-check";
import {
  RETRY_REF,
  RISK_RETRY_MS,
  scheduleRiskRetry,
  unavailableHoldIds,
} from "./risk-retry-store";

export { RISK_RETRY_MS, scheduleRiskRetry };

/**
 * The fail-safe's way back (docs/fraud.md "Fail-safe"): redemptions — and referral
 * qualifications (referrals/qualification-scoring.ts) — held `risk_unavailable`
 * are assessed again, oldest first, when the schedule's `risk_retry` comes (every minute while
 * any wait) or the api worker's sweep asks. Each answered one ends its hold `released`,
 * `scoring_returned` in its own transaction with the assessment's holds placed first, so a
 * redemption the rules now hold stays held (`risk`) and the others go to dispatch; a referral the
 * rules now hold stays held (`fraud_rule_hold`), the others are rewarded once. The first
 * that cannot be assessed stops the run: scoring is still down, the rest wait their turn.
 */

/** Holds assessed per run (each is one call to the risk object). */
const MAX_RETRIES_PER_RUN = 25;

export interface RiskRetryPorts {
  sql: SqlStorage;
  log: Logger;
  clock: () => number;
  userId(): string;
  /** The held redemption's observation as it was asked (redeem.ts `observeHeldRedemption`). */
  observe(payout: StoredPayout): Promise<Observation>;
  /** Scoring through the breaker (risk-assessor.ts); never throws. */
  assess(observation: Observation): Promise<RiskCheck>;
  commit<T>(work: (tx: WalletTx) => T): T;
  /** The program's terms for points, so a released referral is rewarded in the same run. */
  earnTerms?(): Promise<EarnTerms | null>;
}

export interface RiskRetryRun {
  released: number;
  /** Still held `risk_unavailable` after the run. */
  waiting: number;
}

export async function retryUnavailableRedemptions(ports: RiskRetryPorts): Promise<RiskRetryRun> {
  const { sql, clock } = ports;
  let released = 0;
  let earn: EarnTerms | null | undefined;
  for (const holdId of unavailableHoldIds(sql, MAX_RETRIES_PER_RUN)) {
    const hold = findHold(sql, holdId);
    const observation = hold ? await retriedObservation(sql, hold, ports) : null;
    if (!hold || !observation) continue;
    const check = await ports.assess(observation);
    if (check.status !== "assessed") {
      ports.log.warn("wallet.risk_retry_unavailable", { cause: check.cause });
      break;
    }
    if (hold.kind === "referral" && earn === undefined) {
      earn = ports.earnTerms ? await ports.earnTerms() : null;
    }
    const terms = earn ?? null;
    if (ports.commit((tx) => endUnavailableHold(tx, holdId, check, clock(), terms))) released++;
  }
  const waiting = unavailableHoldIds(sql, MAX_RETRIES_PER_RUN).length;
  ports.commit((tx) => {
    if (waiting > 0) schedule(tx.sql, "risk_retry", RETRY_REF, clock() + RISK_RETRY_MS);
    else unschedule(tx.sql, "risk_retry", RETRY_REF);
  });
  return { released, waiting };
}

/** The observation a fail-safe hold waits to have assessed: its redemption's or referral's. */
async function retriedObservation(
  sql: SqlStorage,
  hold: { kind: string; subjectRef: string | null },
  ports: Pick<RiskRetryPorts, "observe">,
): Promise<Observation | null> {
  if (!hold.subjectRef) return null;
  if (hold.kind === "referral") return qualificationObservationOf(sql, hold.subjectRef);
  const payout = findPayout(sql, hold.subjectRef);
  return payout ? ports.observe(payout) : null;
}

/** Places the assessment's holds, then ends the fail-safe's hold; false if it had ended. */
function endUnavailableHold(
  tx: WalletTx,
  holdId: string,
  check: Extract<RiskCheck, { status: "assessed" }>,
  nowMs: number,
  earn: EarnTerms | null,
): boolean {
  applyAssessment(tx, check.observation, check.assessment, nowMs);
  const ended = endHold(
    tx,
    holdId,
    {
      status: "released",
      how: "scoring_returned",
      decidedBy: "system",
      note: `assessed: score ${check.assessment.score}`,
      label: null,
    },
    nowMs,
  );
  const after = ended ? findHold(tx.sql, holdId) : null;
  if (after) afterHoldEnded(tx, after, nowMs, earn);
  return after !== null;
}
