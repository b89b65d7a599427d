import type { ReferralState } from "./referral-states";
import type { ReferralTerms } from "./referral-terms";

/**
 * Pure: whether a qualified referral's bonuses move from `referral_bonus` to confirmed (points:
 * pending → active) now (docs/referrals.md, "Confirmation"). Both conditions of the campaign
 * must hold: the referee's account is at least `minAccountAgeDays` old (counted from their
 * signup), and, when the campaign awaits it, a `purchase.confirmed` named the qualifying
 * event. Only a referral whose rewards stand (`qualified`, `rewarded`) confirms; a reversed
 * one waits for a restore, a held one for an operator. Confirmation happens once.
 */

const DAY_MS = 86_400_000;

export interface ConfirmationInputs {
  state: ReferralState;
  terms: Pick<ReferralTerms, "minAccountAgeDays" | "awaitEventConfirmation">;
  /** When the referee's account began (their signup). */
  accountCreatedAtMs: number;
  /** When a `purchase.confirmed` named the qualifying event; null: not yet. */
  eventConfirmedAtMs: number | null;
  /** When the bonuses were confirmed; null: not yet. */
  confirmedAtMs: number | null;
  nowMs: number;
}

export type ConfirmationDecision =
  | { action: "confirm" }
  /** Not yet: due again at `untilMs` (the account-age date), or on an event (null). */
  | { action: "wait"; why: "account_age" | "event_unconfirmed"; untilMs: number | null }
  | { action: "none"; why: "already_confirmed" | "rewards_not_standing" };

const STANDING: readonly ReferralState[] = ["qualified", "rewarded"];

/**
 * @example
 * decideConfirmation({ state: "rewarded", terms: { minAccountAgeDays: 7, awaitEventConfirmation: false },
 *   accountCreatedAtMs: 0, eventConfirmedAtMs: null, confirmedAtMs: null, nowMs: 86_400_000 })
 * // { action: "wait", why: "account_age", untilMs: 604_800_000 }
 */
export function decideConfirmation(input: ConfirmationInputs): ConfirmationDecision {
  if (input.confirmedAtMs !== null) return { action: "none", why: "already_confirmed" };
  if (!STANDING.includes(input.state)) return { action: "none", why: "rewards_not_standing" };
  const ageReachedAtMs = accountAgeReachedAtMs(
    input.accountCreatedAtMs,
    input.terms.minAccountAgeDays,
  );
  if (ageReachedAtMs > input.nowMs) {
    return { action: "wait", why: "account_age", untilMs: ageReachedAtMs };
  }
  if (input.terms.awaitEventConfirmation && input.eventConfirmedAtMs === null) {
    return { action: "wait", why: "event_unconfirmed", untilMs: null };
  }
  return { action: "confirm" };
}

/**
 * Pure: when an account created at `createdAtMs` is `days` old.
 *
 * @example
 * accountAgeReachedAtMs(1_000, 2) // 172_801_000
 */
export function accountAgeReachedAtMs(createdAtMs: number, days: number): number {
  return createdAtMs + days * DAY_MS;
}

/**
 * Points held until the bonus is confirmed by an event, not a date: their lot's pending period
 * ends at the last day JavaScript dates reach, so only the confirmation activates them.
 */
export const UNTIL_CONFIRMED_MS = 8_640_000_000_000_000;

/**
 * Pure: until when a points bonus credited now is pending: null (active at once) when the
 * confirmation is due now or happened; the account-age date when only that waits; "until
 * confirmed" when the campaign awaits the event's confirmation.
 *
 * @example
 * pointsPendingUntilMs({ state: "qualified", terms: { minAccountAgeDays: 0, awaitEventConfirmation: false },
 *   accountCreatedAtMs: 0, eventConfirmedAtMs: null, confirmedAtMs: null, nowMs: 5 }) // null
 */
export function pointsPendingUntilMs(input: ConfirmationInputs): number | null {
  if (input.confirmedAtMs !== null) return null;
  const decision = decideConfirmation(input);
  if (decision.action !== "wait") return null;
  return input.terms.awaitEventConfirmation ? UNTIL_CONFIRMED_MS : decision.untilMs;
}
