import type { Observation } from "#shared/fraud/risk-contract";
import { MS_PER_DAY } from "#shared/time/clock";
import { isDue, schedule, unschedule } from "../schedule/schedule-store";
import type { StoredReferral } from "./referral-store";

/**
 * What the referee's risk object hears of their referral (docs/fraud.md "Signals"): once when
 * it is attributed and once when it qualifies, through the wallet's outbox in the transaction
 * that made the change, so a referral recorded is a referral reported, once. Its subject is the
 * referral, so a fraud rule's `hold_referral` holds it in this wallet, where it and its rewards
 * live; its facts say how it was attributed and what the program's own signals found.
 */

export type ReferralStage = "attributed" | "qualified";

/**
 * How long a signup's identity-link hashes (`event_links`) are kept once the signup was
 * processed. They are read once, by the processing that attributes the referral (the
 * `attributed` observation carries them from then on, in the outbox), and never again: a
 * redelivered signup is a duplicate by the events table's digest, which is never pruned, so it
 * neither reads nor writes this table — idempotency does not depend on these rows, at any age.
 * A row of a signup not yet processed (waiting, or a run aborted and retried) is never pruned,
 * whatever its age. The week after processing is a margin only: an operator can still see what
 * a recent attribution was reported with; after it the hashes go (keyed hashes, but still
 * identity links: kept no longer than needed).
 */
export const EVENT_LINK_KEEP_DAYS = 7;
export const EVENT_LINK_KEEP_MS = EVENT_LINK_KEEP_DAYS * MS_PER_DAY;
/** Rows pruned per run of the schedule, so no alarm does unbounded work. */
export const MAX_EVENT_LINKS_PRUNED_PER_RUN = 500;
const LINKS_REF = "links";

/**
 * Keeps a signup's identity-link hashes (its `login` observation's) for the referral its
 * processing may attribute: inside the accepting transaction, once per event; the prune
 * (`prune_event_links`) is due a keep window from now at the earliest.
 */
export function saveSignupLinks(
  sql: SqlStorage,
  eventId: string,
  identifiers: Record<string, string> | undefined,
  nowMs: number,
): void {
  if (!identifiers || Object.keys(identifiers).length === 0) return;
  sql.exec(
    `INSERT INTO event_links (event_id, identifiers_json) VALUES (?, ?)
     ON CONFLICT (event_id) DO NOTHING`,
    eventId,
    JSON.stringify(identifiers),
  );
  // An earlier prune row stays: its run reschedules for what is left.
  schedule(sql, "prune_event_links", LINKS_REF, nowMs + EVENT_LINK_KEEP_MS, true);
}

/**
 * The schedule's `prune_event_links` (schedule/run-due.ts): deletes the links of signups
 * processed more than EVENT_LINK_KEEP_MS before `asOfMs`, oldest first, at most
 * MAX_EVENT_LINKS_PRUNED_PER_RUN, then keeps one prune row due when the next one may go
 * (none left: no row). Returns how many went.
 */
export function pruneEventLinks(sql: SqlStorage, asOfMs: number): number {
  if (!isDue(sql, "prune_event_links", asOfMs)) return 0;
  const pruned = sql
    .exec(
      `DELETE FROM event_links WHERE event_id IN (
         SELECT l.event_id FROM event_links l JOIN events e ON e.event_id = l.event_id
         WHERE e.status = 'processed' AND e.processed_at_ms <= ?
         ORDER BY e.processed_at_ms LIMIT ?)
       RETURNING event_id`,
      asOfMs - EVENT_LINK_KEEP_MS,
      MAX_EVENT_LINKS_PRUNED_PER_RUN,
    )
    .toArray().length;
  // Due again a keep window after the oldest processing left; a signup not processed yet is
  // looked at again a keep window from now.
  const next = sql
    .exec<{ t: number | null }>(
      `SELECT MIN(COALESCE(e.processed_at_ms, ?)) AS t
       FROM event_links l LEFT JOIN events e ON e.event_id = l.event_id`,
      asOfMs,
    )
    .one().t;
  if (next === null) unschedule(sql, "prune_event_links", LINKS_REF);
  else schedule(sql, "prune_event_links", LINKS_REF, next + EVENT_LINK_KEEP_MS);
  return pruned;
}

/** The identity-link hashes kept for a signup; empty when none were. */
export function signupLinks(sql: SqlStorage, eventId: string): Record<string, string> {
  const row = sql
    .exec<{ identifiers_json: string }>(
      `SELECT identifiers_json FROM event_links WHERE event_id = ?`,
      eventId,
    )
    .toArray()[0];
  return row ? (JSON.parse(row.identifiers_json) as Record<string, string>) : {};
}

/**
 * Pure. `identifiers`: the signup's link hashes, so the risk consumer adds what they share
 * (`signal.usersSharingDevice`, …) to the referral's facts.
 *
 * @example
 * referralObservation(referral, "attributed", signupAtMs)
 * // { observationId: "referral:ref_u1:attributed", userId: "u1", kind: "referral",
 * //   subjectRef: "ref_u1", facts: { "signal.referralMethod": "code", … } }
 */
export function referralObservation(
  referral: Pick<
    StoredReferral,
    "referralId" | "refereeId" | "method" | "riskScore" | "riskHold" | "holdReasons"
  >,
  stage: ReferralStage,
  atMs: number,
  identifiers: Record<string, string> = {},
): Observation {
  return {
    observationId: `referral:${referral.referralId}:${stage}`,
    userId: referral.refereeId,
    kind: "referral",
    atMs,
    subjectRef: referral.referralId,
    ...(Object.keys(identifiers).length > 0 ? { identifiers } : {}),
    facts: {
      "signal.referralStage": stage,
      "signal.referralMethod": referral.method,
      "signal.referralProgramScore": referral.riskScore,
      "signal.referralProgramSignals": referral.holdReasons.length,
      "signal.referralProgramHold": referral.riskHold,
    },
  };
}

/**
 * The referral's `qualified` observation, carrying its signup's identity-link hashes (the ones
 * its `attributed` observation carried, while kept: EVENT_LINK_KEEP_MS after the signup was
 * processed), so the wallet's direct assessment at qualification reads what they share
 * (`signal.usersSharingDevice`, …: identity-counts.ts) even when the `attributed` observation
 * has not been delivered yet.
 */
export function qualifiedObservation(
  sql: SqlStorage,
  referral: Pick<
    StoredReferral,
    | "referralId"
    | "refereeId"
    | "method"
    | "riskScore"
    | "riskHold"
    | "holdReasons"
    | "signupEventId"
  >,
  atMs: number,
): Observation {
  return referralObservation(referral, "qualified", atMs, signupLinks(sql, referral.signupEventId));
}
