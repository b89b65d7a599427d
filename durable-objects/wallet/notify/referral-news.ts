import { formatMoney } from "#shared/money/format";
import type { ReferralPartyReward } from "#shared/rules/index";
import { insertOutbox } from "../outbox/outbox-store";
import { findReferralReward } from "../referrals/referral-reward-store";
import type { ReferralState } from "../referrals/referral-states";
import type { StoredReferral } from "../referrals/referral-store";
import { referralEvent } from "./notification-events";

/**
 * Inside every move of a referral (referral-store.ts, in the referee's wallet): the referrer is
 * told it signed up, qualified, was rewarded or is held, through this wallet's outbox in the
 * same storage transaction (the event names the referrer; the consumer finds their channels).
 * A move back to `signed_up` (a hold released before qualifying) is not news again.
 */
export function tellReferrer(
  sql: SqlStorage,
  from: ReferralState | null,
  moved: StoredReferral,
  atMs: number,
): void {
  if (from === moved.state) return;
  if (moved.state === "signed_up" && from !== null && from !== "clicked") return;
  const reward =
    moved.state === "rewarded" ? findReferralReward(sql, moved.referralId, "referrer") : null;
  const event = referralEvent(moved, moved.state, reward ? rewardText(reward.reward) : null, atMs);
  if (event) insertOutbox(sql, event);
}

/** Pure: a reward as words: "500 points", "₹100.00". */
export function rewardText(reward: ReferralPartyReward): string {
  return "points" in reward
    ? `${reward.points} points`
    : formatMoney(reward.amountMinor, reward.currency);
}
