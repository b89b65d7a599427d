import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { forgetCachedConfig } from "#shared/config/config-store";
import { referralProgramKvKey } from "#shared/referrals/live-program-settings";
import { LIVE_RULE_SET_KEY } from "#shared/rules/live-rule-set";
import { sendEvents } from "../../events-client";
import { walletStub } from "../../helpers";
import { asAdmin, asUser } from "../../payout-helpers";
import { saveReferralProgram } from "../../referral-helpers";
import { runWalletDue } from "../due-run";
import {
  REFEREE_REWARD_MINOR,
  REFERRER_REWARD_MINOR,
  type ReferralOracle,
  USER_BUDGET_MINOR,
} from "../oracle/referral-oracle";
import { publishKindRules } from "./rule-set";

/**
 * Referrals in the simulation (docs/referrals.md): at the start the run saves the referral
 * program through `PUT /admin/v1/referrals/program` and publishes a campaign rule of its own
 * (`referral_reward` on `cashback.confirmed` while the referral is `signed_up`: ₹10 to the
 * referrer, ₹5 to the referee, under a lifetime `user` budget of ₹15 that caps the referrer's
 * rewards from the second referral on). Its one referrer asks `GET /v1/me/referrals` for a code;
 * referees sign up through the events worker with that code, and the same signup is sent
 * again (a duplicate: nothing changes); then the referee's order goes through the redirect and
 * postback workers and the api's queue consumers, approved at once, and its confirmed cashback
 * qualifies the referral (the wallet works its inbox after the approval's commit, and the
 * referrer's reward goes to the referrer's wallet after the referee's commit). At the end every
 * reward is credited exactly once to each side, the budgets pay no more than their limit and
 * exactly what the wallets were credited, and the referrer's list agrees with the oracle.
 */

export interface ReferralsRun {
  ruleId: string;
  referrer: string;
  code: string;
  /** The signup each referee first sent (a resend sends it again, byte for byte). */
  signups: Map<string, Record<string, unknown>>;
  stats: { signups: number; resent: number; rewarded: number };
}

interface Checks {
  fail: (invariant: string, detail: string) => never;
  fingerprint: (user: string) => Promise<string>;
}

/** An approved order for `user` through the redirect and postback workers, delivered. */
export type PlaceOrder = (user: string, saleMinor: number) => Promise<void>;

export async function setupReferrals(runTag: string): Promise<ReferralsRun> {
  await saveReferralProgram();
  const ruleId = `sim-ref-${runTag}`;
  await publishCampaign(ruleId);
  forgetCachedConfig([LIVE_RULE_SET_KEY, referralProgramKvKey()]);
  const referrer = `sim-${runTag}-rr0`;
  const mine = await asUser(referrer, "/v1/me/referrals");
  if (mine.status !== 200)
    throw new Error(`sim: referrer's code ${mine.status} ${await mine.text()}`);
  const { code } = (await mine.json()) as { code: string };
  return {
    ruleId,
    referrer,
    code,
    signups: new Map(),
    stats: { signups: 0, resent: 0, rewarded: 0 },
  };
}

/** The live rule set with this run's campaign in place of any earlier run's. */
async function publishCampaign(ruleId: string): Promise<void> {
  await publishKindRules("sim-ref-", (group) => [
    {
      id: ruleId,
      name: "₹10 to the referrer, ₹5 to the friend on the friend's first confirmed order",
      eventTypes: ["cashback.confirmed"],
      conditions: { all: [{ attr: "referral.state", op: "eq", value: "signed_up" }] },
      effects: [
        {
          kind: "referral_reward",
          programId: "default",
          referrer: { amountMinor: REFERRER_REWARD_MINOR, currency: "INR" },
          referee: { amountMinor: REFEREE_REWARD_MINOR, currency: "INR" },
        },
      ],
      budgets: [
        {
          entity: "user",
          period: "lifetime",
          limit: { amountMinor: USER_BUDGET_MINOR, currency: "INR" },
        },
      ],
      priority: 10,
      group,
      active: true,
    },
  ]);
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

/**
 * One referral step. New: the signup is accepted, sent again it is a duplicate that changes
 * neither the referee's wallet nor their referral, and the referee's approved order follows.
 * Resend: an earlier signup again; once its referral is settled (`rewarded`), nothing changes.
 */
export async function referralStep(
  run: ReferralsRun,
  oracle: ReferralOracle,
  action: { referee: string; saleMinor: number; mode: "new" | "resend" },
  placeOrder: PlaceOrder,
  checks: Checks,
): Promise<void> {
  const { referee } = action;
  const first = run.signups.get(referee);
  if (action.mode === "resend" || first) {
    if (!first) checks.fail("generator_order", `resend of ${referee}'s signup before it`);
    run.stats.resent++;
    const settled = JSON.parse(await referralOf(referee))?.referral?.state === "rewarded";
    const before = settled ? [await checks.fingerprint(referee), await referralOf(referee)] : null;
    await sendSignup(first as Record<string, unknown>, [200, "duplicate"], checks);
    if (before) await unchanged(referee, before, checks);
    return;
  }
  const signup = {
    id: `${referee}-signup`,
    type: "user.signed_up",
    userId: referee,
    occurredAt: new Date(Date.now() - 30_000).toISOString(),
    data: { displayName: "Sim Friend", referralCode: run.code },
  };
  run.signups.set(referee, signup);
  await sendSignup(signup, [202, "accepted"], checks);
  run.stats.signups++;
  oracle.signedUp(referee, run.referrer);
  const before = [await checks.fingerprint(referee), await referralOf(referee)];
  await sendSignup(signup, [200, "duplicate"], checks);
  run.stats.resent++;
  await unchanged(referee, before, checks);
  await placeOrder(referee, action.saleMinor);
  oracle.orderConfirmed(referee);
}

async function unchanged(referee: string, before: string[], checks: Checks): Promise<void> {
  const after = [await checks.fingerprint(referee), await referralOf(referee)];
  if (JSON.stringify(after) !== JSON.stringify(before))
    checks.fail(
      "replay_changed_nothing",
      `signup of ${referee} sent again\nbefore=${before.join("\n")}\nafter=${after.join("\n")}`,
    );
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

const SETTLE_WAIT_MS = 30_000;

/**
 * The end: every referral settles (a crash may have left the referrer's credit to the
 * referee's schedule, which is driven here as of past its 30 s retry), each reward is credited
 * exactly once to each side, and the referrer's `GET /v1/me/referrals` agrees with the oracle
 * (polled while the projection's queue catches up). Returns the checks made.
 */
export async function settleReferrals(
  run: ReferralsRun,
  oracle: ReferralOracle,
  checks: Checks,
): Promise<number> {
  let checked = 0;
  const referrerPaid: number[] = [];
  for (const { referralId, state } of oracle.listOf(run.referrer)) {
    const referee = referralId.slice("ref_".length);
    const deadline = Date.now() + SETTLE_WAIT_MS;
    let have = "";
    for (;;) {
      have = JSON.parse(await referralOf(referee))?.referral?.state ?? "none";
      if (have === state || Date.now() > deadline) break;
      await runWalletDue(referee, Date.now() + 31_000);
      await new Promise((r) => setTimeout(r, 100));
    }
    checked++;
    if (have !== state)
      checks.fail("oracle_referrals", `${referralId}: wallet says ${have}, oracle ${state}`);
    if (state === "rewarded") run.stats.rewarded++;
    const refereeMinor = oracle.rewardMinor(referee, "referee");
    checked += await creditedOnce(referee, referralId, "referee", refereeMinor, checks);
    checked += await budgetPays(userBudgetKey(run, referee), refereeMinor, checks);
    // The referrer's share of the budget is checked over all their referrals, below.
    const credit = await creditOf(run.referrer, referralId, "referrer");
    const paid = credit.postedMinor;
    checked += await creditedOnce(run.referrer, referralId, "referrer", paid, checks);
    if (state === "rewarded" && paid > REFERRER_REWARD_MINOR)
      checks.fail("referral_reward_once", `${referralId} referrer paid ${paid}`);
    if (state === "rewarded") referrerPaid.push(paid);
  }
  // The budget first: a reward past its limit shows as that, not as a credit the oracle did
  // not expect.
  checked += await budgetPays(
    userBudgetKey(run, run.referrer),
    oracle.rewardMinor(run.referrer, "referrer"),
    checks,
  );
  const want = oracle.referrerCredits(run.referrer);
  referrerPaid.sort((a, b) => b - a);
  checked++;
  if (JSON.stringify(referrerPaid) !== JSON.stringify(want))
    checks.fail(
      "oracle_referrals",
      `referrer ${run.referrer} credited ${JSON.stringify(referrerPaid)}, oracle ${JSON.stringify(want)}`,
    );
  checked += await checkReferrerList(run, oracle, checks);
  return checked;
}

/** One posting of `minor` under the party's key (none for 0), held in full and confirmed. */
async function creditedOnce(
  user: string,
  referralId: string,
  party: "referee" | "referrer",
  minor: number,
  checks: Checks,
): Promise<number> {
  const credit = await creditOf(user, referralId, party);
  const once = minor === 0 ? 0 : 1;
  if (credit.postings !== once || credit.postedMinor !== minor)
    checks.fail(
      "referral_reward_once",
      `${referralId} ${party} (${user}): ${credit.postings} posting(s) of ${credit.postedMinor}, oracle ${once} of ${minor}`,
    );
  const row = credit.money[0];
  const held = row ? row.credited - row.taken : 0;
  if (held !== minor || (minor > 0 && row?.confirmed_at_ms == null))
    checks.fail(
      "referral_reward_once",
      `${referralId} ${party} (${user}): holds ${JSON.stringify(credit.money)}, oracle ${minor} confirmed`,
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
async function budgetPays(key: string, minor: number, checks: Checks): Promise<number> {
  const response = await asAdmin(`/admin/v1/budgets/${encodeURIComponent(key)}`);
  if (response.status !== 200 && response.status !== 404)
    checks.fail("budget_read", `${key}: ${response.status} ${await response.text()}`);
  const usage =
    response.status === 404
      ? { outstanding: 0, limit: USER_BUDGET_MINOR }
      : ((await response.json()) as { outstanding: number; limit: number });
  if (usage.outstanding > usage.limit || usage.limit !== USER_BUDGET_MINOR)
    checks.fail(
      "budget_not_exceeded",
      `${key}: pays ${usage.outstanding}, limit ${usage.limit} (rule's ${USER_BUDGET_MINOR})`,
    );
  if (usage.outstanding !== minor)
    checks.fail("oracle_budgets", `${key}: pays ${usage.outstanding}, wallets got ${minor}`);
  return 2;
}

const LIST_WAIT_MS = 60_000;

/** The referrer's list, counts and earnings as the member API shows them equal the oracle's. */
async function checkReferrerList(
  run: ReferralsRun,
  oracle: ReferralOracle,
  checks: Checks,
): Promise<number> {
  const want = JSON.stringify({
    friends: oracle.listOf(run.referrer),
    rewarded: oracle.listOf(run.referrer).filter((r) => r.state === "rewarded").length,
    earnedMinor: oracle.rewardMinor(run.referrer, "referrer"),
  });
  const deadline = Date.now() + LIST_WAIT_MS;
  let have = "";
  for (;;) {
    const response = await asUser(run.referrer, "/v1/me/referrals?limit=50");
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
  return checks.fail("referrer_list", `member API ${have}\noracle ${want}`);
}
