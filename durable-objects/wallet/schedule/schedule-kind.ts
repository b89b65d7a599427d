/**
 * Every kind of timed work the wallet keeps in its schedule table, one row per (kind, ref):
 * - `confirm`: a pending transaction whose return window closes (ref: txn id);
 * - `claim_review`: an open claim that goes to the operator's queue (ref: claim id);
 * - `prune_clicks`: the oldest click leaves retention (ref: "clicks");
 * - `prune_event_links`: a processed signup's identity-link hashes leave their keep window
 *   (ref: "links"; referrals/referral-observation.ts);
 * - `boost`: a transaction owes a request to a campaign budget (ref: txn id);
 * - `events`: first-party events wait in the inbox (ref: "inbox"; events/events.ts);
 * - `grant`: an event's reward owes a request to its rule budgets (ref: reward key;
 *   events/grant-sync.ts);
 * - `referral_reward`: a qualified referral owes its referrer's reward to the referrer's wallet
 *   (ref: referral id; referrals/referral-reward-sync.ts);
 * - `referral_confirm`: a referral's bonuses may be confirmed, the referee's account being old
 *   enough by then (ref: referral id; referrals/referral-money.ts);
 * - `referral_expire`: the program's qualification window of a signed-up referral ends (ref:
 *   referral id; referrals/referral-expiry.ts);
 * - `chain_seal`: ledger entries stored before the hash chain still wait to be hashed (ref:
 *   "entries"; ledger/chain-store.ts), a bounded chunk per run;
 * then the loyalty program's nightly order (`POINTS_SCHEDULE_KINDS`), one row each (ref: "lots"
 * or "tier"), due at the earliest lot or review that needs it:
 * - `points_activate`: a pending lot's period ends (points/points-due.ts);
 * - `points_expire`: a lot with points left reaches its expiry;
 * - `points_notice`: a lot owes its 30/7/1-day expiry notice;
 * - `tier_review`: the tier may change with no new spend (grace ends, spend leaves the window).
 *
 * Order matters: `runDue` handles the kinds in `ALL_SCHEDULE_KINDS` order, so a run activates
 * before it expires and recomputes the tier last.
 */
export const SCHEDULE_KINDS = [
  "confirm",
  "claim_review",
  "prune_clicks",
  "prune_event_links",
  "boost",
  "events",
  "grant",
  "referral_reward",
  "referral_confirm",
  "referral_expire",
  "chain_seal",
] as const;
/**
 * Operator review's timed work (`REVIEW_SCHEDULE_KINDS`), run after the money kinds:
 * - `referral_auto_approve`: a held referral is approved by itself when the program's
 *   auto-approve delay ends (ref: referral id; referrals/referral-review.ts);
 * - `risk_hold_release`: a risk hold's condition clears by itself (a velocity window passes;
 *   ref: hold id; holds/holds.ts);
 * - `risk_retry`: redemptions held `risk_unavailable` are assessed again, oldest first (ref:
 *   "redemptions"; payouts/redeem/risk-retry.ts; after commit: it asks the risk object).
 */
export const REVIEW_SCHEDULE_KINDS = [
  "referral_auto_approve",
  "risk_hold_release",
  "risk_retry",
] as const;
export const POINTS_SCHEDULE_KINDS = [
  "points_activate",
  "points_expire",
  "points_notice",
  "tier_review",
] as const;
export const ALL_SCHEDULE_KINDS = [
  ...SCHEDULE_KINDS,
  ...REVIEW_SCHEDULE_KINDS,
  ...POINTS_SCHEDULE_KINDS,
] as const;
export type ScheduleKind = (typeof ALL_SCHEDULE_KINDS)[number];
