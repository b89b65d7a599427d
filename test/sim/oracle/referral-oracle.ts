/**
 * The referrals part of the oracle (docs/referrals.md), from the documented rules alone; it
 * imports nothing outside test/sim/oracle/.
 *
 * - The run's campaign: a confirmed order (`cashback.confirmed`) while the referral is
 *   `signed_up` qualifies it; the referrer gets `REFERRER_REWARD_MINOR` and the referee
 *   `REFEREE_REWARD_MINOR`, each once, confirmed at once (no account-age wait, no awaited
 *   confirmation), so both land in `confirmed`.
 * - A member is referred by the first signup that names a code; the same signup again changes
 *   nothing.
 * - A referral ends `rewarded` once both rewards are credited; one whose referee never had a
 *   confirmed order stays `signed_up`.
 */

export const REFERRER_REWARD_MINOR = 1_000;
export const REFEREE_REWARD_MINOR = 500;

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
    let total = 0;
    for (const r of this.referrals.values())
      if (r.referrer === user && r.qualified) total += REFERRER_REWARD_MINOR;
    return total;
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
