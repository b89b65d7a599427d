import type { OracleStatus } from "./oracle/money-oracle";
import { minimumMinor, SIM_DESTINATIONS, type SimDestination } from "./oracle/payout-oracle";
import { POINTS_MIN_REDEEM, POINTS_ORDER_MIN_MINOR } from "./oracle/points-oracle";
import { Prng } from "./oracle/prng";

/**
 * The simulation's workload, from a seed alone: users click an offer, the network reports
 * orders on those clicks and then changes them (approvals, partial refunds, cancellations),
 * re-sends postbacks it already sent, and the delivery layer is told when to deliver, replay
 * or fail. The same seed and length give the same list, value for value.
 */

export type FaultPoint =
  /** Inside the wallet's commit(), before its transaction closes: the write must roll back. */
  | "wallet.commit.before_close"
  /** After the wallet's transaction committed, before its RPC answers: the answer is lost. */
  | "wallet.commit.after"
  /** In the postbacks consumer, after the wallet answered: the ack is lost, redelivery follows. */
  | "postbacks.after_wallet"
  /** In the clicks consumer, after the wallet stored the clicks: the ack is lost. */
  | "clicks.after_wallet"
  /**
   * At the start of the wallet's `afterWrite` (a postback's conversion committed): the publish
   * (syncs, outbox, alarm) dies; with `crash` the wallet is then aborted, its write durable.
   * Not in FAULT_POINTS: it takes some `fault` steps' place from a stream of its own.
   */
  | "wallet.after_write";

export const FAULT_POINTS: readonly FaultPoint[] = [
  "wallet.commit.before_close",
  "wallet.commit.after",
  "postbacks.after_wallet",
  "clicks.after_wallet",
];

export interface PostbackState {
  status: OracleStatus;
  saleMinor: number;
  category: string | null;
  /** The network's update time, in ms after the run's start. */
  updatedAtOffsetMs: number;
}

/** The network a click goes through, by its postback wire format (docs/networks.md). */
export const SIM_NETWORKS = ["generic", "admitad", "impact", "cj", "template"] as const;

export type SimNetwork = (typeof SIM_NETWORKS)[number];

/**
 * What a run's workload holds: the money core alone (generic-format postbacks; the runs before
 * the other kinds existed, e.g. the one that found BUG-SIM-1, replay exactly), or every kind.
 */
export type Workload = "money-core" | "all";

export type SimAction =
  | { kind: "click"; user: string; click: number; network: SimNetwork }
  | { kind: "postback"; user: string; click: number; orderId: string; state: PostbackState }
  /** Deliver up to `max` messages, picked at random from what is queued. */
  | { kind: "deliver"; max: number }
  /** Deliver again a message already acked (the platform's at-least-once delivery). */
  | { kind: "replay" }
  /**
   * Deliver one queued message with a fault armed at `point`; with `crash`, every Durable
   * Object is then aborted (`abortAllDurableObjects()`): the process died at that point and
   * everything held in memory is gone.
   */
  | { kind: "fault"; point: FaultPoint; crash: boolean }
  /** Every Durable Object aborted between two steps (alarms, outboxes and caches mid-flight). */
  | { kind: "crash" }
  /**
   * A cash redemption through the user API to a destination of this kind (its outcome at the
   * sandbox processor is the destination's); with `replay`, sent again with the same key.
   */
  | {
      kind: "redeem";
      user: string;
      destination: SimDestination;
      amountMinor: number;
      key: string;
      replay: boolean;
    }
  /** The sandbox payout processor misbehaves from now on (docs/sandbox.md). */
  | { kind: "processor_fault"; fault: ProcessorFault }
  /** The processor sends every webhook it holds (and applies every move due). */
  | { kind: "webhooks" }
  /**
   * Loyalty points redeemed for cashback through the member API; with `replay`, sent again
   * with the same key. (The points come from a large approved order, a `postback` before it.)
   */
  | { kind: "points_redeem"; user: string; points: number; key: string; replay: boolean }
  /**
   * A first-party event through the events worker (docs/events.md): a new one, the same one
   * again (`resend`: the same body under its id), or another body under a used id (`conflict`).
   */
  | {
      kind: "event";
      user: string;
      eventId: string;
      score: number;
      amountMinor: number;
      mode: "new" | "resend" | "conflict";
      /**
       * A new event's first send meets a fault in its wallet's commit (runs with faults): the
       * intake answers 503 and the backend sends it again. `wallet.grant.after_budget`: the
       * wallet aborts between its budgets' answer and the grant's record (only an event the
       * boost rule rewards asks a budget; another is sent once, unharmed).
       */
      fault?: "wallet.commit.before_close" | "wallet.commit.after" | "wallet.grant.after_budget";
      /**
       * A new event's grant sync throws between its budgets' answer and the grant's record,
       * the wallet alive (`wallet.grant.after_budget`, not a crash): the event is accepted, the
       * grant postponed 30 s, and the wallet's due run driven 31 s ahead must post it, once.
       */
      grantThrow?: true;
    }
  /**
   * A referral (docs/referrals.md): `new`, the referee opens the plan's share links and signs
   * up through the event intake with what the plan carries (a code, a token, the device), the
   * same signup is sent again, the referee gets an order approved through the redirect and
   * postback workers (its confirmed cashback qualifies the referral), and the network then
   * updates it as the plan says (refunds); `resend`, an earlier referee's signup sent again.
   */
  | {
      kind: "referral";
      referee: string;
      saleMinor: number;
      mode: "new" | "resend";
      /** How a new referee came and signs up (from the referrals' own plan stream). */
      plan?: ReferralPlan;
    }
  /**
   * A refund or chargeback of an earlier first-party event (docs/events.md): `refund` (all or
   * part of its amount), `chargeback`, or `resolve` (the open chargeback decided), each under an
   * id of its own; with `resend`, an earlier one sent again.
   */
  | EventRollbackAction;

export interface EventRollbackAction {
  kind: "event_rollback";
  user: string;
  eventId: string;
  originalEventId: string;
  rollback:
    | { type: "refund.completed"; amountMinor: number }
    | { type: "chargeback.created" }
    | { type: "chargeback.resolved"; outcome: "user_won" | "user_lost" };
  mode: "new" | "resend";
}

/**
 * A run's referral workload: at most `referees` new referees, referred by `referrers` members
 * (by index; their codes and share links). Runs up to 1,000 events keep 4 referees and 2
 * referrers; longer runs get one referee per 200 events and a referrer per 3 referees, so the
 * referrers' counts vary (some refer once, within their per-referrer budget; some three or more
 * times, past it).
 */
export function referralScale(events: number): { referees: number; referrers: number } {
  const referees = Math.max(4, Math.floor(events / 200));
  return { referees, referrers: referees <= 4 ? 2 : Math.ceil(referees / 3) };
}

/**
 * A new referee's way in (docs/referrals.md "Attribution"): share links opened on their device
 * before the signup, and what the signup carries. Who referred them is the oracle's to decide.
 */
export interface ReferralPlan {
  /** Share links opened on the referee's device (web), by referrer index, in order. */
  clicks: number[];
  /** The code typed at signup, by referrer index, or the referee's own (refused); null: none. */
  code: number | "self" | null;
  /** The opened link (index into `clicks`) whose token the web signup hands back; null: none. */
  token: number | null;
  /** The signup carries the device's IP address and user agent (the fingerprint). */
  device: boolean;
  /** Each referral click's queue message delivered twice. */
  clickTwice: boolean;
  /** Every object aborted while the qualification and the rewards are in flight (faults). */
  crash: boolean;
  /**
   * What the network sends about the referee's order once its referral has settled, in the
   * order delivered: a partial refund (the sale lowered to `partialPercent` %), a cancellation,
   * the approval again (older); duplicates and a cancellation overtaking the partial refund
   * included.
   */
  updates: ReferralOrderUpdate[];
  partialPercent: number;
  /**
   * The qualifying event: the network's approved order (`order`), or a first-party
   * `deposit.completed` of the sale's amount (`deposit`), which `disputes` then follow.
   */
  qualify: "order" | "deposit";
  /**
   * What follows a deposit's reward, in order, each a first-party event naming the deposit: a
   * partial refund (`refund`, to `partialPercent` %), a chargeback, its resolution won or lost.
   */
  disputes: ReferralDispute[];
  /** Each dispute event sent twice (the second a duplicate). */
  disputesTwice: boolean;
  /** After the first signup, a second one (a new event) with another referrer's code. */
  signupAgain: boolean;
}

export type ReferralDispute = "refund" | "chargeback" | "won" | "lost";

export type ReferralOrderUpdate = "partial" | "cancel" | "approved";

export type ProcessorFault = "down" | "lost_response" | "duplicate_webhooks" | "shuffle_webhooks";

const PROCESSOR_FAULTS: readonly ProcessorFault[] = [
  "down",
  "lost_response",
  "duplicate_webhooks",
  "shuffle_webhooks",
];

/** The share of first-party event slots a refund or chargeback takes. */
const ROLLBACK_SHARE = 0.45;
/** Of the new events armed at the grant point, the share that throws there instead of crashing. */
const GRANT_THROW_SHARE = 0.4;

/** Users of the campaign-boost kind, and the boosted orders a run places at most. */
export const SIM_BOOST_USERS = 3;
const MAX_BOOST_ORDERS = 8;
/** The chance that a campaign-boost step follows a generated action. */
const BOOST_STEP_CHANCE = 1 / 25;

/** Redemptions per user and run: the step-up policy allows a few codes an hour. */
const REDEMPTIONS_PER_USER = 3;

export interface GeneratorOptions {
  seed: number;
  events: number;
  /** A tag in every user and order id, so runs in one storage never share a wallet. */
  runTag: string;
  faults: boolean;
  workload?: Workload;
}

const CATEGORIES: readonly (string | null)[] = [null, null, "electronics", "books"];

interface OpenOrder {
  user: string;
  click: number;
  orderId: string;
  states: PostbackState[];
}

export function generate(options: GeneratorOptions): SimAction[] {
  const rng = new Prng(options.seed);
  const all = (options.workload ?? "all") === "all";
  // The other kinds draw from their own streams, so the money core's draws are the same with
  // them or without them.
  const networkRng = new Prng(options.seed).fork(7);
  const payoutRng = new Prng(options.seed).fork(11);
  const redemptions = new Map<string, number>();
  let redeemed = 0;
  const scheduled: Array<{ at: number; action: SimAction }> = [];
  const pointsRng = new Prng(options.seed).fork(13);
  let pointsRedeemed = 0;
  const eventsRng = new Prng(options.seed).fork(17);
  // Users of their own: the events' cashback is then the only money in their wallets, and a
  // few of them reach their own budgets within a short run.
  const eventUsers = Array.from({ length: 3 }, (_, i) => `sim-${options.runTag}-e${i}`);
  const events: Array<Extract<SimAction, { kind: "event" }>> = [];
  const actions: SimAction[] = [];
  const nextEvent = (): Extract<SimAction, { kind: "event" }> => {
    const earlier = events.length > 0 ? eventsRng.pick(events) : null;
    const r = eventsRng.next();
    if (earlier && r < 0.3) return { ...earlier, mode: "resend" };
    if (earlier && r < 0.45)
      return { ...earlier, score: (earlier.score + 1) % 101, mode: "conflict" };
    const event = {
      kind: "event" as const,
      user: eventsRng.pick(eventUsers),
      eventId: `sim-${options.runTag}-ev${events.length}`,
      score: eventsRng.int(0, 100),
      amountMinor: eventsRng.int(1_000, 50_000),
      mode: "new" as const,
    };
    events.push(event);
    return event;
  };
  // Refunds and chargebacks take the place of some events, drawn from their own stream after
  // the event's draws, so the events' stream (and with it every later kind's place) is as it
  // was without them.
  const rollbackRng = new Prng(options.seed).fork(23);
  const rollbacks: EventRollbackAction[] = [];
  const rolled = new Map<string, { refundedMinor: number; chargebackOpen: boolean }>();
  const nextRollback = (
    originals: ReadonlyArray<Extract<SimAction, { kind: "event" }>>,
  ): EventRollbackAction | null => {
    if (rollbacks.length > 0 && rollbackRng.chance(0.25))
      return { ...rollbackRng.pick(rollbacks), mode: "resend" };
    if (originals.length === 0) return null;
    // A dispute is followed up more often than a new one is opened, so runs see resolutions.
    const disputed = originals.filter((e) => rolled.get(e.eventId)?.chargebackOpen);
    const original = rollbackRng.pick(
      disputed.length > 0 && rollbackRng.chance(0.6) ? disputed : originals,
    );
    const state = rolled.get(original.eventId) ?? { refundedMinor: 0, chargebackOpen: false };
    rolled.set(original.eventId, state);
    const left = original.amountMinor - state.refundedMinor;
    let rollback: EventRollbackAction["rollback"];
    // A refund may come while a chargeback is open (the merchant refunds during the dispute).
    const refund = left > 0 && rollbackRng.chance(state.chargebackOpen ? 0.35 : 0.6);
    if (state.chargebackOpen && !refund) {
      state.chargebackOpen = false;
      rollback = {
        type: "chargeback.resolved",
        outcome: rollbackRng.chance(0.5) ? "user_won" : "user_lost",
      };
    } else if (refund) {
      const amountMinor = rollbackRng.chance(0.3) ? left : rollbackRng.int(1, left);
      state.refundedMinor += amountMinor;
      rollback = { type: "refund.completed", amountMinor };
    } else {
      state.chargebackOpen = true;
      rollback = { type: "chargeback.created" };
    }
    const action: EventRollbackAction = {
      kind: "event_rollback",
      user: original.user,
      eventId: `sim-${options.runTag}-rb${rollbacks.length}`,
      originalEventId: original.eventId,
      rollback,
      mode: "new",
    };
    rollbacks.push(action);
    return action;
  };
  // Faults in the events path: a stream of their own, drawn for every event slot of a run
  // with faults, so nothing else moves.
  const eventFaultRng = new Prng(options.seed).fork(29);
  // The grant point's thrown variant takes some of its crashes' place, from its own stream.
  const grantThrowRng = new Prng(options.seed).fork(109);
  const withFault = (event: Extract<SimAction, { kind: "event" }>): SimAction => {
    if (!options.faults) return event;
    const fault = eventFaultRng.chance(0.35);
    const point = eventFaultRng.chance(0.5) ? "wallet.commit.before_close" : "wallet.commit.after";
    if (fault && event.mode === "new") return { ...event, fault: point };
    // Every other new event: a crash between the budgets' answer and the grant's record (it
    // fires only where a budget is asked, an event the boost rule rewards).
    if (event.mode === "new")
      return grantThrowRng.chance(GRANT_THROW_SHARE)
        ? { ...event, grantThrow: true }
        : { ...event, fault: "wallet.grant.after_budget" };
    return event;
  };
  const nextFirstPartyEvent = (): SimAction => {
    const event = nextEvent();
    if (!rollbackRng.chance(ROLLBACK_SHARE)) return withFault(event);
    // The originals exclude a new event drawn for this slot: it is not sent.
    const originals = event.mode === "new" ? events.slice(0, -1) : events;
    const rollback = nextRollback(originals);
    if (!rollback) return withFault(event);
    if (event.mode === "new") events.pop();
    return rollback;
  };
  const referralRng = new Prng(options.seed).fork(19);
  // What a new referee does (links, signup evidence, refunds) comes from a stream of its own,
  // so the referral steps' places (drawn from referralRng, as before) stay where they were.
  const referralPlanRng = new Prng(options.seed).fork(23);
  const referees: string[] = [];
  const referralsOf = referralScale(options.events);
  const nextReferral = (): Extract<SimAction, { kind: "referral" }> => {
    const saleMinor = referralRng.int(10_000, 100_000);
    if (referees.length >= referralsOf.referees || (referees.length > 0 && referralRng.chance(0.3)))
      return { kind: "referral", referee: referralRng.pick(referees), saleMinor, mode: "resend" };
    const referee = `sim-${options.runTag}-rf${referees.length}`;
    referees.push(referee);
    const plan = referralPlan(referralPlanRng, options.faults, referralsOf.referrers);
    return { kind: "referral", referee, saleMinor, mode: "new", plan };
  };
  const afterWriteRng = new Prng(options.seed).fork(103);
  const userCount = Math.max(3, Math.min(200, Math.ceil(options.events / 25)));
  const users = Array.from({ length: userCount }, (_, i) => `sim-${options.runTag}-u${i}`);
  const clicks: Array<{ user: string }> = [];
  /** Clicks no order was reported on yet (by index into `clicks`). */
  const unordered: number[] = [];
  const open: OpenOrder[] = [];
  const sent: OpenOrder[] = [];
  let orders = 0;
  let clock = 0;
  const tick = () => {
    clock += 1;
    return clock;
  };

  while (actions.length < options.events) {
    const due = scheduled.findIndex((d) => d.at <= actions.length);
    if (due >= 0) {
      actions.push(...scheduled.splice(due, 1).map((d) => d.action));
      continue;
    }
    if (all && clicks.length > 0 && payoutRng.chance(0.1)) {
      const r = payoutRng.next();
      if (r < 0.45) {
        const user = payoutRng.pick(users);
        const destination = payoutRng.pick(SIM_DESTINATIONS);
        const amountMinor = payoutRng.int(minimumMinor(destination), minimumMinor(destination) * 2);
        const replay = payoutRng.chance(0.3);
        const at = unordered.findIndex((c) => clicks[c]?.user === user);
        const clickIdx = unordered[at];
        if ((redemptions.get(user) ?? 0) < REDEMPTIONS_PER_USER && clickIdx !== undefined) {
          // Money to redeem: a large order, approved at once, on one of the user's clicks; the
          // redemption follows a few steps later (its postback may or may not be delivered by then).
          unordered.splice(at, 1);
          const orderId = `SIM-${options.runTag}-O${orders++}`;
          const state: PostbackState = {
            status: "approved",
            saleMinor: payoutRng.int(200_000, 600_000),
            category: null,
            updatedAtOffsetMs: tick(),
          };
          const order = { user, click: clickIdx, orderId, states: [state] };
          open.push(order);
          sent.push(order);
          actions.push({ kind: "postback", user, click: clickIdx, orderId, state });
          redemptions.set(user, (redemptions.get(user) ?? 0) + 1);
          const key = `sim-${options.runTag}-r${redeemed++}`;
          scheduled.push({
            at: actions.length + payoutRng.int(3, 12),
            action: { kind: "redeem", user, destination, amountMinor, key, replay },
          });
        }
      } else if (r < 0.6) {
        actions.push({ kind: "processor_fault", fault: payoutRng.pick(PROCESSOR_FAULTS) });
      } else {
        actions.push({ kind: "webhooks" });
      }
      continue;
    }
    if (all && unordered.length > 0 && pointsRng.chance(0.05)) {
      const at = pointsRng.int(0, unordered.length - 1);
      const clickIdx = unordered[at] ?? 0;
      const user = clicks[clickIdx]?.user ?? "";
      // Points to earn: an order large enough for the program's rule, approved at once and
      // never changed (so no rollback takes points back); not offered to the money core's
      // changes or re-sends.
      unordered.splice(at, 1);
      const orderId = `SIM-${options.runTag}-O${orders++}`;
      const state: PostbackState = {
        status: "approved",
        saleMinor: pointsRng.int(POINTS_ORDER_MIN_MINOR, POINTS_ORDER_MIN_MINOR + 200_000),
        category: null,
        updatedAtOffsetMs: tick(),
      };
      actions.push({ kind: "postback", user, click: clickIdx, orderId, state });
      // One or two redemptions some steps later: the points may not be delivered by then, or
      // the first may have left too few for the second.
      for (let n = pointsRng.int(1, 2); n > 0; n--) {
        scheduled.push({
          at: actions.length + pointsRng.int(4, 20),
          action: {
            kind: "points_redeem",
            user,
            points: pointsRng.int(POINTS_MIN_REDEEM, POINTS_MIN_REDEEM * 10),
            key: `sim-${options.runTag}-p${pointsRedeemed++}`,
            replay: pointsRng.chance(0.3),
          },
        });
      }
      continue;
    }
    const roll = rng.next();
    if (roll < 0.18 || clicks.length === 0) {
      const user = rng.pick(users);
      const network = all ? networkRng.pick(SIM_NETWORKS) : "generic";
      actions.push({ kind: "click", user, click: clicks.length, network });
      unordered.push(clicks.length);
      clicks.push({ user });
    } else if (roll < 0.36 && unordered.length > 0) {
      const at = rng.int(0, unordered.length - 1);
      const clickIdx = unordered[at] ?? 0;
      unordered[at] = unordered[unordered.length - 1] ?? 0;
      unordered.pop();
      const click = clicks[clickIdx];
      if (!click) continue;
      const orderId = `SIM-${options.runTag}-O${orders++}`;
      const state: PostbackState = {
        status: rng.chance(0.1) ? "approved" : "pending",
        saleMinor: rng.int(1_000, 200_000),
        category: rng.pick(CATEGORIES),
        updatedAtOffsetMs: tick(),
      };
      const order = { user: click.user, click: clickIdx, orderId, states: [state] };
      open.push(order);
      sent.push(order);
      actions.push({ kind: "postback", user: click.user, click: clickIdx, orderId, state });
    } else if (roll < 0.56 && open.length > 0) {
      // The network changes an order: a partial refund, an approval or a cancellation.
      const order = rng.pick(open);
      const last = order.states[order.states.length - 1];
      if (!last) continue;
      const r = rng.next();
      let next: PostbackState;
      if (r < 0.35 && last.saleMinor > 10) {
        next = {
          ...last,
          saleMinor: Math.floor((last.saleMinor * rng.int(30, 95)) / 100),
          updatedAtOffsetMs: tick(),
        };
      } else if (r < 0.75 && last.status === "pending") {
        next = { ...last, status: "approved", updatedAtOffsetMs: tick() };
      } else {
        next = { ...last, status: "cancelled", updatedAtOffsetMs: tick() };
      }
      order.states.push(next);
      if (next.status === "cancelled") open.splice(open.indexOf(order), 1);
      actions.push({
        kind: "postback",
        user: order.user,
        click: order.click,
        orderId: order.orderId,
        state: next,
      });
    } else if (roll < 0.62 && sent.length > 0) {
      // The network sends again a state it already sent (any of them: an older one too).
      const order = rng.pick(sent);
      actions.push({
        kind: "postback",
        user: order.user,
        click: order.click,
        orderId: order.orderId,
        state: rng.pick(order.states),
      });
    } else if (roll < 0.67) {
      // A first-party event now and then takes a replay's place: the money core's draws, every
      // other kind's place in the run and what is delivered stay as they were without it (the
      // runner draws for it what a replay would).
      // A referral takes the place of most of the replays left, the same way.
      actions.push(
        all && eventsRng.chance(0.6)
          ? nextFirstPartyEvent()
          : all && referralRng.chance(0.4)
            ? nextReferral()
            : { kind: "replay" },
      );
    } else if (options.faults && roll < 0.75) {
      if (rng.chance(0.1)) actions.push({ kind: "crash" });
      else {
        const point = rng.pick(FAULT_POINTS);
        const crash = rng.chance(0.4);
        // Some steps arm the wallet's afterWrite instead, drawn from a stream of their own.
        const afterWrite = afterWriteRng.chance(0.25);
        actions.push({ kind: "fault", point: afterWrite ? "wallet.after_write" : point, crash });
      }
    } else {
      actions.push({ kind: "deliver", max: rng.int(1, 8) });
    }
  }
  return actions;
}

/**
 * A new referee's plan. The ways in, each meaning one referrer `r` (the other is `o`): a typed
 * code; `r`'s link opened and its token handed back by the web signup; `r`'s link opened and
 * the signup made on that device with nothing else (a fingerprint match); `o`'s link opened
 * and its token handed back, but `r`'s code typed (the code wins); `r`'s link opened and `r`'s
 * code typed (the code names the click); `o`'s link, then `r`'s, opened on the device and `r`'s
 * token handed back (the token beats the fingerprint's first touch).
 */
function referralPlan(rng: Prng, faults: boolean, referrers: number): ReferralPlan {
  const r = rng.int(0, referrers - 1);
  const o = (r + 1) % referrers;
  const way = rng.pick([
    "code",
    "link",
    "device",
    "code_over_link",
    "code_and_link",
    "link_over_device",
  ] as const);
  const plans: Record<typeof way, Pick<ReferralPlan, "clicks" | "code" | "token" | "device">> = {
    code: { clicks: [], code: r, token: null, device: false },
    link: { clicks: [r], code: null, token: 0, device: true },
    device: { clicks: [r], code: null, token: null, device: true },
    code_over_link: { clicks: [o], code: r, token: 0, device: true },
    code_and_link: { clicks: [r], code: r, token: 0, device: true },
    link_over_device: { clicks: [o, r], code: null, token: 1, device: true },
  };
  const clickTwice = rng.chance(0.3);
  const crash = faults && rng.chance(0.3);
  const refund = rng.next();
  const updates: ReferralOrderUpdate[] = [];
  if (refund >= 0.4 && (refund < 0.65 || refund >= 0.8)) updates.push("partial");
  if (refund >= 0.65) updates.push("cancel");
  for (const u of [...updates]) if (rng.chance(0.3)) updates.push(u);
  if (updates.length > 0 && rng.chance(0.3)) updates.push("approved");
  for (let i = updates.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [updates[i], updates[j]] = [
      updates[j] as ReferralOrderUpdate,
      updates[i] as ReferralOrderUpdate,
    ];
  }
  const partialPercent = rng.int(30, 90);
  // Drawn after the rest, so the plans' earlier draws stay where they were.
  const qualify = rng.chance(0.35) ? ("deposit" as const) : ("order" as const);
  const disputes = rng.pick(DISPUTE_PLANS);
  const disputesTwice = rng.chance(0.3);
  const signupAgain = rng.chance(0.2);
  // A referee types their own code (refused) and still comes through `r`'s link (its token
  // attributes, with or without the device). The own code alone, no referral, is in
  // referral-disputes.e2e.test.ts: here it would leave a short run without a referral.
  const self = rng.chance(0.1);
  const ways: Pick<ReferralPlan, "clicks" | "code" | "token" | "device"> = self
    ? { clicks: [r], code: "self", token: 0, device: rng.chance(0.5) }
    : plans[way];
  return {
    ...ways,
    clickTwice,
    crash,
    // A deposit's follow-ups are its disputes; the order's updates are the network's.
    updates: qualify === "order" ? updates : [],
    partialPercent,
    qualify,
    disputes: qualify === "deposit" ? [...disputes] : [],
    disputesTwice,
    signupAgain,
  };
}

/** A deposit's disputes after its referral was rewarded (none now and then). */
const DISPUTE_PLANS: ReadonlyArray<readonly ReferralDispute[]> = [
  [],
  ["chargeback"],
  ["chargeback", "won"],
  ["chargeback", "lost"],
  ["chargeback", "won", "chargeback", "lost"],
  ["refund", "chargeback", "won"],
  // A refund while the chargeback is open stays taken when the dispute is won (BUG-SIM-5).
  ["chargeback", "refund", "won"],
];

/**
 * A campaign boost's order (docs/campaigns.md): `new`, the user clicks the boosted offer through
 * the redirect (the boost is frozen into the click) and the network reports the order
 * `pending` or `approved`; later `approve` (pending → approved), `partial` (the sale lowered to
 * `partialPercent` of what it was) or `cancel`. Each is delivered at once, outside the pool.
 */
export interface BoostAction {
  kind: "boost";
  user: string;
  /** The run's how-manieth boosted order. */
  order: number;
  op: "new" | "approve" | "partial" | "cancel";
  /** A new order's sale and status. */
  saleMinor: number;
  status: "pending" | "approved";
  partialPercent: number;
  /**
   * Runs with faults: every object is aborted right after the postback is delivered. The
   * wallet has asked the budget and recorded its answer by then (its after-commit work runs
   * before the consumer acks), so what the crash tests is that both survive the restart.
   */
  crash: boolean;
  /**
   * Runs with faults: the wallet is aborted (its own `ctx.abort()`) inside its boost sync,
   * after the budget answered and before the answer is recorded (`wallet.boost.after_budget`);
   * the consumer's redelivery must ask again and record the same grant once.
   */
  budgetCrash: boolean;
  /**
   * Runs with faults, on a step without `budgetCrash`: the boost sync throws after the budget
   * answered, the wallet alive (`wallet.boost.after_budget`, not a crash); the request is
   * postponed 30 s and the wallet's due run, driven 31 s ahead, must record the grant once.
   */
  budgetThrow: boolean;
}

/**
 * The campaign-boost steps of a run, by the index of the generated action they follow (most
 * none). They come from a stream of their own and are not actions of `generate()`, so every
 * generated action, and every other kind's place in the run, is what it was without them (as
 * the due runs between steps). The money-core workload has none.
 */
export function boostSchedule(options: GeneratorOptions): Array<BoostAction | null> {
  const out: Array<BoostAction | null> = [];
  if ((options.workload ?? "all") !== "all") return out;
  const rng = new Prng(options.seed).fork(31);
  // Its own stream: the steps and every earlier draw are what they were without it.
  const budgetCrashRng = new Prng(options.seed).fork(107);
  const budgetThrowRng = new Prng(options.seed).fork(113);
  const orders: Array<{ user: string; status: "pending" | "approved" | "cancelled" }> = [];
  for (let i = 0; i < options.events; i++) {
    out.push(null);
    if (!rng.chance(BOOST_STEP_CHANCE)) continue;
    const live = orders.flatMap((o, n) => (o.status === "cancelled" ? [] : [n]));
    const saleMinor = rng.int(20_000, 80_000);
    const status = rng.chance(0.3) ? ("pending" as const) : ("approved" as const);
    const partialPercent = rng.int(30, 90);
    const user = `sim-${options.runTag}-cb${rng.int(0, SIM_BOOST_USERS - 1)}`;
    // Drawn only with faults, so a run without them draws as before crashes existed.
    const crash = options.faults && rng.chance(0.3);
    const budgetCrash = options.faults && budgetCrashRng.chance(0.4);
    const budgetThrow = options.faults && budgetThrowRng.chance(0.5) && !budgetCrash;
    if (orders.length < MAX_BOOST_ORDERS && (live.length === 0 || rng.chance(0.5))) {
      orders.push({ user, status });
      const order = orders.length - 1;
      out[i] = {
        kind: "boost",
        user,
        order,
        op: "new",
        saleMinor,
        status,
        partialPercent,
        crash,
        budgetCrash,
        budgetThrow,
      };
      continue;
    }
    // Every order placed and cancelled: nothing left to change.
    if (live.length === 0) continue;
    const order = rng.pick(live);
    const placed = orders[order] as (typeof orders)[number];
    const op = rng.chance(0.3) ? "cancel" : placed.status === "pending" ? "approve" : "partial";
    if (op === "cancel") placed.status = "cancelled";
    if (op === "approve") placed.status = "approved";
    out[i] = {
      kind: "boost",
      user: placed.user,
      order,
      op,
      saleMinor,
      status,
      partialPercent,
      crash,
      budgetCrash,
      budgetThrow,
    };
  }
  return out;
}
