import { loadLiveReferralProgram } from "#shared/referrals/live-program-settings";
import { fraudSettingsOf } from "#shared/referrals/program-settings";
import { DEFAULT_SIGNAL_WEIGHTS, type RiskSignal } from "#shared/referrals/risk-signals";
import type { WalletTx } from "../core/wallet-tx";
import type { WalletEnv } from "../env";
import { unprocessedEvents } from "../events/event-store";
import { chainOf } from "./referral-chain";
import { reject } from "./referral-review";
import { storedRiskIdentifiers } from "./referral-risk";
import { findReferral, referralProjection, type StoredReferral } from "./referral-store";
import { readQualificationLookups } from "./risk-lookups";

/**
 * What attribution could not know, checked again before a referral can qualify
 * (docs/referrals.md "Fraud holds"): the payment instrument of the events about to be processed
 * (a deposit's `paymentInstrumentHash`), and whether the referrer was banned since. Read before
 * the processing transaction, only while the referral is `signed_up` and an event with an
 * amount or a payment instrument waits; then, in a transaction of its own:
 *
 * - the referrer banned → the referral is rejected (`referrer_banned`), so it never qualifies;
 * - the referrer (or someone up their chain) paid with the same instrument → the signal
 *   `shared_payment_instrument` (or `referral_ring`) joins the referral's, and the hold is
 *   decided again on the new score with the program's current threshold.
 *
 * Qualification itself (referral-rewards.ts) then reads the referral as stored.
 */

/** Waiting events looked at for a payment instrument. */
const MAX_EVENTS_LOOKED_AT = 50;

export interface QualificationRiskPorts {
  sql: SqlStorage;
  env: WalletEnv;
  clock: () => number;
  waitUntil: (p: Promise<unknown>) => void;
  commit<T>(work: (tx: WalletTx) => T): T;
}

export async function refreshQualificationRisk(ports: QualificationRiskPorts): Promise<void> {
  const { sql, env } = ports;
  const referral = findReferral(sql);
  if (referral?.state !== "signed_up") return;
  const waiting = unprocessedEvents(sql, MAX_EVENTS_LOOKED_AT).filter(
    (e) =>
      typeof e.data.amountMinor === "number" || storedRiskIdentifiers(sql, e.eventId).length > 0,
  );
  if (waiting.length === 0) return;
  const payments = [
    ...new Set(
      waiting.flatMap((e) =>
        storedRiskIdentifiers(sql, e.eventId)
          .filter((i) => i.kind === "payment_instrument")
          .map((i) => i.hash),
      ),
    ),
  ];
  const [chain, settings] = await Promise.all([
    payments.length > 0 ? chainOf(env, referral.referrerId) : Promise.resolve([]),
    loadLiveReferralProgram(env, ports.waitUntil),
  ]);
  const owners = [referral.referrerId, ...chain];
  const { banned: ban, holders } = await readQualificationLookups(
    env,
    referral.referrerId,
    owners,
    payments,
  );
  if (!ban && holders.length === 0) return;
  const fraud = fraudSettingsOf(settings);
  ports.commit((tx) => {
    const current = findReferral(tx.sql);
    if (current?.state !== "signed_up") return;
    const nowMs = ports.clock();
    if (ban) {
      reject(
        tx,
        current,
        { decision: "reject", actor: "system", note: "referrer banned" },
        nowMs,
        "referrer_banned",
      );
      return;
    }
    const found: RiskSignal[] = [];
    if (holders.includes(current.referrerId)) {
      found.push({
        code: "shared_payment_instrument",
        weight:
          fraud.weights.shared_payment_instrument ??
          DEFAULT_SIGNAL_WEIGHTS.shared_payment_instrument,
        reason: "The friend pays with a payment instrument the referrer uses.",
      });
    }
    const up = chain.findIndex((u) => holders.includes(u));
    if (up >= 0) {
      found.push({
        code: "referral_ring",
        weight: fraud.weights.referral_ring ?? DEFAULT_SIGNAL_WEIGHTS.referral_ring,
        reason: `The friend pays with a payment instrument of a member ${up + 1} level(s) up the referrer's chain.`,
      });
    }
    addSignals(tx, current, found, fraud.holdThreshold, fraud.autoApproveAfterHours, nowMs);
  });
}

/** Adds signals the referral does not have yet and decides the hold again on the new score. */
function addSignals(
  tx: WalletTx,
  referral: StoredReferral,
  signals: readonly RiskSignal[],
  holdThreshold: number,
  autoApproveAfterHours: number | null,
  nowMs: number,
): void {
  const fresh = signals.filter((s) => !referral.holdReasons.includes(s.code));
  if (fresh.length === 0) return;
  for (const s of fresh) {
    tx.sql.exec(
      `INSERT INTO referral_signals (referral_id, code, weight, reason) VALUES (?, ?, ?, ?)
       ON CONFLICT (referral_id, code) DO NOTHING`,
      referral.referralId,
      s.code,
      s.weight,
      s.reason,
    );
  }
  const score = referral.riskScore + fresh.reduce((sum, s) => sum + s.weight, 0);
  const hold = referral.riskHold || score >= holdThreshold;
  const updated: StoredReferral = {
    ...referral,
    riskScore: score,
    riskHold: hold,
    autoApproveAfterHours: referral.riskHold
      ? referral.autoApproveAfterHours
      : hold
        ? autoApproveAfterHours
        : null,
    holdReasons: [...referral.holdReasons, ...fresh.map((s) => s.code)],
    updatedAtMs: nowMs,
    version: referral.version + 1,
  };
  tx.sql.exec(
    `UPDATE referrals SET risk_score = ?, risk_hold = ?, auto_approve_after_hours = ?,
       hold_reasons = ?, updated_at_ms = ?, version = ? WHERE referral_id = ?`,
    updated.riskScore,
    updated.riskHold ? 1 : 0,
    updated.autoApproveAfterHours,
    JSON.stringify(updated.holdReasons),
    updated.updatedAtMs,
    updated.version,
    referral.referralId,
  );
  tx.enqueue(referralProjection(updated, null));
}
