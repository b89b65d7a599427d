/**
 * The referrals part of the oracle (docs/referrals.md), from the documented rules alone; it
 * imports nothing outside test/sim/oracle/.
 *
 * - The run's campaign: a confirmed order (`cashback.confirmed`) while the referral is
 *   `signed_up` qualifies it; the referrer gets `REFERRER_REWARD_MINOR` and the referee
 *   `REFEREE_REWARD_MINOR`, each once, confirmed at once (no account-age wait, no awaited
 *   confirmation), so both land in `confirmed`. A lifetime `user` budget of
 *   `USER_BUDGET_MINOR` caps each member's rewards from the rule: a referrer's rewards, one
 *   referral after another, get ₹10, then what is left (₹5), then nothing (the referral is
 *   `rewarded` all the same); a referee's one reward is under it.
 * - A member is referred by the first signup that names a code; the same signup again changes
 *   nothing.
 * - A referral ends `rewarded` once both rewards are credited; one whose referee never had a
 *   confirmed order stays `signed_up`.
 */

export const REFERRER_REWARD_MINOR = 1_000;
export const REFEREE_REWARD_MINOR = 500;
export const USER_BUDGET_MINOR = 1_500;

export class ReferralOracle {
  private readonly referrals = new Map<string, { referrer: string; qualified: boolean }>();

  /** The referee's first signup with `referrer`'s code; later ones change nothing. */
  signedUp(referee: string, referrer: string): void {
    if (!this.referrals.has(referee)) this.referrals.set(referee, { referrer, qualified: false });
  }

  /** The referee had an order confirmed after signing up. */
  orderConfirmed(referee: string): void {
    const referral = this.referrals.get(referee);
    if (referral) referral.qualified = true;
  }

  /** The referral's id and state for each referee of `referrer`, by id. */
  listOf(referrer: string): Array<{ referralId: string; state: string }> {
    return [...this.referrals]
      .filter(([, r]) => r.referrer === referrer)
      .map(([referee, r]) => ({
        referralId: `ref_${referee}`,
        state: r.qualified ? "rewarded" : "signed_up",
      }))
      .sort((a, b) => (a.referralId < b.referralId ? -1 : 1));
  }

  /** What `user` got from referrals, as referee and as referrer. */
  rewardMinor(user: string, party: "referee" | "referrer"): number {
    if (party === "referee") return this.referrals.get(user)?.qualified ? REFEREE_REWARD_MINOR : 0;
    return this.referrerCredits(user).reduce((a, b) => a + b, 0);
  }

  /**
   * What each qualified referral of `referrer` pays the referrer, largest first: the budget is
   * asked in the order the credits reach the referrer's wallet, which a crash may change, so
   * only which amounts were paid is predicted, not which referral got which.
   */
  referrerCredits(referrer: string): number[] {
    const qualified = [...this.referrals.values()].filter(
      (r) => r.referrer === referrer && r.qualified,
    ).length;
    return Array.from({ length: qualified }, (_, i) =>
      Math.min(REFERRER_REWARD_MINOR, Math.max(0, USER_BUDGET_MINOR - i * REFERRER_REWARD_MINOR)),
    );
  }

  /** `balances` with the user's referral rewards added to confirmed. */
  withRewards(user: string, balances: Record<string, number>): Record<string, number> {
    const minor = this.rewardMinor(user, "referee") + this.rewardMinor(user, "referrer");
    if (minor === 0) return balances;
    return { ...balances, confirmed: (balances.confirmed ?? 0) + minor };
  }

  referees(): string[] {
    return [...this.referrals.keys()];
  }
}
