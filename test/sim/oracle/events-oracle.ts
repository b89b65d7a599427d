/**
 * The first-party events part of the oracle: what every event user's cashback and every
 * budget must end as, from the documented rules alone (docs/events.md, docs/rules.md); it
 * imports nothing outside test/sim/oracle/.
 *
 * - The simulation's custom event type `custom.sim_quest` carries a score and an amount.
 * - Two rules listen to it, published per run: a percentage (⌊amount × 200 / 10,000⌋ to
 *   confirmed, no budget) and a boost (₹5 fixed when the score is at least 50) under two
 *   lifetime budgets, one per user (₹7) and one for the run's campaign (₹9).
 * - A boost gets the smallest of what each budget has left and what it asks (the wallet takes
 *   the smallest grant and lowers the other to it), first come first served in the order the
 *   events are processed: each user's wallet works its event before the intake answers, so
 *   that is the order the run sends them in.
 * - An event id counts once: the same event again changes nothing, and another body under a
 *   used id is refused and changes nothing.
 */

export const EVENT_TYPE = "custom.sim_quest";
export const PERCENT_BPS = 200;
export const BOOST_MINOR = 500;
export const BOOST_MIN_SCORE = 50;
export const USER_BUDGET_MINOR = 700;
export const CAMPAIGN_BUDGET_MINOR = 900;

export interface EventRewards {
  percentMinor: number;
  boostMinor: number;
}

export class EventsOracle {
  private readonly byEvent = new Map<string, { userId: string } & EventRewards>();
  private campaignOutstanding = 0;

  /**
   * A new event (the intake answered it accepted): what its two rules credit. An id already
   * seen is a replay and credits nothing.
   */
  accepted(userId: string, eventId: string, score: number, amountMinor: number): EventRewards {
    const seen = this.byEvent.get(eventId);
    if (seen) return { percentMinor: 0, boostMinor: 0 };
    const percentMinor = Math.floor((amountMinor * PERCENT_BPS) / 10_000);
    let boostMinor = 0;
    if (score >= BOOST_MIN_SCORE) {
      const userLeft = USER_BUDGET_MINOR - this.userBoostMinor(userId);
      const campaignLeft = CAMPAIGN_BUDGET_MINOR - this.campaignOutstanding;
      boostMinor = Math.max(0, Math.min(BOOST_MINOR, userLeft, campaignLeft));
    }
    this.campaignOutstanding += boostMinor;
    this.byEvent.set(eventId, { userId, percentMinor, boostMinor });
    return { percentMinor, boostMinor };
  }

  /** What the campaign's budget has paid out so far. */
  campaignBoostMinor(): number {
    return this.campaignOutstanding;
  }

  /** What the user's budget has paid out so far. */
  userBoostMinor(userId: string): number {
    let minor = 0;
    for (const e of this.byEvent.values()) if (e.userId === userId) minor += e.boostMinor;
    return minor;
  }

  /** Whether a boost was cut short or refused by a budget (the run reached a limit). */
  limitReached(): boolean {
    return this.campaignOutstanding >= CAMPAIGN_BUDGET_MINOR;
  }

  /** Cashback the user's events earned, credited to confirmed. */
  cashbackMinor(userId: string): number {
    let minor = 0;
    for (const e of this.byEvent.values())
      if (e.userId === userId) minor += e.percentMinor + e.boostMinor;
    return minor;
  }

  /** The user's money buckets with the events' cashback added to confirmed. */
  withCashback(userId: string, buckets: Record<string, number>): Record<string, number> {
    const minor = this.cashbackMinor(userId);
    return minor === 0 ? buckets : { ...buckets, confirmed: (buckets.confirmed ?? 0) + minor };
  }
}
