import type { ReferralProjection, ReferralQualification } from "#shared/messages";
import { tellReferrer } from "../notify/referral-news";
import type { AttributionMethod } from "./decide-attribution";
import type { ReferralReason } from "./reasons";
import type { ReferralState } from "./referral-states";

/**
 * SQL for the referral of this wallet's user as a referee (`referrals`, `referral_history`,
 * wallet schema step 17). One row at most (referee_id is unique); `version` rises with every
 * change so the D1 projection (referrals table) never moves backwards. The campaign a referral
 * qualified under (rule id + version, step 20) is kept on it and on the history move it caused.
 */

/** The campaign (a referral rule) chosen for a referral: its id and the version applied. */
export interface ReferralCampaign {
  ruleId: string;
  ruleVersion: number;
}

export interface StoredReferral {
  referralId: string;
  programId: string;
  referrerId: string;
  refereeId: string;
  method: AttributionMethod;
  clickId: string | null;
  state: ReferralState;
  reason: ReferralReason;
  refereeNameMasked: string | null;
  signupEventId: string;
  attributedAtMs: number;
  updatedAtMs: number;
  version: number;
  /** The campaign it qualified under; null until it qualifies. */
  ruleId: string | null;
  ruleVersion: number | null;
  /** The fraud signals' score at attribution (referral-risk.ts). */
  riskScore: number;
  /** True when the score reached the hold threshold: qualification holds it for review. */
  riskHold: boolean;
  /** The auto-approve delay in force at attribution; null: an operator decides. */
  autoApproveAfterHours: number | null;
  /** The codes of the signals that fired, in RISK_SIGNAL_CODES order. */
  holdReasons: string[];
  /** The end of the program's qualification window; null: no window (never expires). */
  qualifyByMs: number | null;
}

/** The risk fields start at "no signal" and are set by recordReferralRisk. */
export type NewReferral = Omit<
  StoredReferral,
  | "version"
  | "updatedAtMs"
  | "ruleId"
  | "ruleVersion"
  | "riskScore"
  | "riskHold"
  | "autoApproveAfterHours"
  | "holdReasons"
  | "qualifyByMs"
>;

export interface ReferralHistoryEntry {
  fromState: ReferralState | null;
  state: ReferralState;
  reason: ReferralReason;
  eventId: string | null;
  atMs: number;
  /** The campaign chosen, on the move that chose it (to `qualified`); absent on the others. */
  ruleId?: string;
  ruleVersion?: number;
  /** Who decided the move when a person did (an operator, `system` for a ban's sweep). */
  actor?: string | null;
  /** The operator's words (an approve or reject reason). */
  note?: string | null;
}

interface ReferralRow extends Record<string, SqlStorageValue> {
  referral_id: string;
  program_id: string;
  referrer_id: string;
  referee_id: string;
  method: string;
  click_id: string | null;
  state: string;
  reason: string;
  referee_name_masked: string | null;
  signup_event_id: string;
  attributed_at_ms: number;
  updated_at_ms: number;
  version: number;
  rule_id: string | null;
  rule_version: number | null;
  risk_score: number;
  risk_hold: number;
  auto_approve_after_hours: number | null;
  hold_reasons: string;
  qualify_by_ms: number | null;
}

function toStored(row: ReferralRow): StoredReferral {
  return {
    referralId: row.referral_id,
    programId: row.program_id,
    referrerId: row.referrer_id,
    refereeId: row.referee_id,
    method: row.method as AttributionMethod,
    clickId: row.click_id,
    state: row.state as ReferralState,
    reason: row.reason as ReferralReason,
    refereeNameMasked: row.referee_name_masked,
    signupEventId: row.signup_event_id,
    attributedAtMs: row.attributed_at_ms,
    updatedAtMs: row.updated_at_ms,
    version: row.version,
    ruleId: row.rule_id,
    ruleVersion: row.rule_version,
    riskScore: row.risk_score,
    riskHold: row.risk_hold === 1,
    autoApproveAfterHours: row.auto_approve_after_hours,
    holdReasons: JSON.parse(row.hold_reasons) as string[],
    qualifyByMs: row.qualify_by_ms,
  };
}

/** The user's referral as a referee, if they were referred. */
export function findReferral(sql: SqlStorage): StoredReferral | null {
  const row = sql.exec<ReferralRow>(`SELECT * FROM referrals LIMIT 1`).toArray()[0];
  return row ? toStored(row) : null;
}

/** Records a new referral (version 1) with the first entry of its history. */
export function insertReferral(
  sql: SqlStorage,
  referral: NewReferral,
  eventId: string | null,
  atMs: number,
): StoredReferral {
  sql.exec(
    `INSERT INTO referrals (referral_id, program_id, referrer_id, referee_id, method, click_id,
       state, reason, referee_name_masked, signup_event_id, attributed_at_ms, updated_at_ms,
       version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
    referral.referralId,
    referral.programId,
    referral.referrerId,
    referral.refereeId,
    referral.method,
    referral.clickId,
    referral.state,
    referral.reason,
    referral.refereeNameMasked,
    referral.signupEventId,
    referral.attributedAtMs,
    atMs,
  );
  appendHistory(sql, referral.referralId, {
    fromState: null,
    state: referral.state,
    reason: referral.reason,
    eventId,
    atMs,
  });
  const stored: StoredReferral = {
    ...referral,
    updatedAtMs: atMs,
    version: 1,
    ruleId: null,
    ruleVersion: null,
    riskScore: 0,
    riskHold: false,
    autoApproveAfterHours: null,
    holdReasons: [],
    qualifyByMs: null,
  };
  tellReferrer(sql, null, stored, atMs);
  return stored;
}

/**
 * Moves the referral to `to` (the caller decided the move with decideTransition): its state and
 * reason change, its version rises and the move joins its history. `campaign`, on the move to
 * `qualified`, records the rule chosen on the referral and on that history entry.
 */
export function moveReferral(
  sql: SqlStorage,
  referral: StoredReferral,
  to: ReferralState,
  reason: ReferralReason,
  eventId: string | null,
  atMs: number,
  extra: {
    /** The campaign chosen, recorded on the referral and on this move. */
    campaign?: ReferralCampaign;
    /** The person who decided this move (an operator, or `system`), with their words. */
    decidedBy?: { actor: string; note: string | null };
  } = {},
): StoredReferral {
  const moved = {
    ...referral,
    state: to,
    reason,
    updatedAtMs: atMs,
    version: referral.version + 1,
    ...(extra.campaign
      ? { ruleId: extra.campaign.ruleId, ruleVersion: extra.campaign.ruleVersion }
      : {}),
  };
  sql.exec(
    `UPDATE referrals SET state = ?, reason = ?, updated_at_ms = ?, version = ?, rule_id = ?,
       rule_version = ?
     WHERE referral_id = ?`,
    to,
    reason,
    atMs,
    moved.version,
    moved.ruleId,
    moved.ruleVersion,
    referral.referralId,
  );
  appendHistory(sql, referral.referralId, {
    fromState: referral.state,
    state: to,
    reason,
    eventId,
    atMs,
    ...(extra.campaign ?? {}),
    actor: extra.decidedBy?.actor ?? null,
    note: extra.decidedBy?.note ?? null,
  });
  tellReferrer(sql, referral.state, moved, atMs);
  return moved;
}

function appendHistory(sql: SqlStorage, referralId: string, entry: ReferralHistoryEntry): void {
  sql.exec(
    `INSERT INTO referral_history (referral_id, from_state, state, reason, event_id, at_ms,
       rule_id, rule_version, actor, note)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    referralId,
    entry.fromState,
    entry.state,
    entry.reason,
    entry.eventId,
    entry.atMs,
    entry.ruleId ?? null,
    entry.ruleVersion ?? null,
    entry.actor ?? null,
    entry.note ?? null,
  );
}

/**
 * Oldest first. An entry carries `actor` and `note` only when a person decided the move, so
 * the history of an undisputed referral reads as it always did.
 */
export function readReferralHistory(sql: SqlStorage, referralId: string): ReferralHistoryEntry[] {
  return sql
    .exec<{
      from_state: string | null;
      state: string;
      reason: string;
      event_id: string | null;
      at_ms: number;
      rule_id: string | null;
      rule_version: number | null;
      actor: string | null;
      note: string | null;
    }>(
      `SELECT from_state, state, reason, event_id, at_ms, rule_id, rule_version, actor, note
       FROM referral_history WHERE referral_id = ? ORDER BY id`,
      referralId,
    )
    .toArray()
    .map((r) => ({
      fromState: r.from_state as ReferralState | null,
      state: r.state as ReferralState,
      reason: r.reason as ReferralReason,
      eventId: r.event_id,
      atMs: r.at_ms,
      // Only on the move that chose the campaign, so other entries keep their shape.
      ...(r.rule_id !== null && r.rule_version !== null
        ? { ruleId: r.rule_id, ruleVersion: r.rule_version }
        : {}),
      ...(r.actor !== null ? { actor: r.actor, note: r.note } : {}),
    }));
}

/**
 * Pure: the D1 projection of a referral (the referrer's friends list reads it), with what the
 * referrer got once their wallet credited it (`earned` in GET /v1/me/referrals), and, on the
 * move that qualified it, how (`qualification`: the campaign, when, what the referrer is owed;
 * the funnel and `pending` read it). Moves without it leave D1's copy as it was.
 */
export function referralProjection(
  r: StoredReferral,
  // Required: a projection without it would reset `earned` in D1 for this referral.
  referrerReward: { unit: string; amount: number } | null,
  qualification?: ReferralQualification,
): ReferralProjection {
  return {
    kind: "referral",
    userId: r.refereeId,
    referral: {
      id: r.referralId,
      programId: r.programId,
      referrerId: r.referrerId,
      refereeId: r.refereeId,
      state: r.state,
      method: r.method,
      reason: r.reason,
      refereeNameMasked: r.refereeNameMasked,
      clickId: r.clickId,
      attributedAtMs: r.attributedAtMs,
      updatedAtMs: r.updatedAtMs,
      version: r.version,
      referrerReward,
      riskScore: r.riskScore,
      holdReasons: r.holdReasons,
      ...(qualification ? { qualification } : {}),
    },
  };
}

/** Records the end of the referral's qualification window (attribution.ts). */
export function setQualifyBy(sql: SqlStorage, referralId: string, qualifyByMs: number): void {
  sql.exec(`UPDATE referrals SET qualify_by_ms = ? WHERE referral_id = ?`, qualifyByMs, referralId);
}
