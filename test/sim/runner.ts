import {
  abortAllDurableObjects,
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { InjectedFault, installFaultInjector } from "#durable-objects/shared/faults";
import { userDb } from "#shared/db/router";
import { signPostback } from "#shared/postback/signature";
import apiWorker from "#workers/api/src/index";
import postbackWorker from "#workers/postback/src/index";
import { NETWORK_SECRET, seedCatalog } from "../helpers";
import { DUE_RUN_CHANCE, runWalletDue } from "./due-run";
import {
  type BoostAction,
  boostSchedule,
  type FaultPoint,
  generate,
  referralScale,
  type SimAction,
  type SimNetwork,
  type Workload,
} from "./generator";
import {
  checkWallet,
  newCursor,
  type WalletCursor,
  walletFingerprint,
  walletState,
} from "./invariants";
import {
  BOOST_BUDGET_MINOR,
  BOOST_RATE_BPS,
  type BoostsRun,
  boostStep,
  settleBoosts,
  setupCampaignBoosts,
} from "./kinds/campaign-boosts";
import { eventRollbackStep, type RollbackStats } from "./kinds/event-rollbacks";
import { type EventsRun, eventStep, settleEvents, setupEvents } from "./kinds/events";
import { clickOn, postbackInFormat, setupFormatNetworks } from "./kinds/network-formats";
import {
  processorFaultStep,
  redeemStep,
  settledMoney,
  settlePayouts,
  setupPayouts,
  webhooksStep,
} from "./kinds/payouts";
import { pointsRedeemStep, settlePoints, setupPoints } from "./kinds/points";
import {
  type PointsLifeRun,
  pointsLifeStep,
  settlePointsLifecycle,
  setupPointsLifecycle,
} from "./kinds/points-lifecycle";
import { type PointsLifeAction, pointsLifeSchedule } from "./kinds/points-lifecycle-plan";
import {
  noReferralStats,
  type ReferralOrder,
  type ReferralsRun,
  referralStep,
  settleReferrals,
  setupReferrals,
} from "./kinds/referrals";
import { abortWallet, outboxRows, SIM_ABORT_REASON, walletContext } from "./object-abort";
import { BoostOracle } from "./oracle/boost-oracle";
import { EventsOracle } from "./oracle/events-oracle";
import { MoneyOracle } from "./oracle/money-oracle";
import { PayoutOracle } from "./oracle/payout-oracle";
import { PointsLotsOracle } from "./oracle/points-lots-oracle";
import { PointsOracle } from "./oracle/points-oracle";
import { Prng } from "./oracle/prng";
import { campaignBudgetFor, ReferralOracle } from "./oracle/referral-oracle";

/**
 * The deterministic simulation (docs/testing.md): runs the generated actions through the real
 * redirect and postback workers, keeps what they enqueue in its own pool, and delivers it to
 * the api worker's real queue consumers in an order, with duplicates and faults, that the seed
 * decides. After every step the wallets it touched are checked (invariants.ts); at the end
 * every wallet must equal the oracle.
 */

const CURRENCY = "INR";
const TERMS = { defaultRateBps: 500, categoryRates: { electronics: 750 } };
const CLICKS_QUEUE = "boomerang-clicks";
const POSTBACKS_QUEUE = "boomerang-postbacks";
/** Every this many checks of one wallet, a full one (every entry, audit()); see invariants.ts. */
const FULL_CHECK_EVERY = 16;
/** How long the end waits for the D1 projection to catch up with the wallets. */
const PROJECTION_WAIT_MS = 120_000;

export interface SimOptions {
  seed: number;
  events: number;
  faults: boolean;
  /** "all" (the default): every workload kind; "money-core": generic-format postbacks only. */
  workload?: Workload;
  /** Called every `progressEvery` actions with a line to print (large runs). */
  progress?: (line: string) => void;
  progressEvery?: number;
  /**
   * How far the network's clock runs ahead of ours (ms). 0 (the default): every update time is
   * in the past. > 0 is the case of BUG-SIM-1 (docs/testing.md, fixed): update times after
   * receipt were capped to the receipt time, and a replayed older state could win.
   */
  networkClockAheadMs?: number;
  /**
   * Keep the product's log lines out of the test runner's console (at 100,000 events they are
   * tens of MB through vitest's console capture); the last ones are printed with a failure.
   */
  quiet?: boolean;
  /** Debugging: prints every delivery of a message whose body mentions this text. */
  trace?: string;
}

export interface SimResult {
  seed: number;
  events: number;
  users: number;
  orders: number;
  deliveries: number;
  retries: number;
  replays: number;
  faultsFired: number;
  /** Of `faultsFired`, per fault point: each point the run arms must show here. */
  faultsByPoint: Record<string, number>;
  /** `wallet.after_write` faults whose wallet's outbox still held the write's rows (delivered later). */
  strandedOutboxes: number;
  invariantsChecked: number;
  /** Checks that re-read every entry and ran the product's audit() (the rest are incremental). */
  fullChecks: number;
  /**
   * Crashes: every Durable Object aborted (a consumer's fault point, or between steps), or one
   * wallet aborted by its own `ctx.abort()` at a wallet fault point, mid-operation.
   */
  crashes: number;
  /** Of `crashes`, the ones that aborted a single wallet mid-operation. */
  objectAborts: number;
  /** Wallet due runs (`runDue`, the alarm's work) driven between steps; each changed no money. */
  dueRuns: number;
  /** Ledger-events batches failed after writing (retried by the platform's queue). */
  backgroundFaults: number;
  /** Postbacks sent per network wire format. */
  postbacksByFormat: Record<string, number>;
  /** Cash redemptions asked, refused, replayed; processor faults switched on. */
  payouts: { redemptions: number; refused: number; replayed: number; processorFaults: number };
  /** Points redemptions asked, refused, replayed; points expired at the end. */
  points: { redemptions: number; refused: number; replayed: number; expired: number };
  /**
   * The points lifecycle (kinds/points-lifecycle.ts): purchases earning pending points, their
   * confirmations and refunds (those into points debt), vouchers bought, refused, found the
   * pool empty or replayed, and mid-run expiries with the points they expired.
   */
  pointsLifecycle: PointsLifeRun["stats"] | null;
  /**
   * First-party events sent new, sent again, sent as another body under a used id; boosts a
   * budget cut short or refused; whether the campaign's budget was used up.
   */
  firstPartyEvents: {
    sent: number;
    resent: number;
    conflicts: number;
    boostsCut: number;
    /** New events whose first send met a fault in the wallet's commit (503, sent again). */
    faulted: number;
    campaignBudgetReached: boolean;
    /** Refunds, chargebacks, their resolutions (won, lost), and ones sent again. */
    rollbacks: RollbackStats;
  };
  /**
   * Referees signed up, signups sent again, referrals rewarded at the end; share links opened,
   * referrals by attribution method, referrer rewards the budgets cut or refused.
   */
  referrals: ReferralsRun["stats"];
  /**
   * Campaign boosts through the campaign API: orders placed, their later updates, crashes
   * while a budget request was in flight, boosts the budget cut short or refused, whether the
   * budget was used up.
   */
  campaignBoosts: BoostsRun["stats"];
  elapsedMs: number;
}

interface Queued {
  id: string;
  queue: typeof CLICKS_QUEUE | typeof POSTBACKS_QUEUE;
  body: unknown;
  attempts: number;
  user: string;
}

let runs = 0;

export class SimFailure extends Error {}

const LOG_TAIL = 40;

export async function runSimulation(options: SimOptions): Promise<SimResult> {
  // simulate() times the api worker's background queue deliveries by wrapping its handler.
  const ownQueue = apiWorker.queue;
  try {
    return await runLogged(options);
  } finally {
    (apiWorker as { queue: typeof ownQueue }).queue = ownQueue;
    installFaultInjector(null);
  }
}

async function runLogged(options: SimOptions): Promise<SimResult> {
  if (!options.quiet) return simulate(options, []);
  const saved = {
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
    debug: console.debug,
  };
  const tail: string[] = [];
  const keep = (...args: unknown[]) => {
    tail.push(args.map(String).join(" "));
    if (tail.length > LOG_TAIL * 2) tail.splice(0, tail.length - LOG_TAIL);
  };
  Object.assign(console, { log: keep, info: keep, warn: keep, error: keep, debug: keep });
  try {
    return await simulate(options, tail);
  } catch (error) {
    if (error instanceof SimFailure) {
      error.message += `\nlast log lines:\n${tail.slice(-LOG_TAIL).join("\n")}`;
    }
    throw error;
  } finally {
    Object.assign(console, saved);
  }
}

async function simulate(options: SimOptions, _logTail: string[]): Promise<SimResult> {
  const started = Date.now();
  runs++;
  const runTag = `s${options.seed}r${runs}`;
  const actions = generate({
    seed: options.seed,
    events: options.events,
    runTag,
    faults: options.faults,
    workload: options.workload ?? "all",
  });
  // Campaign-boost steps follow some actions, from a stream of their own (generator.ts).
  const boostSteps = boostSchedule({
    seed: options.seed,
    events: options.events,
    runTag,
    faults: options.faults,
    workload: options.workload ?? "all",
  });
  const rng = new Prng(options.seed).fork(2);
  const oracle = new MoneyOracle(TERMS, CURRENCY);
  const payoutOracle = new PayoutOracle();
  const payouts = await setupPayouts();
  const pointsOracle = new PointsOracle();
  const points = await setupPoints(runTag);
  // The lifecycle's steps follow some actions, from a stream of their own (like the boosts).
  const lifeSteps = pointsLifeSchedule({
    seed: options.seed,
    events: options.events,
    runTag,
    workload: options.workload ?? "all",
  });
  const lifeOracle = new PointsLotsOracle();
  const life = (options.workload ?? "all") === "all" ? await setupPointsLifecycle(runTag) : null;
  const eventsOracle = new EventsOracle();
  // The money-core workload sends no events: its runs skip the type and the rules.
  const events = (options.workload ?? "all") === "all" ? await setupEvents(runTag) : null;
  const referralsOf = referralScale(options.events);
  const referralOracle = new ReferralOracle(campaignBudgetFor(referralsOf.referees));
  const referrals =
    (options.workload ?? "all") === "all"
      ? await setupReferrals(runTag, referralsOf.referrers, referralOracle.campaignBudgetMinor)
      : null;
  const boostOracle = new BoostOracle(BOOST_RATE_BPS, BOOST_BUDGET_MINOR);
  const boosts = (options.workload ?? "all") === "all" ? await setupCampaignBoosts(runTag) : null;
  const catalog = await seedCatalog({
    networkId: `sim-net-${runTag}`,
    merchantId: `sim-shop-${runTag}`,
    offerId: `sim-offer-${runTag}`,
    defaultRateBps: TERMS.defaultRateBps,
    categoryRates: TERMS.categoryRates,
  });
  const formats = await setupFormatNetworks(
    runTag,
    TERMS,
    CURRENCY,
    actions.length,
    catalog.offerId,
  );
  // Update times: 1 ms apart, all in the past (unless the network's clock runs ahead).
  const runBaseMs = Date.now() - actions.length - 60_000 + (options.networkClockAheadMs ?? 0);

  const queued: Queued[] = [];
  const acked: Queued[] = [];
  let nextId = 0;
  const enqueue = (queue: Queued["queue"], user: string) => ({
    send: async (body: unknown) => {
      queued.push({ id: `m${nextId++}`, queue, body, attempts: 1, user });
    },
    sendBatch: async (messages: Array<{ body: unknown }>) => {
      for (const m of messages)
        queued.push({ id: `m${nextId++}`, queue, body: m.body, attempts: 1, user });
    },
  });

  const clicks: Array<{ subId: string; atMs: number; network: SimNetwork }> = [];
  const users = new Set<string>();
  const stats = {
    deliveries: 0,
    retries: 0,
    replays: 0,
    faultsFired: 0,
    faultsByPoint: {} as Record<string, number>,
    strandedOutboxes: 0,
    invariantsChecked: 0,
    fullChecks: 0,
    crashes: 0,
    objectAborts: 0,
    dueRuns: 0,
    backgroundFaults: 0,
    postbacksByFormat: {} as Record<string, number>,
  };
  let step = 0;
  let action: SimAction | BoostAction | PointsLifeAction | { kind: "drain" } = { kind: "drain" };

  // One injector for the run: the point a fault step armed fails once; and (with faults) the
  // ledger-events consumer, which the platform's queue runs in the background, loses about three
  // batches in ten after writing its projections (the queue retries it; the end compares D1 with the
  // wallets). Background timing is the runtime's, so that part is not replayed exactly.
  let armed: {
    point: FaultPoint | null;
    fired: boolean;
    abort?: DurableObjectState;
    /** A wallet point fires only in this wallet (its object id), not in a background commit. */
    wallet?: string;
  } = {
    point: null,
    fired: false,
  };
  const bgRng = new Prng(options.seed).fork(3);
  // Its own fork, so driving due runs leaves every other seeded choice as it was.
  const dueRng = new Prng(options.seed).fork(4);
  installFaultInjector((at, scope) => {
    if (
      armed.point !== null &&
      !armed.fired &&
      at === armed.point &&
      (armed.wallet === undefined || scope === armed.wallet)
    ) {
      armed.fired = true;
      // A crash at a wallet's own point: that object alone dies here, mid-operation.
      if (armed.abort) armed.abort.abort(SIM_ABORT_REASON);
      throw new InjectedFault(at);
    }
    if (options.faults && at === "ledger_events.after_write" && bgRng.chance(0.3)) {
      stats.backgroundFaults++;
      throw new InjectedFault(at);
    }
  });
  const fail = (invariant: string, detail: string): never => {
    throw new SimFailure(
      `SIM FAIL seed=${options.seed} events=${options.events} step=${step} invariant=${invariant} event=${JSON.stringify(action)}\n${detail}`,
    );
  };

  const timing: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      timing[name] = (timing[name] ?? 0) + performance.now() - t0;
    }
  };
  // The platform's own queue deliveries (ledger events, notices …) run beside the simulation
  // in the same runtime: timed too, so a progress line shows whether they pile up.
  const ownQueue = apiWorker.queue;
  const patched = apiWorker as { queue: typeof ownQueue };
  patched.queue = async function (this: unknown, batch, e, c) {
    const name = (batch as { queue: string }).queue;
    if (name === CLICKS_QUEUE || name === POSTBACKS_QUEUE) return ownQueue.call(this, batch, e, c);
    return timed(`bg:${name}`, () => ownQueue.call(this, batch, e, c) as Promise<void>);
  } as typeof ownQueue;
  const check = (touched: Iterable<string>) => timed("check", () => checkAll(touched));
  const cursors = new Map<string, WalletCursor>();
  const checkAll = async (touched: Iterable<string>, forceFull = false) => {
    for (const user of new Set(touched)) {
      const cursor = cursors.get(user) ?? newCursor();
      const full = forceFull || (cursor.checks + 1) % FULL_CHECK_EVERY === 0;
      if (full) stats.fullChecks++;
      const result = await checkWallet(user, cursor, full);
      cursors.set(user, result.cursor);
      stats.invariantsChecked += result.checked;
      if (result.violations.length > 0) {
        const first = result.violations[0] ?? "";
        fail(first.split(":")[0] ?? "?", `user=${user}\n${result.violations.join("\n")}`);
      }
    }
  };

  /** Delivers `items` as one batch; returns the ids acked. Retried ones go back to the pool. */
  const deliver = (items: Queued[]) => timed("deliver", () => deliverNow(items));
  const deliverNow = async (items: Queued[]): Promise<Set<string>> => {
    const first = items[0];
    if (!first) return new Set();
    stats.deliveries++;
    const batch = createMessageBatch(
      first.queue,
      items.map((i) => ({ id: i.id, timestamp: new Date(), attempts: i.attempts, body: i.body })),
    );
    const ctx = createExecutionContext();
    let threw = false;
    try {
      await apiWorker.queue(batch as never, env, ctx);
    } catch {
      threw = true;
    }
    const result = await getQueueResult(batch, ctx);
    const retried = new Set(result.retryMessages.map((m: { msgId: string }) => m.msgId));
    const ok = new Set<string>();
    for (const item of items) {
      if (options.trace && JSON.stringify(item.body).includes(options.trace)) {
        const txn = await walletState(item.user);
        (options.progress ?? console.log)(
          `trace step=${step} ${item.id} attempts=${item.attempts} ${threw || result.retryBatch.retry || retried.has(item.id) ? "retry" : "ack"} body=${JSON.stringify((item.body as { rawBody?: string }).rawBody ?? item.body)} txns=${JSON.stringify(state_of(txn, options.trace))}`,
        );
      }
      if (threw || result.retryBatch.retry || retried.has(item.id)) {
        stats.retries++;
        queued.push({ ...item, attempts: item.attempts + 1 });
      } else {
        ok.add(item.id);
        acked.push(item);
      }
    }
    return ok;
  };

  const takeRandom = (filter?: (q: Queued) => boolean): Queued | null => {
    const candidates = filter ? queued.filter(filter) : queued;
    if (candidates.length === 0) return null;
    const item = candidates[rng.int(0, candidates.length - 1)];
    if (!item) return null;
    queued.splice(queued.indexOf(item), 1);
    return item;
  };

  const fingerprint = (user: string) => timed("fingerprint", () => walletFingerprint(user));

  /** A postback in the generic format: signed JSON (docs/postbacks.md). */
  const genericPostback = async (
    next: Extract<SimAction, { kind: "postback" }>,
    click: { subId: string; atMs: number } | undefined,
    workerEnv: unknown,
  ): Promise<Response> => {
    const fields: Record<string, unknown> = {
      order_id: next.orderId,
      sub_id: click?.subId,
      status: next.state.status,
      currency: CURRENCY,
      sale_amount_minor: next.state.saleMinor,
      commission_minor: Math.floor(next.state.saleMinor * 0.08),
      occurred_at: new Date((click?.atMs ?? 0) + 1_000).toISOString(),
      updated_at: new Date(runBaseMs + next.state.updatedAtOffsetMs).toISOString(),
    };
    if (next.state.category !== null) fields.category = next.state.category;
    const rawBody = JSON.stringify(fields);
    const ts = Math.floor(Date.now() / 1000);
    const ctx = createExecutionContext();
    return postbackWorker.fetch(
      new Request(`https://postback.test/postback/${catalog.networkId}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "boomerang-signature": await signPostback(NETWORK_SECRET, catalog.networkId, rawBody, ts),
        },
        body: rawBody,
      }) as Request<unknown, IncomingRequestCfProperties>,
      workerEnv as never,
      ctx,
    );
  };

  /**
   * One message handed to the api's consumer at once, outside the run's pool (so every other
   * message is delivered as it would be without referrals), until it is acked.
   */
  let outside = 0;
  const deliverAtOnce = async (queue: Queued["queue"], body: unknown) => {
    const id = `out${outside++}`;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 5) fail("referral_message_delivered", `${queue} ${id} never acked`);
      const batch = createMessageBatch(queue, [
        { id: `${id}-${attempt}`, timestamp: new Date(), attempts: attempt, body },
      ]);
      const ctx = createExecutionContext();
      const threw = await apiWorker.queue(batch as never, env, ctx).then(
        () => false,
        () => true,
      );
      const result = await getQueueResult(batch, ctx);
      if (!threw && !result.retryBatch.retry && result.retryMessages.length === 0) return;
    }
  };

  /**
   * A referee's order, outside the run's pool: a generic click and an approved postback through
   * their workers, each delivered at once to the api's consumer; later updates of the order go
   * the same way (`updateReferralOrder`). The money oracle is told as for any order.
   */
  let referralOrders = 0;
  const capturing = () => {
    const sent: Array<{ queue: Queued["queue"]; body: unknown }> = [];
    const capture = (queue: Queued["queue"]) => ({
      send: async (body: unknown) => void sent.push({ queue, body }),
      sendBatch: async (messages: Array<{ body: unknown }>) =>
        void sent.push(...messages.map((m) => ({ queue, body: m.body }))),
    });
    const deliverAll = async () => {
      for (const m of sent.splice(0)) await deliverAtOnce(m.queue, m.body);
    };
    return { capture, deliverAll };
  };
  /** The network's update times of a referee's order: approval, partial refund, cancellation. */
  const UPDATE_OFFSET = { approved: 0, partial: 1, cancel: 2 } as const;
  const sendReferralOrderState = async (
    order: ReferralOrder,
    update: keyof typeof UPDATE_OFFSET,
  ) => {
    const { capture, deliverAll } = capturing();
    const state = {
      status: update === "cancel" ? ("cancelled" as const) : ("approved" as const),
      saleMinor:
        update === "partial"
          ? Math.floor((order.saleMinor * order.partialPercent) / 100)
          : order.saleMinor,
      category: null,
      updatedAtOffsetMs: actions.length + 10 * order.n + UPDATE_OFFSET[update],
    };
    const response = await genericPostback(
      { kind: "postback", user: order.user, click: -1, orderId: order.orderId, state },
      { subId: order.subId, atMs: order.clickedAtMs },
      { ...env, POSTBACKS: capture(POSTBACKS_QUEUE) },
    );
    if (response.status >= 300)
      fail("postback_accepted", `status ${response.status} ${await response.text()}`);
    await deliverAll();
    oracle.report(order.user, order.orderId, {
      status: state.status,
      saleMinor: state.saleMinor,
      category: null,
      updatedAtMs: state.updatedAtOffsetMs,
    });
  };
  const placeReferralOrder = async (
    user: string,
    saleMinor: number,
    partialPercent: number,
  ): Promise<ReferralOrder> => {
    const { capture, deliverAll } = capturing();
    const { status, subId } = await clickOn(formats, "generic", user, {
      ...env,
      CLICKS: capture(CLICKS_QUEUE),
    });
    if (status !== 302 || !subId) fail("click_redirects", `status ${status}`);
    await deliverAll();
    const n = referralOrders++;
    const order: ReferralOrder = {
      user,
      orderId: `SIM-${runTag}-RO${n}`,
      subId: subId ?? "",
      clickedAtMs: Date.now(),
      n,
      saleMinor,
      partialPercent,
    };
    await sendReferralOrderState(order, "approved");
    return order;
  };
  const boostPorts = {
    deliverAtOnce,
    report: (
      user: string,
      orderId: string,
      state: {
        status: "pending" | "approved" | "cancelled";
        saleMinor: number;
        updatedAtMs: number;
      },
    ) => oracle.report(user, orderId, { ...state, category: null }),
    crash: async () => {
      stats.crashes++;
      await timed("crash", () => abortAllDurableObjects());
    },
    faultInWallet,
  };
  const referralPorts = {
    placeOrder: placeReferralOrder,
    updateOrder: sendReferralOrderState,
    deliverAtOnce,
    crash: async () => {
      stats.crashes++;
      await timed("crash", () => abortAllDurableObjects());
    },
  };

  /**
   * An event step's start: draws what a replay, whose place the event took, would have drawn
   * (generator.ts), counts the user, and names the run's events (a workload without them is a
   * generator bug).
   */
  const eventSlot = (user: string, what: string): EventsRun => {
    if (acked.length > 0) rng.int(0, acked.length - 1);
    users.add(user);
    oracle.user(user);
    if (!events) fail("generator_order", `${what} in a workload without events`);
    return events as EventsRun;
  };

  for (const next of actions) {
    step++;
    action = next;
    const stepStarted = performance.now();
    switch (next.kind) {
      case "click": {
        users.add(next.user);
        oracle.user(next.user);
        const clicksEnv = { ...env, CLICKS: enqueue(CLICKS_QUEUE, next.user) };
        const { status, subId } = await clickOn(formats, next.network, next.user, clicksEnv);
        if (status !== 302 || !subId) fail("click_redirects", `status ${status}`);
        clicks[next.click] = { subId: subId ?? "", atMs: Date.now(), network: next.network };
        break;
      }
      case "postback": {
        const click = clicks[next.click];
        if (!click) fail("generator_order", `click ${next.click} not made yet`);
        const postbacksEnv = { ...env, POSTBACKS: enqueue(POSTBACKS_QUEUE, next.user) };
        const response =
          click && click.network !== "generic"
            ? await postbackInFormat(
                formats,
                click.network,
                {
                  orderId: next.orderId,
                  subId: click.subId,
                  occurredAtMs: click.atMs + 1_000,
                  currency: CURRENCY,
                },
                next.state,
                postbacksEnv,
              )
            : await genericPostback(next, click, postbacksEnv);
        if (response.status >= 300)
          fail("postback_accepted", `status ${response.status} ${await response.text()}`);
        const network = click?.network ?? "generic";
        stats.postbacksByFormat[network] = (stats.postbacksByFormat[network] ?? 0) + 1;
        pointsOracle.order(next.user, next.orderId, next.state.status, next.state.saleMinor);
        oracle.report(next.user, next.orderId, {
          status: next.state.status,
          saleMinor: next.state.saleMinor,
          category: next.state.category,
          updatedAtMs: next.state.updatedAtOffsetMs,
        });
        break;
      }
      case "deliver": {
        const firstItem = takeRandom();
        if (!firstItem) break;
        const items = [firstItem];
        while (items.length < next.max) {
          const more = takeRandom((q) => q.queue === firstItem.queue);
          if (!more) break;
          items.push(more);
        }
        // A duplicate inside one batch, now and then (the platform may deliver one twice).
        if (rng.chance(0.1)) items.push({ ...firstItem, id: `${firstItem.id}d` });
        await deliver(items);
        await check(items.map((i) => i.user));
        break;
      }
      case "replay": {
        if (acked.length === 0) break;
        const item = acked[rng.int(0, acked.length - 1)];
        if (!item) break;
        stats.replays++;
        const before = await fingerprint(item.user);
        await deliver([{ ...item, id: `${item.id}r${step}`, attempts: item.attempts + 1 }]);
        const after = await fingerprint(item.user);
        if (after !== before)
          fail("replay_changed_nothing", `user=${item.user}\nbefore=${before}\nafter=${after}`);
        await check([item.user]);
        break;
      }
      case "fault": {
        const item = takeRandom(
          next.point === "postbacks.after_wallet" || next.point === "wallet.after_write"
            ? (q) => q.queue === POSTBACKS_QUEUE
            : next.point === "clicks.after_wallet"
              ? (q) => q.queue === CLICKS_QUEUE
              : undefined,
        );
        if (!item) break;
        await faultStep(next.point, item, next.crash);
        break;
      }
      case "crash": {
        stats.crashes++;
        await timed("crash", () => abortAllDurableObjects());
        break;
      }
      case "redeem":
        users.add(next.user);
        oracle.user(next.user);
        await redeemStep(payouts, payoutOracle, next, { fingerprint, fail }).then(() =>
          check([next.user]),
        );
        break;
      case "processor_fault":
        await processorFaultStep(payouts, next.fault);
        break;
      case "webhooks":
        await check(await webhooksStep(payouts));
        break;
      case "points_redeem":
        users.add(next.user);
        oracle.user(next.user);
        await pointsRedeemStep(points, pointsOracle, next, { fail }).then(() => check([next.user]));
        break;
      case "event":
        await eventStep(eventSlot(next.user, "an event"), eventsOracle, next, {
          fail,
          fingerprint,
          faultInWallet,
        }).then(() => check([next.user]));
        break;
      case "event_rollback":
        await eventRollbackStep(
          eventSlot(next.user, "a refund or chargeback"),
          eventsOracle,
          next,
          {
            fail,
            fingerprint,
          },
        ).then(() => check([next.user]));
        break;
      case "referral":
        // What a replay, whose place the referral took, would have drawn (generator.ts).
        if (acked.length > 0) rng.int(0, acked.length - 1);
        if (!referrals) fail("generator_order", "a referral in a workload without referrals");
        for (const user of [
          next.referee,
          ...(referrals as ReferralsRun).referrers.map((r) => r.id),
        ]) {
          users.add(user);
          oracle.user(user);
        }
        await referralStep(referrals as ReferralsRun, referralOracle, next, referralPorts, {
          fail,
          fingerprint,
        }).then((touched) => check(touched)); // the referee and their referrer, of many
        break;
    }
    timing[`all_${next.kind}`] =
      (timing[`all_${next.kind}`] ?? 0) + performance.now() - stepStarted;
    const boost = boostSteps[step - 1];
    if (boost && boosts) {
      action = boost;
      await timed("all_boost", () =>
        boostStep(boosts, boostOracle, boost, boostPorts, { fail }).then(() => check([boost.user])),
      );
    }
    const lifeStep = lifeSteps[step - 1];
    if (lifeStep && life) {
      action = lifeStep;
      await timed("all_points_life", () =>
        pointsLifeStep(life, lifeOracle, lifeStep, { fail }).then(() => check([lifeStep.user])),
      );
    }
    if (users.size > 0 && dueRng.chance(DUE_RUN_CHANCE)) {
      const user = [...users][dueRng.int(0, users.size - 1)] as string;
      await timed("due", () => dueRun(user));
    }
    if (options.progress && options.progressEvery && step % options.progressEvery === 0) {
      const secs = (Date.now() - started) / 1000;
      options.progress(
        `sim seed=${options.seed} step=${step}/${actions.length} ${(step / secs).toFixed(1)} events/s queued=${queued.length} invariants=${stats.invariantsChecked} ms=${JSON.stringify(Object.fromEntries(Object.entries(timing).map(([k, v]) => [k, Math.round(v)])))}`,
      );
      for (const k of Object.keys(timing)) timing[k] = 0;
    }
  }

  /**
   * A fault armed at a point of one wallet while `send` runs (the events and boost paths);
   * with `crash`, that wallet alone is aborted there (its `ctx.abort()`). Whether it fired.
   */
  async function faultInWallet(
    point: string,
    user: string,
    send: () => Promise<unknown>,
    crash = false,
  ) {
    armed = {
      point: point as FaultPoint,
      fired: false,
      wallet: env.WALLET.idFromName(user).toString(),
      ...(crash ? { abort: await walletContext(user) } : {}),
    };
    try {
      await send();
    } finally {
      armed.point = null;
    }
    if (armed.fired) {
      fired(point);
      if (crash) {
        stats.crashes++;
        stats.objectAborts++;
      }
    }
    return armed.fired;
  }

  function fired(point: string) {
    stats.faultsFired++;
    stats.faultsByPoint[point] = (stats.faultsByPoint[point] ?? 0) + 1;
  }

  /** The wallet's alarm work as of now: nothing money-bearing is due, so money must not move. */
  async function dueRun(user: string) {
    // A payout of this user still moving on the runtime's queue could change the wallet between
    // the two readings; the due run waits for a quiet wallet.
    if (!(await settledMoney(payouts, user))) return;
    stats.dueRuns++;
    const before = await fingerprint(user);
    const run = await runWalletDue(user, Date.now());
    const after = await fingerprint(user);
    if (run.confirmed !== 0 || after !== before) {
      fail(
        "due_run_changed_no_money",
        `user=${user} confirmed=${run.confirmed}\nbefore=${before}\nafter=${after}`,
      );
    }
    await check([user]);
  }

  async function faultStep(point: FaultPoint, item: Queued, crash: boolean) {
    if (!(await settledMoney(payouts, item.user))) {
      // A payout of this user is still moving on the runtime's own queue: a fault here could
      // not tell the step's change from the dispatch's. Delivered plainly instead.
      await deliver([item]);
      await check([item.user]);
      return;
    }
    const before = await fingerprint(item.user);
    // A crash at a wallet's point aborts that wallet there (ctx.abort()); at a consumer's point,
    // which runs outside any object, every object is aborted after it. At the wallet's
    // afterWrite the write is committed: the wallet is aborted once the failed call returned
    // (its write durable by then), so what dies is the publish, not the write.
    const afterWrite = point === "wallet.after_write";
    const abortOne = crash && point.startsWith("wallet.") && !afterWrite;
    armed = {
      point,
      fired: false,
      ...(point.startsWith("wallet.")
        ? { wallet: env.WALLET.idFromName(item.user).toString() }
        : {}),
      ...(abortOne ? { abort: await walletContext(item.user) } : {}),
    };
    let ok: Set<string>;
    try {
      ok = await deliver([item]);
    } finally {
      armed.point = null;
    }
    if (!armed.fired) {
      await check([item.user]);
      return;
    }
    fired(point);
    if (afterWrite && crash) {
      stats.crashes++;
      stats.objectAborts++;
      await abortWallet(item.user);
    } else if (abortOne) {
      stats.crashes++;
      stats.objectAborts++;
    } else if (crash) {
      // The process died at the fault point: every object's memory goes; storage stays.
      stats.crashes++;
      await timed("crash", () => abortAllDurableObjects());
    }
    if (ok.has(item.id)) fail("faulted_message_retried", `${point} fired but ${item.id} was acked`);
    const afterFault = await fingerprint(item.user);
    // Lost whole: a throw inside the transaction rolls it back, and an object aborted at either
    // wallet point loses what it wrote since its last confirmed write (the runtime confirms
    // writes when the event's output gate opens, which an abort prevents).
    if ((point === "wallet.commit.before_close" || abortOne) && afterFault !== before) {
      fail("failed_op_changed_nothing", `user=${item.user}\nbefore=${before}\nafter=${afterFault}`);
    }
    await check([item.user]);
    if (point === "wallet.commit.before_close") return;
    if (afterWrite && (await outboxRows(item.user)) > 0) stats.strandedOutboxes++;
    const retry = queued.findIndex((q) => q.id === item.id);
    const again = queued[retry];
    if (!again) return;
    queued.splice(retry, 1);
    const acked = await deliver([again]);
    const afterRedelivery = await fingerprint(item.user);
    if (!abortOne) {
      // The answer was lost after the write: the redelivery that follows must change nothing.
      if (afterRedelivery !== afterFault) {
        fail(
          "replay_changed_nothing",
          `${point}: redelivery changed user=${item.user}\nbefore=${afterFault}\nafter=${afterRedelivery}`,
        );
      }
    } else if (acked.has(again.id)) {
      // The write died with the object: the redelivery applied it; once more changes nothing.
      await deliver([{ ...again, id: `${again.id}x`, attempts: again.attempts + 1 }]);
      const afterSecond = await fingerprint(item.user);
      if (afterSecond !== afterRedelivery) {
        fail(
          "replay_changed_nothing",
          `${point} (object aborted): second redelivery changed user=${item.user}\nbefore=${afterRedelivery}\nafter=${afterSecond}`,
        );
      }
    }
    // The publish that died is delivered by the retry: nothing is left in the outbox. (A
    // redelivery that met the aborted object on its way down is retried until acked.)
    let redelivered = acked.has(again.id);
    for (let n = 0; afterWrite && !redelivered && n < 10; n++) {
      const retried = queued.findIndex((q) => q.id === again.id);
      const next = queued[retried];
      if (!next) break;
      queued.splice(retried, 1);
      // Under load the aborted object can take a while to go: give it time before retrying.
      if (n > 0) await new Promise((r) => setTimeout(r, 200 * n));
      redelivered = (await deliver([next])).has(next.id);
    }
    // The acked redelivery's flush may still be sending (a loaded machine): wait up to 10 s.
    let left = afterWrite ? await outboxRows(item.user) : 0;
    for (const deadline = Date.now() + 10_000; left > 0 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 200));
      left = await outboxRows(item.user);
    }
    if (left > 0)
      fail(
        "outbox_delivered",
        `${point}: user=${item.user} outbox holds ${left} rows (redelivery acked: ${redelivered})`,
      );
    await check([item.user]);
  }

  // Drain: everything still queued is delivered (retried postbacks wait for their clicks).
  action = { kind: "drain" };
  for (let rounds = 0; queued.length > 0; rounds++) {
    if (rounds > 20 * (actions.length + 10))
      fail("drains", `${queued.length} messages never settle`);
    const firstItem = takeRandom();
    if (!firstItem) break;
    const items = [firstItem];
    while (items.length < 8) {
      const more = takeRandom((q) => q.queue === firstItem.queue);
      if (!more) break;
      items.push(more);
    }
    await deliver(items);
    await check(items.map((i) => i.user));
    step++;
  }

  stats.invariantsChecked += await settlePayouts(payoutOracle, { fail });
  stats.invariantsChecked += await settlePoints(points, pointsOracle, { fail });
  if (life) {
    stats.invariantsChecked += await settlePointsLifecycle(life, lifeOracle, { fail });
    // Joining the end's checks only now, as the boosts' users do.
    for (const user of life.users) users.add(user);
  }
  if (events)
    stats.invariantsChecked += await settleEvents(events, eventsOracle, { fail, fingerprint });
  if (referrals)
    stats.invariantsChecked += await settleReferrals(referrals, referralOracle, {
      fail,
      fingerprint,
    });
  if (boosts) {
    stats.invariantsChecked += await settleBoosts(boosts, boostOracle, { fail });
    // Their users join the end's checks only now, so the due runs between steps picked the
    // same users as without them.
    for (const order of boostOracle.all()) users.add(order.user);
  }
  // The end state equals the oracle; every wallet gets a full check (audit() included).
  await timed("check", () => checkAll(users, true));
  const expected = oracle.expectedOrders();
  const expectedBalances = oracle.expectedBalances();
  for (const user of users) {
    const state = await walletState(user);
    const got: Record<string, number> = {};
    for (const b of state.buckets) {
      if (b.currency === CURRENCY) got[b.bucket] = b.balance_minor;
    }
    const orders = new Map(state.orders.map((o) => [o.order_id, o]));
    for (const order of expected.filter((o) => o.userId === user)) {
      stats.invariantsChecked++;
      const have = orders.get(order.orderId);
      const same =
        have !== undefined &&
        have.status === order.status &&
        (order.status === "cancelled" || have.cashback_minor === order.cashbackMinor);
      if (!same) {
        fail(
          "oracle_orders",
          `user=${user} order=${order.orderId} wallet=${JSON.stringify(have ?? null)} oracle=${JSON.stringify(order)}\nreported states: ${JSON.stringify(oracle.reported(order.orderId))}`,
        );
      }
    }
    const want = payoutOracle.settle(
      user,
      boostOracle.withBoosts(
        user,
        referralOracle.withRewards(
          user,
          eventsOracle.withCashback(
            user,
            pointsOracle.withCashback(user, expectedBalances.get(user) ?? {}),
          ),
        ),
      ),
    );
    stats.invariantsChecked++;
    if (JSON.stringify(sorted(got)) !== JSON.stringify(sorted(want))) {
      fail(
        "oracle_balances",
        `user=${user} wallet=${JSON.stringify(sorted(got))} oracle=${JSON.stringify(sorted(want))}`,
      );
    }
    stats.invariantsChecked++;
    if (state.orders.length !== expected.filter((o) => o.userId === user).length) {
      fail(
        "oracle_orders",
        `user=${user} wallet has ${state.orders.length} orders, oracle ${expected.filter((o) => o.userId === user).length}`,
      );
    }
  }

  // The D1 projection (wallet_balances, fed by the ledger-events queue the wallets publish to,
  // through their outboxes, crashes or not) comes to equal every wallet. The platform's queue
  // and alarms deliver it in the background, so it is polled, within a bound.
  await timed("projection", async () => {
    const deadline = Date.now() + PROJECTION_WAIT_MS;
    let pending = [...users];
    let last = "";
    while (pending.length > 0) {
      const still: string[] = [];
      for (const user of pending) {
        const wallet = sorted(
          Object.fromEntries(
            (await walletState(user)).buckets.map((b) => [
              `${b.bucket}/${b.currency}`,
              b.balance_minor,
            ]),
          ),
        );
        const { results } = await userDb(env, user)
          .prepare(`SELECT bucket, currency, balance_minor FROM wallet_balances WHERE user_id = ?`)
          .bind(user)
          .all<{ bucket: string; currency: string; balance_minor: number }>();
        const projected = sorted(
          Object.fromEntries(results.map((b) => [`${b.bucket}/${b.currency}`, b.balance_minor])),
        );
        if (JSON.stringify(wallet) !== JSON.stringify(projected)) {
          still.push(user);
          last = `user=${user} wallet=${JSON.stringify(wallet)} d1=${JSON.stringify(projected)}`;
        }
      }
      stats.invariantsChecked += pending.length - still.length;
      pending = still;
      if (pending.length === 0) break;
      if (Date.now() > deadline) {
        fail("projection_equals_wallet", `${pending.length} wallet(s) never projected; ${last}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  });

  return {
    seed: options.seed,
    events: actions.length,
    users: users.size,
    orders: expected.length,
    ...stats,
    payouts: payouts.stats,
    points: points.stats,
    pointsLifecycle: life?.stats ?? null,
    firstPartyEvents: {
      ...(events?.stats ?? {
        sent: 0,
        resent: 0,
        conflicts: 0,
        boostsCut: 0,
        faulted: 0,
        grantCrashes: 0,
        grantThrows: 0,
        rollbacks: { refunds: 0, chargebacks: 0, won: 0, lost: 0, resent: 0 },
      }),
      campaignBudgetReached: eventsOracle.limitReached(),
    },
    referrals: referrals?.stats ?? noReferralStats(),
    campaignBoosts: boosts?.stats ?? {
      orders: 0,
      updates: 0,
      crashes: 0,
      driven: 0,
      budgetCrashes: 0,
      budgetThrows: 0,
      cut: 0,
      budgetSpent: false,
    },
    elapsedMs: Date.now() - started,
  };
}

function state_of(state: { orders: Array<{ order_id: string }> }, trace: string) {
  return state.orders.filter((o) => o.order_id.includes(trace));
}

function sorted(record: Record<string, number>): Array<[string, number]> {
  return Object.entries(record)
    .filter(([, v]) => v !== 0)
    .sort(([a], [b]) => (a < b ? -1 : 1));
}
