import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { signPostback } from "#shared/postback/signature";
import postbackWorker from "#workers/postback/src/index";
import { followLink, NETWORK_SECRET, seedCatalog, trackingLinkFor } from "../../helpers";
import { asAdmin } from "../../payout-helpers";
import { runWalletDue } from "../due-run";
import type { BoostAction } from "../generator";
import type { BoostedOrder, BoostOracle } from "../oracle/boost-oracle";

/**
 * Campaign boosts through the campaign API in the simulation (docs/campaigns.md): at the start
 * the run seeds an offer of its own (base cashback 5% of the sale) and boosts it through
 * `PUT /admin/v1/campaigns/{id}` (+8%, under a small budget the run's orders use up). A boosted
 * order's click goes through the redirect worker, which freezes the boost into it; its
 * postbacks go through the postback worker; both are delivered to the api's consumers at once,
 * outside the run's pool, and each step waits until the wallet has asked the budget and
 * recorded its answer, so the budget is asked in the run's order and the oracle predicts every
 * grant. After each step the order's transaction holds its base cashback plus the oracle's
 * grant, and `GET /admin/v1/campaigns/{id}/budget` pays exactly the oracle's grants, never more
 * than the budget.
 */

export const BOOST_BASE_RATE_BPS = 500;
export const BOOST_RATE_BPS = 800;
export const BOOST_BUDGET_MINOR = 5_000;

export interface BoostsRun {
  campaignId: string;
  networkId: string;
  offerId: string;
  /** Each order's click as the redirect made it. */
  clicks: Map<number, { subId: string; clickedAtMs: number }>;
  /** The network's update times: 1 ms apart, in the past. */
  nextUpdateMs: number;
  stats: {
    orders: number;
    updates: number;
    crashes: number;
    /** Steps whose budget answer came only once the wallet's schedule was driven. */
    driven: number;
    /**
     * Steps whose wallet was aborted between the budget's answer and its record
     * (`wallet.boost.after_budget`); the redelivery asked again and recorded it once.
     */
    budgetCrashes: number;
    /**
     * Steps whose boost sync threw between the budget's answer and its record, the wallet
     * alive (`wallet.boost.after_budget`): postponed 30 s, recorded once by the due run driven
     * 31 s ahead.
     */
    budgetThrows: number;
    cut: number;
    budgetSpent: boolean;
  };
}

interface Checks {
  fail: (invariant: string, detail: string) => never;
}

/** What the runner lends a boost step. */
export interface BoostPorts {
  /** One message handed to the api's consumer at once (outside the run's pool) until acked. */
  deliverAtOnce: (
    queue: "boomerang-clicks" | "boomerang-postbacks",
    body: unknown,
  ) => Promise<void>;
  /** The money oracle told of the order's new state (its base cashback). */
  report: (
    user: string,
    orderId: string,
    state: { status: BoostedOrder["status"]; saleMinor: number; updatedAtMs: number },
  ) => void;
  /** Every Durable Object aborted (the process died). */
  crash: () => Promise<void>;
  /**
   * Runs `send` with a fault armed at `point` in the user's wallet, that wallet aborted there
   * with `crash`; whether it fired.
   */
  faultInWallet: (
    point: string,
    user: string,
    send: () => Promise<unknown>,
    crash?: boolean,
  ) => Promise<boolean>;
}

export async function setupCampaignBoosts(runTag: string): Promise<BoostsRun> {
  const catalog = await seedCatalog({
    networkId: `sim-cb-net-${runTag}`,
    merchantId: `sim-cb-shop-${runTag}`,
    offerId: `sim-cb-offer-${runTag}`,
    defaultRateBps: BOOST_BASE_RATE_BPS,
    categoryRates: {},
  });
  const campaignId = `sim-cb-${runTag}`;
  const put = await asAdmin(`/admin/v1/campaigns/${campaignId}`, "PUT", {
    name: "Simulation boost: +8% on the simulation's own offer",
    offerId: catalog.offerId,
    boostRateBps: BOOST_RATE_BPS,
    currency: "INR",
    budgetMinor: BOOST_BUDGET_MINOR,
  });
  if (put.status !== 200) throw new Error(`sim: campaign ${put.status} ${await put.text()}`);
  return {
    campaignId,
    networkId: catalog.networkId,
    offerId: catalog.offerId,
    clicks: new Map(),
    nextUpdateMs: Date.now() - 60_000,
    stats: {
      orders: 0,
      updates: 0,
      crashes: 0,
      driven: 0,
      budgetCrashes: 0,
      budgetThrows: 0,
      cut: 0,
      budgetSpent: false,
    },
  };
}

export function boostOrderId(run: BoostsRun, order: number): string {
  return `SIM-${run.campaignId}-BO${order}`;
}

/** What the api's consumers are sent by a worker, to be delivered at once. */
function capturing(queue: "boomerang-clicks" | "boomerang-postbacks") {
  const sent: unknown[] = [];
  return {
    sent,
    binding: {
      send: async (body: unknown) => void sent.push(body),
      sendBatch: async (messages: Array<{ body: unknown }>) =>
        void sent.push(...messages.map((m) => m.body)),
    },
    queue,
  };
}

/** The user's click on the boosted offer through the redirect worker, delivered at once. */
async function click(run: BoostsRun, user: string, ports: BoostPorts, checks: Checks) {
  const clicks = capturing("boomerang-clicks");
  const link = await trackingLinkFor(user, run.offerId);
  const response = await followLink(link, { ...env, CLICKS: clicks.binding });
  const location = response.headers.get("location") ?? "";
  const subId = location ? new URL(location).searchParams.get("sub") : null;
  if (response.status !== 302 || !subId || clicks.sent.length !== 1)
    checks.fail(
      "click_redirects",
      `${user} on ${run.offerId}: ${response.status} ${location} sent=${clicks.sent.length}`,
    );
  for (const body of clicks.sent) await ports.deliverAtOnce("boomerang-clicks", body);
  return { subId: subId ?? "", clickedAtMs: Date.now() };
}

/** The order's new state through the postback worker (generic format), delivered at once. */
async function postback(
  run: BoostsRun,
  orderId: string,
  on: { subId: string; clickedAtMs: number },
  state: { status: BoostedOrder["status"]; saleMinor: number; updatedAtMs: number },
  ports: BoostPorts,
  checks: Checks,
): Promise<void> {
  const postbacks = capturing("boomerang-postbacks");
  const rawBody = JSON.stringify({
    order_id: orderId,
    sub_id: on.subId,
    status: state.status,
    currency: "INR",
    sale_amount_minor: state.saleMinor,
    commission_minor: Math.floor(state.saleMinor * 0.08),
    occurred_at: new Date(on.clickedAtMs).toISOString(),
    updated_at: new Date(state.updatedAtMs).toISOString(),
  });
  const ts = Math.floor(Date.now() / 1000);
  const response = await postbackWorker.fetch(
    new Request(`https://postback.test/postback/${run.networkId}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "boomerang-signature": await signPostback(NETWORK_SECRET, run.networkId, rawBody, ts),
      },
      body: rawBody,
    }) as Request<unknown, IncomingRequestCfProperties>,
    { ...env, POSTBACKS: postbacks.binding } as never,
    createExecutionContext(),
  );
  if (response.status >= 300)
    checks.fail("postback_accepted", `${orderId}: ${response.status} ${await response.text()}`);
  for (const body of postbacks.sent) await ports.deliverAtOnce("boomerang-postbacks", body);
}

/**
 * One boost step: a new order (the click, then the network's first state) or an update of an
 * earlier one (approved, a partial refund, a cancellation). The step ends once the wallet holds
 * what the oracle says for the order, with no request to the budget still owed, and the budget
 * pays what the oracle says.
 */
export async function boostStep(
  run: BoostsRun,
  oracle: BoostOracle,
  action: BoostAction,
  ports: BoostPorts,
  checks: Checks,
): Promise<void> {
  const orderId = boostOrderId(run, action.order);
  let on = run.clicks.get(action.order);
  const before = oracle.orderOf(orderId);
  let status: BoostedOrder["status"];
  let saleMinor: number;
  if (action.op === "new") {
    if (on || before) checks.fail("generator_order", `${orderId} placed twice`);
    on = await click(run, action.user, ports, checks);
    run.clicks.set(action.order, on);
    status = action.status;
    saleMinor = action.saleMinor;
    run.stats.orders++;
  } else {
    if (!on || !before) return checks.fail("generator_order", `${orderId} not placed yet`);
    status =
      action.op === "cancel" ? "cancelled" : action.op === "approve" ? "approved" : before.status;
    saleMinor =
      action.op === "partial"
        ? Math.floor((before.saleMinor * action.partialPercent) / 100)
        : before.saleMinor;
    run.stats.updates++;
  }
  const state = { status, saleMinor, updatedAtMs: run.nextUpdateMs++ };
  const send = () => postback(run, orderId, on, state, ports, checks);
  // The wallet dies after the budget answered, before it recorded the answer: the budget holds
  // the grant, the wallet does not. The consumer's redelivery (deliverAtOnce retries) must ask
  // the same request again and record the grant once (the checks below: the order holds the
  // oracle's grant, the budget pays exactly the oracle's grants). A step that owes the budget
  // no request (an approval: the desire is unchanged) never reaches the point.
  if (action.budgetCrash) {
    if (await ports.faultInWallet("wallet.boost.after_budget", action.user, send, true))
      run.stats.budgetCrashes++;
  } else if (action.budgetThrow) {
    // The sync throws there with the wallet alive: the postback is answered, the request is
    // postponed 30 s. Only the wallet's due run driven past that wait retries it (as of that
    // time); the checks below then show the grant recorded once, the budget paying it once.
    if (await ports.faultInWallet("wallet.boost.after_budget", action.user, send)) {
      run.stats.budgetThrows++;
      await runWalletDue(action.user, Date.now() + 31_000);
    }
  } else await send();
  // The process dies after the delivery: the grant and the budget must survive the restart
  // (were a request still owed, the settling below drives the wallet's schedule; `driven`).
  if (action.crash) {
    run.stats.crashes++;
    await ports.crash();
  }
  ports.report(action.user, orderId, state);
  const want = oracle.report(action.user, orderId, status, saleMinor);
  await settleOrder(run, want, checks);
  await checkBudget(run, oracle, checks);
}

type TxnRow = {
  status: string;
  cashback_minor: number;
  desired_boost_minor: number;
  granted_boost_minor: number;
  held_pending_minor: number;
  held_confirmed_minor: number;
  boosts_json: string | null;
};

function txnOf(user: string, orderId: string): Promise<TxnRow | null> {
  return runInDurableObject(env.WALLET.get(env.WALLET.idFromName(user)), (_i, state) => {
    const rows = [
      ...state.storage.sql.exec<TxnRow>(
        `SELECT status, cashback_minor, desired_boost_minor, granted_boost_minor,
                held_pending_minor, held_confirmed_minor, boosts_json
           FROM transactions WHERE order_id = ?`,
        orderId,
      ),
    ];
    return rows[0] ?? null;
  });
}

/** What the order's transaction must show, as the oracle predicts it. */
function expected(order: BoostedOrder) {
  const baseMinor = Math.floor((order.saleMinor * BOOST_BASE_RATE_BPS) / 10_000);
  const status =
    order.status === "approved"
      ? "confirmed"
      : order.status === "pending"
        ? "pending"
        : "cancelled";
  const heldMinor = status === "cancelled" ? 0 : baseMinor + order.grantedMinor;
  return {
    status,
    cashbackMinor: baseMinor,
    desiredBoostMinor: order.desiredMinor,
    grantedBoostMinor: order.grantedMinor,
    heldPendingMinor: status === "pending" ? heldMinor : 0,
    heldConfirmedMinor: status === "confirmed" ? heldMinor : 0,
    owed: 0,
  };
}

function seen(row: TxnRow | null) {
  if (!row) return null;
  const boosts = JSON.parse(row.boosts_json ?? "[]") as Array<{ seq: number; syncedSeq: number }>;
  return {
    status: row.status,
    cashbackMinor: row.cashback_minor,
    desiredBoostMinor: row.desired_boost_minor,
    grantedBoostMinor: row.granted_boost_minor,
    heldPendingMinor: row.held_pending_minor,
    heldConfirmedMinor: row.held_confirmed_minor,
    owed: boosts.filter((b) => b.seq !== b.syncedSeq).length,
  };
}

const SETTLE_WAIT_MS = 30_000;
/** After this long without settling, the wallet's schedule is driven past the boost's retry. */
const DRIVE_AFTER_MS = 2_000;

/**
 * Waits until the order's transaction is as the oracle says, no budget request owed (the
 * wallet asks the budget after its commit); fails with what was seen when it is not in time.
 */
async function settleOrder(run: BoostsRun, order: BoostedOrder, checks: Checks): Promise<void> {
  const want = JSON.stringify(expected(order));
  const started = Date.now();
  for (let driven = false; ; ) {
    const have = JSON.stringify(seen(await txnOf(order.user, order.orderId)));
    if (have === want) return;
    if (Date.now() - started > SETTLE_WAIT_MS)
      checks.fail(
        "oracle_boosts",
        `${order.orderId} (${order.user}):\nwallet ${have}\noracle ${want}`,
      );
    if (Date.now() - started > DRIVE_AFTER_MS) {
      if (!driven) run.stats.driven++;
      driven = true;
      await runWalletDue(order.user, Date.now() + 31_000);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The campaign's budget through the campaign API: what it pays now is the oracle's grants,
 * never more than the budget; what the live reservations ask is the oracle's desire.
 */
async function checkBudget(run: BoostsRun, oracle: BoostOracle, checks: Checks): Promise<number> {
  const response = await asAdmin(`/admin/v1/campaigns/${run.campaignId}/budget`);
  if (response.status !== 200)
    checks.fail("budget_read", `${run.campaignId}: ${response.status} ${await response.text()}`);
  const have = (await response.json()) as {
    budgetMinor: number;
    grantedMinor: number;
    remainingMinor: number;
    desiredMinor: number;
  };
  if (have.grantedMinor > have.budgetMinor || have.budgetMinor !== BOOST_BUDGET_MINOR)
    checks.fail("budget_not_exceeded", `${run.campaignId}: ${JSON.stringify(have)}`);
  const want = {
    budgetMinor: BOOST_BUDGET_MINOR,
    grantedMinor: oracle.grantedMinor(),
    remainingMinor: BOOST_BUDGET_MINOR - oracle.grantedMinor(),
    desiredMinor: oracle.desiredMinor(),
  };
  const got = {
    budgetMinor: have.budgetMinor,
    grantedMinor: have.grantedMinor,
    remainingMinor: have.remainingMinor,
    desiredMinor: have.desiredMinor,
  };
  if (JSON.stringify(got) !== JSON.stringify(want))
    checks.fail(
      "oracle_budgets",
      `${run.campaignId}: budget ${JSON.stringify(got)}, oracle ${JSON.stringify(want)}`,
    );
  if (want.remainingMinor === 0) run.stats.budgetSpent = true;
  return 2;
}

/**
 * The end: every boosted order's transaction is still as the oracle says (a later crash or
 * due run must not have moved it) and the budget pays the oracle's grants. Returns the checks.
 */
export async function settleBoosts(
  run: BoostsRun,
  oracle: BoostOracle,
  checks: Checks,
): Promise<number> {
  let checked = 0;
  for (const order of oracle.all()) {
    await settleOrder(run, order, checks);
    checked++;
  }
  checked += await checkBudget(run, oracle, checks);
  run.stats.cut = oracle.cut;
  return checked;
}
