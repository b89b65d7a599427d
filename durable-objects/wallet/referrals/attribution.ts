import { observationMessage } from "#shared/fraud/observation-message";
import type { WalletTx } from "../core/wallet-tx";
import type { StoredEvent } from "../events/event-store";
import { schedule } from "../schedule/schedule-store";
import {
  type AttributionDecision,
  type AttributionInputs,
  decideAttribution,
} from "./decide-attribution";
import { referralObservation, signupLinks } from "./referral-observation";
import { recordReferralRisk } from "./referral-risk";
import { findReferral, insertReferral, referralProjection, setQualifyBy } from "./referral-store";
import type { RiskLookups } from "./risk-lookups";

/**
 * Attribution at signup, inside the processing transaction (docs/referrals.md, "Attribution").
 * What needs I/O — whose code it is, the token's signature, clicks with the same fingerprint,
 * the program's windows — was read before the transaction (attribution-lookups.ts) for the
 * one signup that can attribute; what must be exact — is this the first signup, is the user
 * already referred — is read here, in the transaction.
 */

const DAY_MS = 86_400_000;

/** What attribution-lookups.ts read for one signup event. */
export interface AttributionEvidence {
  eventId: string;
  program: AttributionInputs["program"];
  typedCode: AttributionInputs["typedCode"];
  token: AttributionInputs["token"];
  clicks: AttributionInputs["clicks"];
  /** Fraud signals' reads (risk-lookups.ts); null: none were read (no signals recorded). */
  risk?: RiskLookups | null;
  /** Days the referee has to qualify (the program's `qualification.windowDays`); null: no limit. */
  qualifyWithinDays?: number | null;
}

/** The evidence was read for another signup than the one being processed: read it again. */
export class AttributionEvidenceMissing extends Error {
  constructor(eventId: string) {
    super(`referral evidence for signup ${eventId} was not read before processing`);
    this.name = "AttributionEvidenceMissing";
  }
}

/** The fields of `user.signed_up` that can make it a referral. */
export function carriesReferralData(data: StoredEvent["data"]): boolean {
  return (
    typeof data.referralCode === "string" ||
    typeof data.referralToken === "string" ||
    typeof data.fingerprint === "string"
  );
}

/** The referral of a referee: one per user, so its id is the referee's. */
export function referralIdOf(refereeId: string): string {
  return `ref_${refereeId}`;
}

/**
 * Pure: how a referee's name is shown to the referrer: first letter and `***`.
 *
 * @example
 * maskName("Asha Rao") // "A***"
 */
export function maskName(displayName: unknown): string | null {
  if (typeof displayName !== "string") return null;
  const first = Array.from(displayName.trim())[0];
  return first ? `${first.toUpperCase()}***` : null;
}

/** True when the user has a processed `user.signed_up` (the one being processed is not yet). */
export function hasProcessedSignup(sql: SqlStorage): boolean {
  return (
    sql
      .exec(`SELECT 1 FROM events WHERE type = 'user.signed_up' AND status = 'processed' LIMIT 1`)
      .toArray().length > 0
  );
}

/**
 * Decides and records the referral of a signup being processed; null when the signup carries
 * no referral data. A referral is recorded in state `signed_up`, its history names the
 * signup event, and its projection is queued in the same transaction.
 */
export function attributeSignup(
  tx: WalletTx,
  stored: StoredEvent,
  evidence: AttributionEvidence | null,
  nowMs: number,
): AttributionDecision | null {
  if (stored.type !== "user.signed_up" || !carriesReferralData(stored.data)) return null;
  const firstSignup = !hasProcessedSignup(tx.sql);
  const alreadyReferred = findReferral(tx.sql) !== null;
  const refereeId = tx.userId();
  if (firstSignup && !alreadyReferred && evidence?.eventId !== stored.eventId) {
    // Another signup came in while the evidence was read: the object aborts this run and
    // reads the evidence again (wallet-object.ts processEvents).
    throw new AttributionEvidenceMissing(stored.eventId);
  }
  const decision = decideAttribution({
    refereeId,
    signedUpAtMs: stored.occurredAtMs,
    firstSignup,
    alreadyReferred,
    program: evidence?.program ?? {
      programId: "default",
      touch: "last",
      windowDays: 0,
      probabilisticWindowHours: 0,
    },
    typedCode: evidence?.typedCode ?? null,
    token: evidence?.token ?? null,
    clicks: evidence?.clicks ?? [],
    bannedReferrers: evidence?.risk?.banned ?? [],
  });
  if ("none" in decision) return decision;
  const inserted = insertReferral(
    tx.sql,
    {
      referralId: referralIdOf(refereeId),
      programId: decision.programId,
      referrerId: decision.referrerId,
      refereeId,
      method: decision.method,
      clickId: decision.clickId,
      state: "signed_up",
      reason: decision.reason,
      refereeNameMasked: maskName(stored.data.displayName),
      signupEventId: stored.eventId,
      attributedAtMs: stored.occurredAtMs,
    },
    stored.eventId,
    nowMs,
  );
  const referral = recordReferralRisk(tx, inserted, stored, evidence?.risk ?? null);
  // The program's qualification window: the referral expires if nothing qualifies it by then.
  const windowDays = evidence?.qualifyWithinDays ?? null;
  if (windowDays !== null) {
    const qualifyByMs = stored.occurredAtMs + windowDays * DAY_MS;
    setQualifyBy(tx.sql, referral.referralId, qualifyByMs);
    schedule(tx.sql, "referral_expire", referral.referralId, qualifyByMs);
  }
  tx.enqueue(referralProjection(referral, null));
  // The referee's risk object hears of it (its rules may hold it: referral-risk-holds.ts).
  tx.enqueue(
    observationMessage(
      referralObservation(
        referral,
        "attributed",
        stored.occurredAtMs,
        signupLinks(tx.sql, stored.eventId),
      ),
    ),
  );
  return decision;
}
