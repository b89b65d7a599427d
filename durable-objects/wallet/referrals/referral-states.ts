/**
 * A referral's states (docs/referrals.md): `clicked → signed_up → qualified → rewarded`, or
 * `held` (waiting for an operator), `rejected`, `expired`, `reversed` (a refund or chargeback
 * took the rewards back; a resolved chargeback gives them back: `rewarded` again, or `qualified`
 * while a party's reward is still on its way). Every move is recorded in the
 * referral's history with its reason and the event that caused it (referral-store.ts).
 */
export const REFERRAL_STATES = [
  "clicked",
  "signed_up",
  "qualified",
  "rewarded",
  "held",
  "rejected",
  "expired",
  "reversed",
] as const;
export type ReferralState = (typeof REFERRAL_STATES)[number];

/** Where each state may move; `rejected` and `expired` are final. */
const NEXT: Record<ReferralState, readonly ReferralState[]> = {
  clicked: ["signed_up", "expired"],
  signed_up: ["qualified", "held", "rejected", "expired"],
  qualified: ["rewarded", "held", "rejected", "reversed"],
  held: ["signed_up", "qualified", "rewarded", "rejected"],
  rewarded: ["reversed"],
  // A chargeback won: `qualified` again while a party's reward is still on its way.
  reversed: ["rewarded", "qualified"],
  rejected: [],
  expired: [],
};

/** A referral is born clicked (a click seen before any signup) or signed up (attribution). */
const INITIAL: readonly ReferralState[] = ["clicked", "signed_up"];

export type TransitionDecision =
  | { action: "move" }
  /** Already there: a repeated cause changes nothing. */
  | { action: "stay" }
  | { action: "refuse"; from: ReferralState | null; to: ReferralState };

/**
 * Pure: whether a referral in `from` (null: none yet) may move to `to`.
 *
 * @example
 * decideTransition(null, "signed_up")     // { action: "move" }
 * decideTransition("rejected", "rewarded") // { action: "refuse", from: "rejected", to: "rewarded" }
 */
export function decideTransition(
  from: ReferralState | null,
  to: ReferralState,
): TransitionDecision {
  if (from === to) return { action: "stay" };
  const allowed = from === null ? INITIAL : NEXT[from];
  return allowed.includes(to) ? { action: "move" } : { action: "refuse", from, to };
}
