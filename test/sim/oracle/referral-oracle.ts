/**
 * The referrals part of the oracle (docs/referrals.md), from the documented rules alone; it
 * imports nothing outside test/sim/oracle/.
 *
 * - Attribution, at a member's first signup: a typed code that is a member's wins (`code`,
 *   `code_at_signup`; it names the signup's link click when that link was the same referrer's);
 *   else the token the web signup hands back (`token`, `web_signup_token`, its click); else a
 *   share-link click with the signup's fingerprint (IP and user agent) within the program's
 *   probabilistic window before the signup, the first one (`probabilistic`,
 *   `probabilistic_match`); else no referral. The same signup again changes nothing.
 * - The run's campaign: a confirmed order (`cashback.confirmed`) while the referral is
 *   `signed_up` qualifies it; the referee's reward (`REFEREE_REWARD_MINOR`) is asked of the
 *   rule's budgets first, then the referrer's (`REFERRER_REWARD_MINOR`), each granted the
 *   least any of its budgets has left: a lifetime `user` budget of `USER_BUDGET_MINOR`, keyed
 *   to the party (the referrer's counts every referral of theirs), and the campaign's
 *   lifetime budget of `CAMPAIGN_BUDGET_MINOR`, which both parties of every referral draw
 *   on. Once it is spent, a reward is cut to what is left, then refused. What is granted is credited
 *   once, confirmed at once (no account-age wait); a party granted nothing gets nothing, and
 *   the referral ends `rewarded` all the same.
 * - Disputes of a first-party qualifying event (`deposit.completed`), each processed once however
 *   often it is delivered: a partial refund takes `floor(credited × refund ÷ original)` of each
 *   party's reward (the campaign is `proportional`), never more than is left, the refund that
 *   completes the deposit all that is left (`reversed`); a chargeback takes everything still
 *   held from both parties and the referral is `reversed`; a refund while it is open takes its
 *   share out of what the chargeback took (final); resolved for the member (`user_won`) it
 *   gives back what the chargeback still holds and the referral is `rewarded` again (not when
 *   the deposit was refunded in whole); lost (`user_lost`), nothing changes. Every take gives
 *   its budgets back and a restore draws on them again (nothing else draws between the two
 *   here).
 * - A typed code that is the referee's own is refused (`self_referral`); the token and the
 *   fingerprint are then weighed as if no code had been typed.
 * - The simulation lets each referral settle before the next step, so the budgets are asked in
 *   the run's order and every amount is predicted exactly.
 */

export const REFERRER_REWARD_MINOR = 1_000;
export const REFEREE_REWARD_MINOR = 500;
export const USER_BUDGET_MINOR = 1_500;
/**
 * The campaign's lifetime budget over both parties' rewards in a short run: one referral (₹15)
 * fits, the second one's referee gets ₹3 of its ₹5 and its referrer nothing.
 */
export const CAMPAIGN_BUDGET_MINOR = 1_800;

/**
 * The campaign's budget for a run of at most `referees` new referees: ₹5 a referee past the
 * short runs', less than a referral asks (₹5 + up to ₹10, less what reversals give back), so a
 * long run spends it late: its last referrals are cut or refused, the earlier ones paid in full.
 */
export function campaignBudgetFor(referees: number): number {
  return referees <= 4 ? CAMPAIGN_BUDGET_MINOR : referees * 500;
}

/** What follows a first-party qualifying event, each a new event naming it. */
export type OracleDispute = "refund" | "chargeback" | "won" | "lost";

/** A share link the referee opened on their device: its referrer and when (ms). */
export interface OracleClick {
  referrer: string;
  atMs: number;
}

/** What a signup carries, as the simulation sent it. */
export interface OracleSignup {
  atMs: number;
  /** The member whose code was typed (perhaps the referee's own); null: none. */
  codeOf: string | null;
  /** The opened link (index into `clicks`) whose token was handed back; null: none. */
  token: number | null;
  /** The signup carried the device (IP and user agent) the clicks were made from. */
  device: boolean;
  clicks: OracleClick[];
}

export interface OracleAttribution {
  referrer: string;
  method: "code" | "token" | "probabilistic";
  reason: string;
  /** The click named (index into the signup's clicks); null: none. */
  click: number | null;
}

export type Party = "referee" | "referrer";

interface Referral extends OracleAttribution {
  referee: string;
  state: "signed_up" | "rewarded" | "reversed";
  /** Per party: what was credited, and what it still holds. */
  credited: Record<Party, number>;
  held: Record<Party, number>;
  /** What the latest chargeback took of each party (a won resolution gives it back). */
  chargebackTook: Record<Party, number> | null;
  /** What the disputes' refunds took off the qualifying deposit so far. */
  refundedMinor: number;
}

const PROBABILISTIC_WINDOW_MS = 2 * 3_600_000;

/** Pure: who referred a signup, and how (null: nobody). */
export function attribute(signup: OracleSignup, referee = ""): OracleAttribution | null {
  const tokenClick = signup.token === null ? null : signup.clicks[signup.token];
  if (signup.codeOf !== null && signup.codeOf !== referee) {
    const named = tokenClick?.referrer === signup.codeOf ? signup.token : null;
    return { referrer: signup.codeOf, method: "code", reason: "code_at_signup", click: named };
  }
  if (tokenClick && signup.token !== null)
    return {
      referrer: tokenClick.referrer,
      method: "token",
      reason: "web_signup_token",
      click: signup.token,
    };
  if (!signup.device) return null;
  const inWindow = signup.clicks
    .map((c, i) => ({ ...c, i }))
    .filter((c) => c.atMs <= signup.atMs && c.atMs >= signup.atMs - PROBABILISTIC_WINDOW_MS)
    .sort((a, b) => a.atMs - b.atMs || a.i - b.i);
  const first = inWindow[0];
  if (!first) return null;
  return {
    referrer: first.referrer,
    method: "probabilistic",
    reason: "probabilistic_match",
    click: first.i,
  };
}

export class ReferralOracle {
  private readonly referrals = new Map<string, Referral>();
  /** Referees whose first signup attributed nobody. */
  private readonly unreferred = new Set<string>();
  /** What each budget pays now, by key (see budgetKeys). */
  private readonly budgets = new Map<string, number>();
  /** Rewards the budgets cut or refused; whether the campaign's budget was ever used up. */
  cut = 0;
  campaignSpent = false;
  /** Rewards cut or refused, by the budget that had the least left (the per-member one first). */
  cutBy = { user: 0, campaign: 0 };
  /** Disputes applied, by kind (each once). */
  disputes: Record<OracleDispute, number> = { refund: 0, chargeback: 0, won: 0, lost: 0 };

  constructor(readonly campaignBudgetMinor = CAMPAIGN_BUDGET_MINOR) {}

  /** The referee's first signup; later ones change nothing. Returns the attribution. */
  signedUp(referee: string, signup: OracleSignup): OracleAttribution | null {
    const known = this.referrals.get(referee);
    if (known || this.unreferred.has(referee)) return known ?? null;
    const decided = attribute(signup, referee);
    if (!decided) {
      this.unreferred.add(referee);
      return null;
    }
    this.referrals.set(referee, {
      ...decided,
      referee,
      state: "signed_up",
      credited: { referee: 0, referrer: 0 },
      held: { referee: 0, referrer: 0 },
      chargebackTook: null,
      refundedMinor: 0,
    });
    return decided;
  }

  /** The referee had an order confirmed after signing up: the referral qualifies, once. */
  orderConfirmed(referee: string): void {
    const referral = this.referrals.get(referee);
    if (referral?.state !== "signed_up") return;
    referral.state = "rewarded";
    // The referee's reward asks its budgets first, then the referrer's (one sync, in order).
    for (const [party, ask] of [
      ["referee", REFEREE_REWARD_MINOR],
      ["referrer", REFERRER_REWARD_MINOR],
    ] as const) {
      const keys = this.budgetKeys(referral, party);
      const left = keys.map((k) => Math.max(0, k.limit - this.paid(k.key)));
      const grant = Math.min(ask, ...left);
      for (const k of keys) this.budgets.set(k.key, this.paid(k.key) + grant);
      if (grant < ask) {
        this.cut++;
        this.cutBy[left[0] === grant ? "user" : "campaign"]++;
      }
      if (this.campaignPaid() >= this.campaignBudgetMinor) this.campaignSpent = true;
      referral.credited[party] = grant;
      referral.held[party] = grant;
    }
  }

  /**
   * The network's updates of the referee's qualifying order (`saleMinor` at approval), in the
   * order delivered after the referral settled: `partial` (the sale lowered to `percent` %,
   * newer than the approval), `cancel` (newer still), `approved` (the approval again).
   */
  orderUpdated(
    referee: string,
    saleMinor: number,
    updates: ReadonlyArray<"partial" | "cancel" | "approved">,
    percent: number,
  ): void {
    const referral = this.referrals.get(referee);
    if (!referral || referral.state === "signed_up") return;
    const standing = { approved: [2, 0], partial: [2, 1], cancel: [3, 2] } as const;
    let holds: readonly [number, number] = standing.approved;
    let refundedMinor = 0;
    for (const update of updates) {
      const next = standing[update];
      if (next[0] < holds[0] || (next[0] === holds[0] && next[1] <= holds[1])) continue;
      holds = next;
      const toMinor = update === "cancel" ? 0 : Math.floor((saleMinor * percent) / 100);
      const refundMinor = saleMinor - refundedMinor - toMinor;
      if (refundMinor <= 0) continue;
      const whole = refundedMinor + refundMinor >= saleMinor;
      refundedMinor += refundMinor;
      for (const party of ["referee", "referrer"] as const) {
        const left = referral.held[party];
        const share = Math.floor((referral.credited[party] * refundMinor) / saleMinor);
        const take = whole ? left : Math.min(share, left);
        referral.held[party] -= take;
        for (const k of this.budgetKeys(referral, party))
          this.budgets.set(k.key, this.paid(k.key) - take);
      }
      if (whole) referral.state = "reversed";
    }
  }

  /**
   * One dispute of the referee's first-party qualifying event (`saleMinor`), in the order
   * processed; a duplicate delivery is not one. `percent`: what a partial refund lowers it to.
   */
  disputed(referee: string, saleMinor: number, dispute: OracleDispute, percent: number): void {
    const referral = this.referrals.get(referee);
    if (!referral || referral.state === "signed_up") return;
    this.disputes[dispute]++;
    if (dispute === "lost") return;
    if (dispute === "won") {
      const took = referral.chargebackTook;
      if (!took) return;
      referral.chargebackTook = null;
      // A deposit refunded in whole stays reversed (nothing is left to give back).
      if (referral.refundedMinor < saleMinor) referral.state = "rewarded";
      for (const party of ["referee", "referrer"] as const) this.give(referral, party, took[party]);
      return;
    }
    const refundMinor = saleMinor - Math.floor((saleMinor * percent) / 100);
    // The refund that completes the deposit takes all that is left.
    const whole = dispute === "refund" && referral.refundedMinor + refundMinor >= saleMinor;
    if (dispute === "refund") referral.refundedMinor += refundMinor;
    const share = (party: Party, left: number) =>
      whole
        ? left
        : Math.min(Math.floor((referral.credited[party] * refundMinor) / saleMinor), left);
    const open = referral.chargebackTook;
    if (dispute === "refund" && open) {
      // A refund while the chargeback is open is final (as for event rewards, docs/rules.md
      // "Rollback"): its share moves out of what the chargeback took, so a won dispute gives
      // back only the rest.
      for (const party of ["referee", "referrer"] as const)
        open[party] -= share(party, open[party]);
      return;
    }
    const took = { referee: 0, referrer: 0 };
    for (const party of ["referee", "referrer"] as const) {
      const left = referral.held[party];
      took[party] = dispute === "chargeback" ? left : share(party, left);
      this.give(referral, party, -took[party]);
    }
    if (whole) referral.state = "reversed";
    if (dispute === "chargeback") {
      referral.chargebackTook = took;
      referral.state = "reversed";
    }
  }

  /** `minor` back to the party (negative: taken), its budgets holding what it holds. */
  private give(referral: Referral, party: Party, minor: number): void {
    referral.held[party] += minor;
    for (const k of this.budgetKeys(referral, party))
      this.budgets.set(k.key, this.paid(k.key) + minor);
  }

  /** The budgets a party's reward draws on, with their limits. */
  private budgetKeys(referral: Referral, party: Party): Array<{ key: string; limit: number }> {
    const member = party === "referee" ? referral.referee : referral.referrer;
    return [
      { key: `user:${member}`, limit: USER_BUDGET_MINOR },
      { key: "campaign", limit: this.campaignBudgetMinor },
    ];
  }

  /** What the campaign's budget pays now. */
  campaignPaid(): number {
    return this.paid("campaign");
  }

  private paid(key: string): number {
    return this.budgets.get(key) ?? 0;
  }

  /** What the `user` budget of `member` pays now. */
  userBudgetPaid(member: string): number {
    return this.paid(`user:${member}`);
  }

  referralOf(referee: string): Readonly<Referral> | null {
    return this.referrals.get(referee) ?? null;
  }

  /** The referral's id and state for each referee of `referrer`, by id. */
  listOf(referrer: string): Array<{ referralId: string; state: string }> {
    return [...this.referrals.values()]
      .filter((r) => r.referrer === referrer)
      .map((r) => ({ referralId: `ref_${r.referee}`, state: r.state }))
      .sort((a, b) => (a.referralId < b.referralId ? -1 : 1));
  }

  /** What `member` holds from referrals as `party`, summed. */
  heldMinor(member: string, party: Party): number {
    let minor = 0;
    for (const r of this.referrals.values()) {
      if ((party === "referee" ? r.referee : r.referrer) === member) minor += r.held[party];
    }
    return minor;
  }

  /** `balances` with the user's referral rewards added to confirmed. */
  withRewards(user: string, balances: Record<string, number>): Record<string, number> {
    const minor = this.heldMinor(user, "referee") + this.heldMinor(user, "referrer");
    if (minor === 0) return balances;
    return { ...balances, confirmed: (balances.confirmed ?? 0) + minor };
  }

  referees(): string[] {
    return [...this.referrals.keys()];
  }
}
