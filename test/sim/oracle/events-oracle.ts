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
 * - Refunds and chargebacks of an event (docs/rules.md, "Rollback"): a refund takes back its
 *   share of what each reward posted (rounded down; the refund that completes the amount takes
 *   the rest), a chargeback all that is left; a chargeback the member wins gives back exactly
 *   what it took, less the share of any refund that came while it was open (a refund is
 *   final). A budget holds what its reward was granted, lowered at once by a refund and by a
 *   lost chargeback to what the member still has (an open chargeback keeps what it took held);
 *   what a budget lets go of is granted again to later boosts.
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

/** One rule's reward of one event: what was posted, what was taken back since. */
interface Held {
  posted: number;
  taken: number;
}

interface OracleEvent {
  userId: string;
  amountMinor: number;
  percent: Held;
  boost: Held;
  /** What the boost's budgets hold for it (the grant, lowered by refunds and lost chargebacks). */
  boostBudgetMinor: number;
  /** Σ of the refunds processed so far. */
  refundedMinor: number;
  /** The chargeback not resolved yet, and what it took per rule. */
  chargeback: { id: string; took: EventRewards } | null;
}

export class EventsOracle {
  private readonly byEvent = new Map<string, OracleEvent>();
  /** Refund and chargeback ids already processed: one sent again changes nothing. */
  private readonly rollbacks = new Set<string>();
  private reached = false;

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
      const campaignLeft = CAMPAIGN_BUDGET_MINOR - this.campaignBoostMinor();
      boostMinor = Math.max(0, Math.min(BOOST_MINOR, userLeft, campaignLeft));
    }
    this.byEvent.set(eventId, {
      userId,
      amountMinor,
      percent: { posted: percentMinor, taken: 0 },
      boost: { posted: boostMinor, taken: 0 },
      boostBudgetMinor: boostMinor,
      refundedMinor: 0,
      chargeback: null,
    });
    if (this.campaignBoostMinor() >= CAMPAIGN_BUDGET_MINOR) this.reached = true;
    return { percentMinor, boostMinor };
  }

  /**
   * A refund of `refundMinor` of an earlier event (docs/rules.md, "Rollback"): each reward
   * gives back ⌊posted × refund / amount⌋, at most what it still holds; the refund that
   * completes the amount (counting every earlier refund) takes all that is left. A refund is
   * final: the boost's budgets then hold only what the member still has.
   */
  refunded(refundId: string, originalId: string, refundMinor: number): void {
    const original = this.firstTime(refundId, originalId);
    if (!original || refundMinor <= 0) return;
    const whole = original.refundedMinor + refundMinor >= original.amountMinor;
    original.refundedMinor += refundMinor;
    const disputed = original.chargeback?.took;
    for (const [rule, held] of [
      ["percentMinor", original.percent],
      ["boostMinor", original.boost],
    ] as const) {
      // During an open chargeback the member holds nothing; the refund's share comes out of
      // what the chargeback took and is final, so a won dispute gives back only the rest.
      const inDispute = disputed ? disputed[rule] : 0;
      const left = held.posted - held.taken + inDispute;
      const share = Math.max(
        whole
          ? left
          : Math.min(Math.floor((held.posted * refundMinor) / original.amountMinor), left),
        0,
      );
      const fromDispute = Math.min(share, inDispute);
      if (disputed) disputed[rule] -= fromDispute;
      held.taken += share - fromDispute;
    }
    original.boostBudgetMinor =
      original.boost.posted - original.boost.taken + (disputed ? disputed.boostMinor : 0);
  }

  /** A chargeback takes all that is left; the budgets keep holding it until it is resolved. */
  chargedBack(chargebackId: string, originalId: string): void {
    const original = this.firstTime(chargebackId, originalId);
    if (!original) return;
    const took = {
      percentMinor: original.percent.posted - original.percent.taken,
      boostMinor: original.boost.posted - original.boost.taken,
    };
    original.percent.taken += took.percentMinor;
    original.boost.taken += took.boostMinor;
    original.chargeback = { id: chargebackId, took };
  }

  /**
   * The open chargeback decided: won, the member gets back exactly what it took (the budgets
   * held it all along); lost, it is final and the budgets let go of what it took.
   */
  resolved(resolutionId: string, originalId: string, outcome: "user_won" | "user_lost"): void {
    const original = this.firstTime(resolutionId, originalId);
    if (!original?.chargeback) return;
    const { took } = original.chargeback;
    original.chargeback = null;
    if (outcome === "user_won") {
      original.percent.taken -= took.percentMinor;
      original.boost.taken -= took.boostMinor;
    } else original.boostBudgetMinor = original.boost.posted - original.boost.taken;
  }

  /** The original of a rollback seen for the first time; null for a repeat or an unknown one. */
  private firstTime(rollbackId: string, originalId: string): OracleEvent | null {
    if (this.rollbacks.has(rollbackId)) return null;
    this.rollbacks.add(rollbackId);
    return this.byEvent.get(originalId) ?? null;
  }

  /** What each of an event's two rewards still holds (posted − taken). */
  held(eventId: string): EventRewards {
    const e = this.byEvent.get(eventId);
    return {
      percentMinor: e ? e.percent.posted - e.percent.taken : 0,
      boostMinor: e ? e.boost.posted - e.boost.taken : 0,
    };
  }

  /** The chargebacks not resolved yet: their ids. */
  openChargebacks(): string[] {
    const open: string[] = [];
    for (const e of this.byEvent.values()) if (e.chargeback) open.push(e.chargeback.id);
    return open;
  }

  /** What the campaign's budget pays now (outstanding). */
  campaignBoostMinor(): number {
    let minor = 0;
    for (const e of this.byEvent.values()) minor += e.boostBudgetMinor;
    return minor;
  }

  /** What the user's budget pays now (outstanding). */
  userBoostMinor(userId: string): number {
    let minor = 0;
    for (const e of this.byEvent.values()) if (e.userId === userId) minor += e.boostBudgetMinor;
    return minor;
  }

  /** Whether the campaign's budget was used up at some point of the run. */
  limitReached(): boolean {
    return this.reached || this.campaignBoostMinor() >= CAMPAIGN_BUDGET_MINOR;
  }

  /** Cashback the user's events hold, in confirmed: what they earned less what was taken back. */
  cashbackMinor(userId: string): number {
    let minor = 0;
    for (const e of this.byEvent.values())
      if (e.userId === userId)
        minor += e.percent.posted - e.percent.taken + e.boost.posted - e.boost.taken;
    return minor;
  }

  /** The user's money buckets with the events' cashback added to confirmed. */
  withCashback(userId: string, buckets: Record<string, number>): Record<string, number> {
    const minor = this.cashbackMinor(userId);
    return minor === 0 ? buckets : { ...buckets, confirmed: (buckets.confirmed ?? 0) + minor };
  }
}
