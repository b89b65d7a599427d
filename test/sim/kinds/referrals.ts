import {
  createExecutionContext,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { forgetCachedConfig } from "#shared/config/config-store";
import { referralProgramKvKey } from "#shared/referrals/live-program-settings";
import { LIVE_RULE_SET_KEY } from "#shared/rules/live-rule-set";
import redirectWorker from "#workers/redirect/src/index";
import { sendEvents } from "../../events-client";
import { walletStub } from "../../helpers";
import { asAdmin, asUser } from "../../payout-helpers";
import { saveReferralProgram } from "../../referral-helpers";
import { runWalletDue } from "../due-run";
import type { ReferralOrderUpdate, ReferralPlan } from "../generator";
import {
  CAMPAIGN_BUDGET_MINOR,
  type Party,
  REFEREE_REWARD_MINOR,
  REFERRER_REWARD_MINOR,
  type ReferralOracle,
  USER_BUDGET_MINOR,
} from "../oracle/referral-oracle";
import { sendDeposit, sendDispute } from "./referral-disputes";
import { publishKindRules } from "./rule-set";

/**
 * Referrals in the simulation (docs/referrals.md): at the start the run saves the referral
 * program through `PUT /admin/v1/referrals/program` and publishes a campaign rule of its own
 * (`referral_reward` on `cashback.confirmed` while the referral is `signed_up`: ₹10 to the
 * referrer, ₹5 to the referee, under a lifetime `user` budget of ₹15 per member that caps a
 * referrer's rewards from their second referral on). Its two referrers ask `GET /v1/me/referrals`
 * for their code and share link. A new referee opens share links on their device through the
 * redirect worker (each click's queue message delivered to the api's consumer, into D1) and
 * signs up through the events worker with what the plan says (a typed code, the link's token,
 * the device's IP and user agent); the oracle decides who referred them, and the wallet must
 * agree (referrer, method, reason, click). The same signup is sent again (a duplicate: nothing
 * changes); then the referee's order goes through the redirect and postback workers and the
 * api's queue consumers, approved at once, and its confirmed cashback qualifies the referral.
 * The step waits until the referral has settled (the referee's reward, the referrer's credit),
 * so the budgets are asked in the run's order and each party's amount is the oracle's. At the
 * end every reward is held exactly once on each side, the budgets pay no more than their limit
 * and exactly what the wallets hold, and each referrer's list agrees with the oracle.
 */

export interface ReferralsRun {
  ruleId: string;
  /** The campaign's lifetime budget (scaled to the run's referees). */
  campaignBudgetMinor: number;
  runTag: string;
  /** The run's referrers, by the plans' index, with their code and share link. */
  referrers: Array<{ id: string; code: string; link: string }>;
  /** The signup each referee first sent (a resend sends it again, byte for byte). */
  signups: Map<string, Record<string, unknown>>;
  stats: {
    signups: number;
    resent: number;
    rewarded: number;
    linkClicks: number;
    attributed: Record<string, number>;
    /** Rewards (either party's) the budgets cut or refused; the campaign's budget used up. */
    budgetCut: number;
    campaignBudgetSpent: boolean;
    /** Updates of referees' orders after their referral settled (refunds, duplicates, older). */
    refundUpdates: number;
    /** Referrals reversed by their order's cancellation. */
    reversed: number;
    /** Rewards the budgets cut or refused, by the budget with the least left. */
    budgetCutBy: { user: number; campaign: number };
    /** Referrals qualified by a first-party deposit; its disputes applied, by kind. */
    depositQualified: number;
    disputes: Record<"refund" | "chargeback" | "won" | "lost", number>;
    /** Dispute events sent again (duplicates), second signups, own codes typed (refused). */
    disputesResent: number;
    signupsAgain: number;
    selfCodes: number;
  };
}

interface Checks {
  fail: (invariant: string, detail: string) => never;
  fingerprint: (user: string) => Promise<string>;
}

/** A referee's order as the runner placed it (its later updates name it). */
export interface ReferralOrder {
  user: string;
  orderId: string;
  subId: string;
  clickedAtMs: number;
  /** The run's how-manieth referee order (its update times follow from it). */
  n: number;
  saleMinor: number;
  /** What a partial refund lowers the sale to, in percent. */
  partialPercent: number;
}

/** What the runner lends a referral step. */
export interface ReferralPorts {
  /** An approved order for `user` through the redirect and postback workers, delivered. */
  placeOrder: (user: string, saleMinor: number, partialPercent: number) => Promise<ReferralOrder>;
  /** The network's update of the order through the postback worker, delivered at once. */
  updateOrder: (order: ReferralOrder, update: ReferralOrderUpdate) => Promise<void>;
  /** One message handed to the api's consumer at once (outside the run's pool) until acked. */
  deliverAtOnce: (queue: "boomerang-clicks", body: unknown) => Promise<void>;
  /** Every Durable Object aborted (the process died). */
  crash: () => Promise<void>;
}

export async function setupReferrals(
  runTag: string,
  referrerCount = 2,
  campaignBudgetMinor = CAMPAIGN_BUDGET_MINOR,
): Promise<ReferralsRun> {
  await saveReferralProgram();
  const ruleId = `sim-ref-${runTag}`;
  await publishCampaign(ruleId, campaignBudgetMinor);
  forgetCachedConfig([LIVE_RULE_SET_KEY, referralProgramKvKey()]);
  const referrers: ReferralsRun["referrers"] = [];
  for (let i = 0; i < referrerCount; i++) {
    const id = `sim-${runTag}-rr${i}`;
    const mine = await asUser(id, "/v1/me/referrals");
    if (mine.status !== 200)
      throw new Error(`sim: referrer's code ${mine.status} ${await mine.text()}`);
    const { code, link } = (await mine.json()) as { code: string; link: string };
    referrers.push({ id, code, link });
  }
  return {
    ruleId,
    campaignBudgetMinor,
    runTag,
    referrers,
    signups: new Map(),
    stats: noReferralStats(),
  };
}

/** A referrals run's counters before its first step (also a run without the kind's). */
export function noReferralStats(): ReferralsRun["stats"] {
  return {
    signups: 0,
    resent: 0,
    rewarded: 0,
    linkClicks: 0,
    attributed: {},
    budgetCut: 0,
    campaignBudgetSpent: false,
    refundUpdates: 0,
    reversed: 0,
    budgetCutBy: { user: 0, campaign: 0 },
    depositQualified: 0,
    disputes: { refund: 0, chargeback: 0, won: 0, lost: 0 },
    disputesResent: 0,
    signupsAgain: 0,
    selfCodes: 0,
  };
}

/** The live rule set with this run's campaign in place of any earlier run's. */
async function publishCampaign(ruleId: string, campaignBudgetMinor: number): Promise<void> {
  await publishKindRules("sim-ref-", (group) => [
    {
      id: ruleId,
      name: "₹10 to the referrer, ₹5 to the friend on the friend's first confirmed order or deposit",
      // No other kind's rule listens to deposits, so a referee's deposit earns only this.
      eventTypes: ["cashback.confirmed", "deposit.completed"],
      campaignId: campaignOf(ruleId),
      conditions: { all: [{ attr: "referral.state", op: "eq", value: "signed_up" }] },
      effects: [
        {
          kind: "referral_reward",
          programId: "default",
          referrer: { amountMinor: REFERRER_REWARD_MINOR, currency: "INR" },
          referee: { amountMinor: REFEREE_REWARD_MINOR, currency: "INR" },
          // A partial refund of the qualifying order takes back its share of each reward.
          partialRefund: "proportional",
        },
      ],
      budgets: [
        {
          entity: "user",
          period: "lifetime",
          limit: { amountMinor: USER_BUDGET_MINOR, currency: "INR" },
        },
        // The program's total: both parties of every referral draw on it.
        {
          entity: "campaign",
          period: "lifetime",
          limit: { amountMinor: campaignBudgetMinor, currency: "INR" },
        },
      ],
      priority: 10,
      group,
      active: true,
    },
  ]);
}

/** The run's referral campaign (its rule id is the run's, so its budget is new each run). */
function campaignOf(ruleId: string): string {
  return `${ruleId}-campaign`;
}

function campaignBudgetKey(run: ReferralsRun): string {
  return `rule:${run.ruleId}:campaign:${campaignOf(run.ruleId)}:lifetime`;
}

/** The referee's referral as their wallet holds it (null when not referred). */
async function referralOf(referee: string): Promise<string> {
  return JSON.stringify((await walletStub(referee).getReferral()) ?? null);
}

async function sendSignup(
  body: Record<string, unknown>,
  expected: [number, string],
  checks: Checks,
): Promise<void> {
  const response = await sendEvents(body);
  const answer = (await response.json().catch(() => null)) as { status?: string } | null;
  if (response.status !== expected[0] || answer?.status !== expected[1])
    checks.fail(
      "referral_signup_answered",
      `${body.id}: ${response.status} ${JSON.stringify(answer)}, expected ${expected.join(" ")}`,
    );
}

/** The referee's device: a web browser of its own, on a network of its own. */
function deviceOf(referee: string): { ip: string; userAgent: string } {
  let h = 0;
  for (const c of referee) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  return {
    ip: `10.${h % 250}.${(h >>> 8) % 250}.7`,
    userAgent: `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 SimDevice/${referee}`,
  };
}

interface OpenedLink {
  referrer: string;
  clickId: string;
  token: string;
  atMs: number;
}

/**
 * Opens `link` on the referee's device through the redirect worker: a 302 to the web signup
 * with the attribution token, and one `referral_click` message, delivered (twice when asked) to
 * the api's clicks consumer, which stores it in D1 for the fingerprint match.
 */
async function openShareLink(
  link: string,
  device: { ip: string; userAgent: string },
  twice: boolean,
  ports: ReferralPorts,
  checks: Checks,
): Promise<OpenedLink> {
  const sent: unknown[] = [];
  const clicks = {
    send: async (body: unknown) => void sent.push(body),
    sendBatch: async (messages: Array<{ body: unknown }>) =>
      void sent.push(...messages.map((m) => m.body)),
  };
  const ctx = createExecutionContext();
  const response = await redirectWorker.fetch(
    new Request(link, {
      headers: { "user-agent": device.userAgent, "cf-connecting-ip": device.ip },
    }) as Request<unknown, IncomingRequestCfProperties>,
    { ...env, CLICKS: clicks } as never,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const location = response.headers.get("location") ?? "";
  const token = location ? new URL(location).searchParams.get("ref_token") : null;
  const click = sent[0] as
    | { kind?: string; clickId?: string; referrerId?: string; clickedAtMs?: number }
    | undefined;
  if (response.status !== 302 || !token || sent.length !== 1 || click?.kind !== "referral_click")
    checks.fail(
      "share_link_redirects",
      `${link}: ${response.status} location=${location} sent=${JSON.stringify(sent)}`,
    );
  for (let n = twice ? 2 : 1; n > 0; n--) await ports.deliverAtOnce("boomerang-clicks", click);
  return {
    referrer: click?.referrerId ?? "",
    clickId: click?.clickId ?? "",
    token: token ?? "",
    atMs: click?.clickedAtMs ?? 0,
  };
}

/**
 * One referral step. New: the plan's links are opened, the signup is accepted and attributed as
 * the oracle decides, sent again it is a duplicate that changes neither the referee's wallet nor
 * their referral (nor does a second signup naming another referrer), and the qualifying event
 * follows: the referee's approved order, or a deposit whose disputes (refund, chargeback, its
 * resolution) follow once its referral is rewarded; after each, the referral has settled as the
 * oracle says. Resend: an earlier signup again; nothing changes. Returns the members touched.
 */
export async function referralStep(
  run: ReferralsRun,
  oracle: ReferralOracle,
  action: { referee: string; saleMinor: number; mode: "new" | "resend"; plan?: ReferralPlan },
  ports: ReferralPorts,
  checks: Checks,
): Promise<string[]> {
  const { referee } = action;
  const first = run.signups.get(referee);
  const touched = () => {
    const referrer = oracle.referralOf(referee)?.referrer;
    return referrer ? [referee, referrer] : [referee];
  };
  if (action.mode === "resend" || first || !action.plan) {
    if (!first) checks.fail("generator_order", `resend of ${referee}'s signup before it`);
    run.stats.resent++;
    const before = [await checks.fingerprint(referee), await referralOf(referee)];
    await sendSignup(first as Record<string, unknown>, [200, "duplicate"], checks);
    await unchanged(referee, before, checks);
    return touched();
  }
  const plan = action.plan;
  const device = deviceOf(referee);
  const opened: OpenedLink[] = [];
  for (const r of plan.clicks) {
    const referrer = run.referrers[r];
    if (!referrer) checks.fail("generator_order", `no referrer ${r}`);
    opened.push(
      await openShareLink(
        (referrer as ReferralsRun["referrers"][number]).link,
        device,
        plan.clickTwice,
        ports,
        checks,
      ),
    );
    run.stats.linkClicks++;
  }
  const atMs = Date.now();
  const tokenOf = plan.token === null ? null : opened[plan.token];
  const codeOf =
    plan.code === null
      ? null
      : plan.code === "self"
        ? await ownCode(referee, checks)
        : run.referrers[plan.code];
  if (plan.code === "self") run.stats.selfCodes++;
  const signup = {
    id: `${referee}-signup`,
    type: "user.signed_up",
    userId: referee,
    occurredAt: new Date(atMs).toISOString(),
    data: {
      displayName: "Sim Friend",
      ...(codeOf ? { referralCode: codeOf.code } : {}),
      ...(tokenOf ? { referralToken: tokenOf.token } : {}),
      ...(plan.device ? { ipAddress: device.ip, userAgent: device.userAgent } : {}),
    },
  };
  run.signups.set(referee, signup);
  await sendSignup(signup, [202, "accepted"], checks);
  run.stats.signups++;
  const want = oracle.signedUp(referee, {
    atMs,
    codeOf: codeOf?.id ?? null,
    token: plan.token,
    device: plan.device,
    clicks: opened.map((o) => ({ referrer: o.referrer, atMs: o.atMs })),
  });
  const have = (await walletStub(referee).getReferral())?.referral ?? null;
  const wantSeen = want && {
    referrerId: want.referrer,
    method: want.method,
    reason: want.reason,
    clickId: want.click === null ? null : (opened[want.click]?.clickId ?? "?"),
  };
  const haveSeen = have && {
    referrerId: have.referrerId,
    method: have.method,
    reason: have.reason,
    clickId: have.clickId,
  };
  if (JSON.stringify(haveSeen) !== JSON.stringify(wantSeen))
    checks.fail(
      "oracle_attribution",
      `${referee} (plan ${JSON.stringify(plan)}): wallet ${JSON.stringify(haveSeen)}, oracle ${JSON.stringify(wantSeen)}`,
    );
  if (want) run.stats.attributed[want.method] = (run.stats.attributed[want.method] ?? 0) + 1;
  const before = [await checks.fingerprint(referee), await referralOf(referee)];
  await sendSignup(signup, [200, "duplicate"], checks);
  run.stats.resent++;
  await unchanged(referee, before, checks);
  if (plan.signupAgain) await signUpAgain(run, oracle, referee, atMs, checks);
  if (plan.qualify === "deposit") {
    const deposit = await sendDeposit(referee, action.saleMinor, checks);
    if (plan.crash) await ports.crash();
    oracle.orderConfirmed(referee);
    if (oracle.referralOf(referee)) run.stats.depositQualified++;
    await settleReferral(oracle, referee, checks);
    for (const dispute of plan.disputes) {
      await sendDispute(deposit, dispute, plan.partialPercent, plan.disputesTwice, checks);
      if (plan.disputesTwice) run.stats.disputesResent++;
      oracle.disputed(referee, action.saleMinor, dispute, plan.partialPercent);
      await settleReferral(oracle, referee, checks);
    }
  } else {
    const order = await ports.placeOrder(referee, action.saleMinor, plan.partialPercent);
    // The qualification, the referee's budget ask and the referrer's credit are in flight.
    if (plan.crash) await ports.crash();
    oracle.orderConfirmed(referee);
    await settleReferral(oracle, referee, checks);
    if (plan.updates.length > 0)
      await refundOrder(run, oracle, referee, order, plan, ports, checks);
  }
  // The budgets this referral drew on pay exactly what the wallets hold, within their limits.
  const referrer = oracle.referralOf(referee)?.referrer;
  for (const member of referrer ? [referee, referrer] : [])
    await budgetPays(userBudgetKey(run, member), oracle.userBudgetPaid(member), checks);
  await budgetPays(campaignBudgetKey(run), oracle.campaignPaid(), checks, run.campaignBudgetMinor);
  return touched();
}

/** The referee's own code (`GET /v1/me/referrals` creates it before they ever signed up). */
async function ownCode(referee: string, checks: Checks): Promise<{ id: string; code: string }> {
  const mine = await asUser(referee, "/v1/me/referrals");
  if (mine.status !== 200) checks.fail("referral_own_code", `${mine.status} ${await mine.text()}`);
  return { id: referee, code: ((await mine.json()) as { code: string }).code };
}

/**
 * A second `user.signed_up` of the referee (a new event, not a redelivery) typing another
 * referrer's code: accepted, and the referral is what the first signup decided.
 */
async function signUpAgain(
  run: ReferralsRun,
  oracle: ReferralOracle,
  referee: string,
  firstAtMs: number,
  checks: Checks,
): Promise<void> {
  const decided = oracle.referralOf(referee)?.referrer;
  const other = run.referrers.find((r) => r.id !== decided && r.id !== referee) ?? run.referrers[0];
  const before = await referralOf(referee);
  const atMs = Math.max(firstAtMs + 1, Date.now());
  await sendSignup(
    {
      id: `${referee}-signup-again`,
      type: "user.signed_up",
      userId: referee,
      occurredAt: new Date(atMs).toISOString(),
      data: { displayName: "Sim Friend", referralCode: other?.code },
    },
    [202, "accepted"],
    checks,
  );
  run.stats.signupsAgain++;
  oracle.signedUp(referee, {
    atMs,
    codeOf: other?.id ?? null,
    token: null,
    device: false,
    clicks: [],
  });
  const after = await referralOf(referee);
  if (after !== before)
    checks.fail(
      "referral_attributed_once",
      `${referee}'s second signup (code of ${other?.id})
before=${before}
after=${after}`,
    );
}

async function refundOrder(
  run: ReferralsRun,
  oracle: ReferralOracle,
  referee: string,
  order: ReferralOrder,
  plan: ReferralPlan,
  ports: ReferralPorts,
  checks: Checks,
): Promise<void> {
  // Once rewarded, the order is refunded in part or in whole: the updates in the plan's order,
  // duplicates and an older state included; each party's reward is taken back as the
  // campaign says, and the budgets get it back.
  for (const update of plan.updates) await ports.updateOrder(order, update);
  run.stats.refundUpdates += plan.updates.length;
  oracle.orderUpdated(referee, order.saleMinor, plan.updates, plan.partialPercent);
  if (oracle.referralOf(referee)?.state === "reversed") run.stats.reversed++;
  await settleReferral(oracle, referee, checks);
}

async function unchanged(referee: string, before: string[], checks: Checks): Promise<void> {
  const after = [await checks.fingerprint(referee), await referralOf(referee)];
  if (JSON.stringify(after) !== JSON.stringify(before))
    checks.fail(
      "replay_changed_nothing",
      `signup of ${referee} sent again\nbefore=${before.join("\n")}\nafter=${after.join("\n")}`,
    );
}

const SETTLE_WAIT_MS = 30_000;
/** After this long without settling, the referee's schedule is driven past its 30 s retry. */
const DRIVE_AFTER_MS = 2_000;

/**
 * Waits until the referee's referral is as the oracle says: its state, and what each party's
 * wallet holds of it (credited, taken back, confirmed), with nothing left owed or awaited. A
 * crash may have left the work to the referee's schedule, which is driven as of past its 30 s
 * retry. Fails with what was seen when it does not settle in time.
 */
async function settleReferral(
  oracle: ReferralOracle,
  referee: string,
  checks: Checks,
): Promise<void> {
  const want = oracle.referralOf(referee);
  if (!want) return;
  const referralId = `ref_${referee}`;
  const started = Date.now();
  let seen = "";
  for (;;) {
    const record = await walletStub(referee).getReferral();
    const refereeMoney = await creditOf(referee, referralId, "referee");
    const referrerMoney = await creditOf(want.referrer, referralId, "referrer");
    const open =
      (record?.rewards ?? []).filter((r) => r.status === "owed" || r.status === "awaiting_budget")
        .length + (record?.referrerOperations ?? []).filter((o) => o.status !== "delivered").length;
    const heldOf = (m: typeof refereeMoney) =>
      m.money[0] ? m.money[0].credited - m.money[0].taken : 0;
    const haveNow = {
      state: record?.referral.state ?? "none",
      open,
      referee: { credited: refereeMoney.postedMinor, held: heldOf(refereeMoney) },
      referrer: { credited: referrerMoney.postedMinor, held: heldOf(referrerMoney) },
    };
    const wantNow = {
      state: want.state,
      open: 0,
      referee: { credited: want.credited.referee, held: want.held.referee },
      referrer: { credited: want.credited.referrer, held: want.held.referrer },
    };
    seen = `wallets ${JSON.stringify(haveNow)}\noracle  ${JSON.stringify(wantNow)}`;
    if (JSON.stringify(haveNow) === JSON.stringify(wantNow)) break;
    if (Date.now() - started > SETTLE_WAIT_MS)
      checks.fail("oracle_referrals", `${referralId}: ${seen}`);
    if (Date.now() - started > DRIVE_AFTER_MS) await runWalletDue(referee, Date.now() + 31_000);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Each posting's count and sum under `key`, and the party's referral money row. */
function creditOf(user: string, referralId: string, party: "referee" | "referrer") {
  return runInDurableObject(env.WALLET.get(env.WALLET.idFromName(user)), (_i, state) => {
    const posting = state.storage.sql
      .exec<{ n: number; minor: number | null }>(
        `SELECT COUNT(*) AS n, SUM(amount_minor) AS minor FROM entries WHERE posting_key = ?`,
        `referral:${referralId}:${party}`,
      )
      .one();
    const money = [
      ...state.storage.sql.exec<{
        credited: number;
        taken: number;
        confirmed_at_ms: number | null;
      }>(
        `SELECT credited, taken, confirmed_at_ms FROM referral_party_money
          WHERE referral_id = ? AND party = ?`,
        referralId,
        party,
      ),
    ];
    return { postings: Number(posting.n), postedMinor: Number(posting.minor ?? 0), money };
  });
}

/**
 * The end: every referral is as the oracle says (each settled at its own step; a later crash
 * must not have moved it), each reward is credited exactly once to each side and holds what
 * the oracle says, every member's budget pays exactly what the wallets hold, and each
 * referrer's `GET /v1/me/referrals` agrees with the oracle (polled while the projection's
 * queue catches up). Returns the checks made.
 */
export async function settleReferrals(
  run: ReferralsRun,
  oracle: ReferralOracle,
  checks: Checks,
): Promise<number> {
  let checked = 0;
  for (const referee of oracle.referees()) {
    const want = oracle.referralOf(referee);
    if (!want) continue;
    await settleReferral(oracle, referee, checks);
    const referralId = `ref_${referee}`;
    checked++;
    if (want.state === "rewarded") run.stats.rewarded++;
    for (const party of ["referee", "referrer"] as const) {
      const member = party === "referee" ? referee : want.referrer;
      checked += await creditedOnce(member, referralId, party, want, checks);
    }
    checked += await budgetPays(
      userBudgetKey(run, referee),
      oracle.userBudgetPaid(referee),
      checks,
    );
  }
  for (const { id } of run.referrers) {
    checked += await budgetPays(userBudgetKey(run, id), oracle.userBudgetPaid(id), checks);
    checked += await checkReferrerList(id, oracle, checks);
  }
  checked += await budgetPays(
    campaignBudgetKey(run),
    oracle.campaignPaid(),
    checks,
    run.campaignBudgetMinor,
  );
  run.stats.budgetCutBy = { ...oracle.cutBy };
  run.stats.disputes = { ...oracle.disputes };
  run.stats.budgetCut = oracle.cut;
  run.stats.campaignBudgetSpent = oracle.campaignSpent;
  return checked;
}

/**
 * The party's reward: one posting of what was credited under its key (none when nothing
 * was), and its `referral_party_money` row holding what the oracle says is left, confirmed.
 */
async function creditedOnce(
  user: string,
  referralId: string,
  party: Party,
  want: { credited: Record<Party, number>; held: Record<Party, number> },
  checks: Checks,
): Promise<number> {
  const credit = await creditOf(user, referralId, party);
  const minor = want.credited[party];
  const once = minor === 0 ? 0 : 1;
  if (credit.postings !== once || credit.postedMinor !== minor)
    checks.fail(
      "referral_reward_once",
      `${referralId} ${party} (${user}): ${credit.postings} posting(s) of ${credit.postedMinor}, oracle ${once} of ${minor}`,
    );
  const row = credit.money[0];
  const held = row ? row.credited - row.taken : 0;
  if (held !== want.held[party] || (minor > 0 && row?.confirmed_at_ms == null))
    checks.fail(
      "referral_reward_once",
      `${referralId} ${party} (${user}): holds ${JSON.stringify(credit.money)}, oracle ${want.held[party]} of ${minor} confirmed`,
    );
  return 2;
}

function userBudgetKey(run: ReferralsRun, user: string): string {
  return `rule:${run.ruleId}:user:${user}:lifetime`;
}

/**
 * The budget, read through `GET /admin/v1/budgets/{key}`, pays (`outstanding`) no more than
 * its limit and exactly `minor` (0 before anything was asked of it).
 */
async function budgetPays(
  key: string,
  minor: number,
  checks: Checks,
  limit = USER_BUDGET_MINOR,
): Promise<number> {
  const response = await asAdmin(`/admin/v1/budgets/${encodeURIComponent(key)}`);
  if (response.status !== 200 && response.status !== 404)
    checks.fail("budget_read", `${key}: ${response.status} ${await response.text()}`);
  const usage =
    response.status === 404
      ? { outstanding: 0, limit }
      : ((await response.json()) as { outstanding: number; limit: number });
  if (usage.outstanding > usage.limit || usage.limit !== limit)
    checks.fail(
      "budget_not_exceeded",
      `${key}: pays ${usage.outstanding}, limit ${usage.limit} (rule's ${limit})`,
    );
  if (usage.outstanding !== minor)
    checks.fail("oracle_budgets", `${key}: pays ${usage.outstanding}, oracle ${minor}`);
  return 2;
}

const LIST_WAIT_MS = 60_000;

/** The referrer's list, counts and earnings as the member API shows them equal the oracle's. */
async function checkReferrerList(
  referrer: string,
  oracle: ReferralOracle,
  checks: Checks,
): Promise<number> {
  const want = JSON.stringify({
    friends: oracle.listOf(referrer),
    rewarded: oracle.listOf(referrer).filter((r) => r.state === "rewarded").length,
    earnedMinor: oracle.heldMinor(referrer, "referrer"),
  });
  const deadline = Date.now() + LIST_WAIT_MS;
  let have = "";
  for (;;) {
    const response = await asUser(referrer, "/v1/me/referrals?limit=50");
    if (response.status !== 200)
      checks.fail("referrer_list", `${response.status} ${await response.text()}`);
    const body = (await response.json()) as {
      friends: Array<{ referralId: string; state: string }>;
      counts: { rewarded: number };
      earned: { money: Array<{ currency: string; amountMinor: number }> };
    };
    have = JSON.stringify({
      friends: body.friends
        .map((f) => ({ referralId: f.referralId, state: f.state }))
        .sort((a, b) => (a.referralId < b.referralId ? -1 : 1)),
      rewarded: body.counts.rewarded,
      earnedMinor: body.earned.money.find((m) => m.currency === "INR")?.amountMinor ?? 0,
    });
    if (have === want) return 1;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return checks.fail("referrer_list", `${referrer}: member API ${have}\noracle ${want}`);
}
