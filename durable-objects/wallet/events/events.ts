import { type KeyRing, mask, seal } from "#shared/crypto/sealed";
import { eventDigest } from "#shared/events/event-check";
import type { FirstPartyEvent } from "#shared/events/event-schema";
import type { LinkKey } from "#shared/fraud/identity-links";
import { observationMessage } from "#shared/fraud/observation-message";
import type { Observation } from "#shared/fraud/risk-contract";
import { fingerprintOf } from "#shared/referrals/fingerprint";
import { type RiskIdentifier, riskIdentifiersOf } from "#shared/referrals/risk-identifiers";
import { type RiskFlag, type RiskLists, riskFlagsOf } from "#shared/referrals/risk-lists";
import type { WalletTx } from "../core/wallet-tx";
import { type AttributionEvidence, attributeSignup } from "../referrals/attribution";
import type { QualificationScores } from "../referrals/qualification-scoring";
import { saveSignupLinks } from "../referrals/referral-observation";
import { qualifyAfterSignup } from "../referrals/referral-rewards";
import { publishRiskIdentifiers, saveEventRisk } from "../referrals/referral-risk";
import { noteReported } from "../risk/known-activity";
import { isDue, schedule, unschedule } from "../schedule/schedule-store";
import { type AcceptOutcome, decideAccept } from "./decide-accept";
import { decideProcess } from "./decide-process";
import {
  type EventOutcome,
  findEvent,
  findEventDigest,
  insertEvent,
  type StoredEvent,
  saveContact,
  setEventStatus,
  setSignedUpAt,
  unprocessedEvents,
} from "./event-store";
import { hasUnsettledRewards } from "./reward-store";
import { evaluateStored, type LiveProgram, type ProgramTerms, rewardEvent } from "./rewards";
import { eventObservation } from "./risk-observations";

/**
 * The user's first-party events (docs/events.md): accepted into the inbox inside one storage
 * transaction — the durable record the intake answers 202 on — then processed in order of
 * occurrence after commit. Accepting is idempotent on the event id: the same event again is
 * a duplicate that changes nothing; another body under a used id is a conflict that changes
 * nothing either.
 */

export interface IncomingEvent {
  event: FirstPartyEvent;
  /** The event key that signed it. */
  keyName: string;
}

export interface PreparedEvent extends IncomingEvent {
  digest: string;
  /** `data` without personal fields. */
  storedData: Record<string, unknown>;
  contact: { sealed: string; masked: Record<string, string> } | null;
  /** Fraud identifiers (keyed hashes) and list flags, kept beside the event (event_risk). */
  risk: { ids: RiskIdentifier[]; flags: RiskFlag[] } | null;
  /** What the user's risk object hears of it (sign-ins, account changes); null: nothing. */
  observation: Observation | null;
}

export interface AcceptResult {
  eventId: string;
  outcome: AcceptOutcome;
}

/** Events processed per call; the rest go on in the next call (the schedule row stays due). */
export const EVENTS_PER_RUN = 200;
export const INBOX_REF = "inbox";
const PERSONAL_FIELDS = ["email", "phone"] as const;
/** Kept only as their keyed fingerprint (referral attribution), never as sent. */
const FINGERPRINTED_FIELDS = ["ipAddress", "userAgent"] as const;
/** Kept only re-hashed with the platform's key (referral fraud signals). */
const RISK_HASHED_FIELDS = ["paymentInstrumentHash"] as const;

/** What intake needs for referral fraud signals: the hashing key and the operator's lists. */
export interface RiskIntake {
  key: string;
  lists: RiskLists;
  /** The identity links' key (shared/fraud/identity-links.ts); absent: observations carry none. */
  linkKey?: LinkKey | null;
}

/** Sealing context of a user's contact details: a sealed value opens only for its own user. */
export function contactContext(userId: string): string {
  return `contact:${userId}`;
}

/**
 * Digests each event and seals the personal fields of `user.signed_up` (async, so before the
 * transaction). Without a key ring the personal fields are not kept at all. The signup's IP
 * address and user agent become one keyed `fingerprint` (what referral clicks are matched on)
 * and are dropped; without a fingerprint key nothing of them is kept.
 */
export async function prepareEvents(
  ring: KeyRing | null,
  userId: string,
  incoming: IncomingEvent[],
  fingerprintKey: string | null = null,
  risk: RiskIntake | null = null,
): Promise<PreparedEvent[]> {
  const prepared: PreparedEvent[] = [];
  for (const item of incoming) {
    const digest = await eventDigest(item.event);
    const storedData = { ...item.event.data };
    const personal: Record<string, string> = {};
    for (const field of PERSONAL_FIELDS) {
      const value = storedData[field];
      if (typeof value === "string") personal[field] = value;
      delete storedData[field];
    }
    const { ipAddress, userAgent, paymentInstrumentHash } = storedData;
    for (const field of FINGERPRINTED_FIELDS) delete storedData[field];
    for (const field of RISK_HASHED_FIELDS) delete storedData[field];
    if (fingerprintKey && typeof ipAddress === "string" && typeof userAgent === "string") {
      storedData.fingerprint = await fingerprintOf(fingerprintKey, ipAddress, userAgent);
    }
    let eventRisk: PreparedEvent["risk"] = null;
    if (risk) {
      // Fraud signals compare keyed hashes only; the lists are checked now, while the raw
      // e-mail and address are in hand (docs/referrals.md "Fraud holds").
      const raw = {
        deviceId: storedData.deviceId,
        ipAddress,
        email: personal.email,
        paymentInstrumentHash,
      };
      const ids = await riskIdentifiersOf(risk.key, raw);
      const flags = item.event.type === "user.signed_up" ? riskFlagsOf(raw, risk.lists) : [];
      if (ids.length > 0 || flags.length > 0) eventRisk = { ids, flags };
    }
    // Read from the event as sent: the raw values become keyed hashes here and nowhere else.
    const observation = await eventObservation(risk?.linkKey ?? null, userId, item.event);
    let contact: PreparedEvent["contact"] = null;
    // The contact on file comes from the signup; a later change is a fraud signal (hashed),
    // never a partial overwrite of what is sealed.
    if (ring && item.event.type === "user.signed_up" && Object.keys(personal).length > 0) {
      contact = {
        sealed: await seal(ring, JSON.stringify(personal), contactContext(userId)),
        masked: maskedContact(personal),
      };
    }
    prepared.push({ ...item, digest, storedData, contact, risk: eventRisk, observation });
  }
  return prepared;
}

/** `a••••@example.com`, `••••••••4321`: enough to recognise, not enough to use. */
export function maskedContact(personal: Record<string, string>): Record<string, string> {
  const masked: Record<string, string> = {};
  if (personal.email) {
    const at = personal.email.lastIndexOf("@");
    masked.email = `${personal.email.slice(0, 1)}${"•".repeat(Math.max(at - 1, 1))}${personal.email.slice(at)}`;
  }
  if (personal.phone) masked.phone = mask(personal.phone);
  return masked;
}

/** Records each event that is new; the same id with the same body is a duplicate, else a conflict. */
export function acceptEvents(
  tx: WalletTx,
  userId: string,
  prepared: PreparedEvent[],
  nowMs: number,
): AcceptResult[] {
  tx.bindUser(userId);
  const results: AcceptResult[] = [];
  let accepted = 0;
  for (const item of prepared) {
    const outcome = decideAccept(findEventDigest(tx.sql, item.event.id), item.digest);
    results.push({ eventId: item.event.id, outcome });
    if (outcome !== "accepted") continue;
    insertEvent(tx.sql, item.event, {
      digest: item.digest,
      keyName: item.keyName,
      data: item.storedData,
      receivedAtMs: nowMs,
    });
    if (item.contact) {
      saveContact(tx.sql, item.contact.sealed, JSON.stringify(item.contact.masked), nowMs);
    }
    if (item.risk) saveEventRisk(tx.sql, item.event.id, item.risk);
    if (item.observation) {
      // Known here at once (sign-in devices, profile changes), reported through the queue.
      noteReported(tx.sql, item.observation);
      tx.enqueue(observationMessage(item.observation));
    }
    // The referral this signup may attribute is reported with the same link hashes.
    if (item.event.type === "user.signed_up") {
      saveSignupLinks(tx.sql, item.event.id, item.observation?.identifiers, nowMs);
    }
    accepted++;
  }
  // New events (and any refund waiting for one of them) are looked at right after commit.
  if (accepted > 0) schedule(tx.sql, "events", INBOX_REF, nowMs);
  return results;
}

export interface EventRun {
  processed: number;
  waiting: number;
  orphaned: number;
  /** True when more events are due than this run took. */
  more: boolean;
}

/**
 * What an event tells about the user rather than about a reward: a sign-up dates the account
 * (rules read its age) and names the user for the console (a projection to D1's users table).
 */
function recordUserFacts(tx: WalletTx, stored: StoredEvent): void {
  if (stored.type !== "user.signed_up") return;
  setSignedUpAt(tx.sql, stored.occurredAtMs);
  const name = stored.data.displayName;
  tx.enqueue({
    kind: "profile",
    userId: tx.userId(),
    displayName: typeof name === "string" ? name : null,
    signedUpAtMs: stored.occurredAtMs,
  });
}

/**
 * Something an event waits for just happened (a reward of its original settled): look at the
 * waiting events now rather than at their next recheck.
 */
export function wakeWaitingEvents(tx: WalletTx, nowMs: number): void {
  const waiting = tx.sql
    .exec(`SELECT 1 FROM events WHERE status = 'waiting' LIMIT 1`)
    .toArray().length;
  if (waiting > 0) schedule(tx.sql, "events", INBOX_REF, nowMs);
}

/** After a failed run: the inbox is looked at again at `atMs`, not at once. */
export function postponeEvents(tx: WalletTx, atMs: number): void {
  schedule(tx.sql, "events", INBOX_REF, atMs);
}

export function eventsDue(sql: SqlStorage, asOfMs: number): boolean {
  return isDue(sql, "events", asOfMs);
}

/**
 * Processes what is due, oldest occurrence first, inside the caller's transaction: an event
 * whose original has not been processed waits (decide-process.ts). Re-arms the schedule at
 * the earliest time something will be due again.
 */
export function processDueEvents(
  tx: WalletTx,
  nowMs: number,
  program: LiveProgram | null,
  terms: ProgramTerms,
  referralEvidence: AttributionEvidence | null,
  /** Scoring's answers to referral qualifications (referrals/qualification-scoring.ts). */
  scores: QualificationScores,
): EventRun {
  const run: EventRun = { processed: 0, waiting: 0, orphaned: 0, more: false };
  const batch = unprocessedEvents(tx.sql, EVENTS_PER_RUN + 1);
  run.more = batch.length > EVENTS_PER_RUN;
  let recheckAtMs: number | null = null;
  for (const stored of batch.slice(0, EVENTS_PER_RUN)) {
    const originalId = stored.data.originalEventId;
    const original = typeof originalId === "string" ? findEvent(tx.sql, originalId) : null;
    // An original whose rewards still wait for their budgets has nothing settled to take back.
    const settled =
      original?.status === "processed" && !hasUnsettledRewards(tx.sql, original.eventId);
    const decision = decideProcess({
      type: stored.type,
      data: stored.data,
      receivedAtMs: stored.receivedAtMs,
      originalStatus: original ? (settled ? "processed" : "unprocessed") : null,
      nowMs,
    });
    switch (decision.action) {
      case "process": {
        const referral = attributeSignup(tx, stored, referralEvidence, nowMs);
        recordUserFacts(tx, stored);
        publishRiskIdentifiers(tx, stored);
        const rewards = rewardEvent(tx, stored, tx.userId(), program, terms, nowMs, scores);
        if (program && referral && !("none" in referral)) {
          // Events that happened after this signup may have been processed before it.
          qualifyAfterSignup(
            tx,
            stored,
            (event) => evaluateStored(tx, event, tx.userId(), program, nowMs),
            terms.earn,
            nowMs,
            scores,
            (ruleId) => program.compiled.rules.get(ruleId)?.budgets,
          );
        }
        const outcome: EventOutcome = {
          result: "processed",
          ...(program ? { ruleSetVersion: program.version } : {}),
          ...(rewards.length > 0 ? { rewards } : {}),
          ...(referral ? { referral: "none" in referral ? referral.none : referral.reason } : {}),
        };
        setEventStatus(tx.sql, stored.eventId, "processed", outcome, nowMs);
        run.processed++;
        break;
      }
      case "wait":
        setEventStatus(tx.sql, stored.eventId, "waiting", null, null);
        recheckAtMs = Math.min(recheckAtMs ?? decision.recheckAtMs, decision.recheckAtMs);
        run.waiting++;
        break;
      case "orphan":
        setEventStatus(
          tx.sql,
          stored.eventId,
          "processed",
          { result: "orphaned", detail: decision.detail },
          nowMs,
        );
        run.orphaned++;
        break;
    }
  }
  // An original processed in this run may free a refund that was looked at before it; the
  // next run (due at once) takes it, as it does the rest of a long inbox.
  if (run.more || (run.processed > 0 && run.waiting > 0))
    schedule(tx.sql, "events", INBOX_REF, nowMs);
  else if (recheckAtMs !== null) schedule(tx.sql, "events", INBOX_REF, recheckAtMs);
  else unschedule(tx.sql, "events", INBOX_REF);
  return run;
}
