import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { forgetCachedConfig } from "#shared/config/config-store";
import { CUSTOM_EVENT_TYPES_KEY } from "#shared/events/custom-event-types-config";
import { LIVE_RULE_SET_KEY } from "#shared/rules/live-rule-set";
import { sendEvents } from "../../events-client";
import { asAdmin } from "../../payout-helpers";
import { runWalletDue } from "../due-run";
import {
  BOOST_MIN_SCORE,
  BOOST_MINOR,
  CAMPAIGN_BUDGET_MINOR,
  EVENT_TYPE,
  type EventsOracle,
  PERCENT_BPS,
  USER_BUDGET_MINOR,
} from "../oracle/events-oracle";
import { boostsHeldByChargebacks, type RollbackStats } from "./event-rollbacks";
import { publishKindRules } from "./rule-set";

/**
 * First-party events and a budgeted boost in the simulation (docs/events.md, docs/rules.md):
 * at the start the run registers a custom event type through the admin API and publishes two
 * rules of its own on it, a percentage with no budget and a fixed boost under a per-user and a
 * campaign budget small enough to run out within the run. Events go signed through the real
 * events worker; each is checked against the oracle as soon as it is answered (the wallet
 * works its inbox and asks the budgets before the intake answers), and the budgets are read
 * through `GET /admin/v1/budgets/{key}`: never past their limit, and exactly what the oracle
 * says they paid.
 */

export interface EventsRun {
  boostRuleId: string;
  percentRuleId: string;
  campaignId: string;
  /** The body each event id was first sent with (a resend sends it again, byte for byte). */
  bodies: Map<string, Record<string, unknown>>;
  users: Set<string>;
  stats: {
    sent: number;
    resent: number;
    conflicts: number;
    boostsCut: number;
    /** New events whose first send met a fault in the wallet's commit (503, sent again). */
    faulted: number;
    /**
     * Of `faulted`, the wallet aborted between the budgets' answer and the grant's record
     * (`wallet.grant.after_budget`): the resend is a duplicate and the grant lands then, once.
     */
    grantCrashes: number;
    /**
     * New events whose grant sync threw between the budgets' answer and the grant's record,
     * the wallet alive (`wallet.grant.after_budget`): accepted, the grant postponed 30 s and
     * posted once by the wallet's due run driven 31 s ahead.
     */
    grantThrows: number;
    /** Refunds and chargebacks of these events (event-rollbacks.ts). */
    rollbacks: RollbackStats;
  };
}

interface Checks {
  fail: (invariant: string, detail: string) => never;
  fingerprint: (user: string) => Promise<string>;
  /**
   * Runs `send` with a fault armed at `point` in the user's wallet, that wallet aborted there
   * with `crash`; whether it fired.
   */
  faultInWallet?: (
    point: string,
    user: string,
    send: () => Promise<unknown>,
    crash?: boolean,
  ) => Promise<boolean>;
}

export async function setupEvents(runTag: string): Promise<EventsRun> {
  const typed = await asAdmin(`/admin/v1/event-types/${EVENT_TYPE}`, "PUT", {
    description: "a quest finished in the simulation",
    fields: {
      questId: { type: "string", required: true, maxLength: 64 },
      score: { type: "integer", required: true, min: 0, max: 100 },
      amountMinor: { type: "integer", required: true, min: 0 },
      currency: { type: "string", required: true, maxLength: 3 },
    },
  });
  if (typed.status !== 200 && typed.status !== 201)
    throw new Error(`sim: event type ${typed.status} ${await typed.text()}`);
  const run: EventsRun = {
    boostRuleId: `sim-ev-${runTag}-boost`,
    percentRuleId: `sim-ev-${runTag}-pct`,
    campaignId: `sim-${runTag}`,
    bodies: new Map(),
    users: new Set(),
    stats: {
      sent: 0,
      resent: 0,
      conflicts: 0,
      boostsCut: 0,
      faulted: 0,
      grantCrashes: 0,
      grantThrows: 0,
      rollbacks: { refunds: 0, chargebacks: 0, won: 0, lost: 0, resent: 0 },
    },
  };
  await publishRules(run);
  forgetCachedConfig([CUSTOM_EVENT_TYPES_KEY, LIVE_RULE_SET_KEY]);
  return run;
}

/** The live rule set with this run's two rules in place of any earlier run's. */
async function publishRules(run: EventsRun): Promise<void> {
  await publishKindRules("sim-ev-", (group) => {
    const rule = { eventTypes: [EVENT_TYPE], priority: 10, group, active: true };
    return [
      {
        ...rule,
        id: run.percentRuleId,
        name: "2% back on quests",
        conditions: { all: [] },
        effects: [{ kind: "cashback_percent", rateBps: PERCENT_BPS }],
      },
      {
        ...rule,
        id: run.boostRuleId,
        name: "₹5 for a good quest score, while the campaign lasts",
        conditions: {
          all: [{ attr: "event.attributes.score", op: "gte", value: BOOST_MIN_SCORE }],
        },
        effects: [{ kind: "cashback_fixed", amountMinor: BOOST_MINOR, currency: "INR" }],
        campaignId: run.campaignId,
        budgets: [
          {
            entity: "user",
            period: "lifetime",
            limit: { amountMinor: USER_BUDGET_MINOR, currency: "INR" },
          },
          {
            entity: "campaign",
            period: "lifetime",
            limit: { amountMinor: CAMPAIGN_BUDGET_MINOR, currency: "INR" },
          },
        ],
      },
    ];
  });
}

export function campaignBudgetKey(run: EventsRun): string {
  return `rule:${run.boostRuleId}:campaign:${run.campaignId}:lifetime`;
}

export function userBudgetKey(run: EventsRun, user: string): string {
  return `rule:${run.boostRuleId}:user:${user}:lifetime`;
}

/** What the budget pays now (`outstanding`) and its limit; 0 paid before any reward asked. */
async function budgetOf(key: string, checks: Checks): Promise<{ paid: number; limit: number }> {
  const response = await asAdmin(`/admin/v1/budgets/${encodeURIComponent(key)}`);
  if (response.status === 404) return { paid: 0, limit: 0 };
  if (response.status !== 200)
    checks.fail("budget_read", `${key}: ${response.status} ${await response.text()}`);
  const usage = (await response.json()) as { outstanding: number; limit: number };
  return { paid: usage.outstanding, limit: usage.limit };
}

/** Both budgets a user's boost draws on, as one string to compare before and after. */
export async function budgetsOfUser(run: EventsRun, user: string, checks: Checks): Promise<string> {
  return JSON.stringify([
    await budgetOf(campaignBudgetKey(run), checks),
    await budgetOf(userBudgetKey(run, user), checks),
  ]);
}

/** What the wallet posted for one event, per rule (event_rewards.posted). */
function postedFor(user: string, eventId: string): Promise<Record<string, number>> {
  return runInDurableObject(env.WALLET.get(env.WALLET.idFromName(user)), (_i, state) => {
    const posted: Record<string, number> = {};
    for (const r of state.storage.sql.exec<{ rule_id: string; posted: number }>(
      `SELECT rule_id, posted FROM event_rewards WHERE event_id = ?`,
      eventId,
    ))
      posted[r.rule_id] = (posted[r.rule_id] ?? 0) + r.posted;
    return posted;
  });
}

/**
 * One event step. New: accepted, each rule's reward is the oracle's, and both budgets pay
 * what the oracle says, within their limits. The same event again: a duplicate; another body
 * under its id: a 409 conflict; either way the wallet and the budgets are as they were.
 */
export async function eventStep(
  run: EventsRun,
  oracle: EventsOracle,
  action: {
    user: string;
    eventId: string;
    score: number;
    amountMinor: number;
    mode: "new" | "resend" | "conflict";
    fault?: string;
    grantThrow?: true;
  },
  checks: Checks,
): Promise<void> {
  const { user, eventId } = action;
  run.users.add(user);
  const first = run.bodies.get(eventId);
  const body = first
    ? { ...first, data: { ...(first.data as object), score: action.score } }
    : {
        id: eventId,
        type: EVENT_TYPE,
        userId: user,
        occurredAt: new Date(Date.now() - 1_000).toISOString(),
        data: {
          questId: `q-${eventId}`,
          score: action.score,
          amountMinor: action.amountMinor,
          currency: "INR",
        },
      };
  if (!first) run.bodies.set(eventId, body);
  const budgetsBefore = () => budgetsOfUser(run, user, checks);
  const repeat = action.mode !== "new";
  const before = repeat ? [await checks.fingerprint(user), await budgetsBefore()] : null;
  // A fault in the wallet's commit on the first send: a throw before the transaction closes
  // records nothing (the resend is new), one after it keeps the event and loses the answer (the
  // resend is a duplicate, and the wallet works what it recorded); either way it earns once.
  let resendAnswer: [number, string] | null = null;
  // The first send's answer, when it is the event's only send (a grant fault that never fired).
  let answered: Response | null = null;
  if (
    action.mode === "new" &&
    action.fault === "wallet.grant.after_budget" &&
    checks.faultInWallet
  ) {
    const first = await grantCrash(run, action.fault, user, body, checks);
    if (first === null) resendAnswer = [200, "duplicate"];
    else answered = first;
  } else if (action.mode === "new" && action.grantThrow && checks.faultInWallet) {
    // The grant sync throws with the wallet alive: the event is accepted and its grant
    // postponed 30 s; the wallet's due run driven past that wait posts it (the oracle and
    // budget checks below: once). An event no budget is asked for is sent once, unharmed.
    let first: Response | null = null;
    const fired = await checks.faultInWallet("wallet.grant.after_budget", user, async () => {
      first = await sendEvents(body);
    });
    answered = first;
    if (fired) {
      run.stats.grantThrows++;
      await runWalletDue(user, Date.now() + 31_000);
    }
  } else if (action.mode === "new" && action.fault && checks.faultInWallet) {
    const untouched = [await checks.fingerprint(user), await budgetsBefore()];
    let first: Response | null = null;
    const fired = await checks.faultInWallet(action.fault, user, async () => {
      first = await sendEvents(body);
      return first;
    });
    const status = (first as Response | null)?.status;
    if (fired) {
      run.stats.faulted++;
      if (status !== 503)
        checks.fail("event_answered", `${eventId} with ${action.fault}: ${status}, not 503`);
      const after = [await checks.fingerprint(user), await budgetsBefore()];
      if (
        action.fault === "wallet.commit.before_close" &&
        JSON.stringify(after) !== JSON.stringify(untouched)
      )
        checks.fail(
          "failed_op_changed_nothing",
          `event ${eventId} (${action.fault}) user=${user}\nbefore=${untouched.join("\n")}\nafter=${after.join("\n")}`,
        );
      resendAnswer =
        action.fault === "wallet.commit.before_close" ? [202, "accepted"] : [200, "duplicate"];
    } else resendAnswer = [202, "accepted"];
  }
  const response = answered ?? (await sendEvents(body));
  const answer = (await response.json().catch(() => null)) as {
    status?: string;
    code?: string;
  } | null;
  const expected =
    resendAnswer && resendAnswer[0] !== 202
      ? resendAnswer
      : action.mode === "new"
        ? [202, "accepted"]
        : action.mode === "resend"
          ? [200, "duplicate"]
          : [409, "idempotency_conflict"];
  // An answer's `status` is the outcome; a problem's is its HTTP status, and `code` says why.
  const got = [response.status, response.status === 409 ? answer?.code : answer?.status];
  if (got[0] !== expected[0] || got[1] !== expected[1])
    checks.fail(
      "event_answered",
      `${action.mode} ${eventId}: ${response.status} ${JSON.stringify(answer)}`,
    );
  if (before) {
    if (action.mode === "resend") run.stats.resent++;
    else run.stats.conflicts++;
    const after = [await checks.fingerprint(user), await budgetsBefore()];
    if (JSON.stringify(after) !== JSON.stringify(before))
      checks.fail(
        action.mode === "resend" ? "replay_changed_nothing" : "failed_op_changed_nothing",
        `event ${eventId} (${action.mode}) user=${user}\nbefore=${before.join("\n")}\nafter=${after.join("\n")}`,
      );
    return;
  }
  run.stats.sent++;
  const want = oracle.accepted(user, eventId, action.score, action.amountMinor);
  if (action.score >= BOOST_MIN_SCORE && want.boostMinor < BOOST_MINOR) run.stats.boostsCut++;
  // The budgets first: a reward past a limit shows as that, not as a reward the oracle
  // did not expect.
  await checkBudgets(run, oracle, [user], checks);
  const posted = await postedFor(user, eventId);
  const have = {
    percentMinor: posted[run.percentRuleId] ?? 0,
    boostMinor: posted[run.boostRuleId] ?? 0,
  };
  if (JSON.stringify(have) !== JSON.stringify(want))
    checks.fail(
      "oracle_event_rewards",
      `event ${eventId} user=${user} score=${action.score} wallet=${JSON.stringify(have)} oracle=${JSON.stringify(want)}`,
    );
  if (resendAnswer?.[0] === 200 && action.fault === "wallet.grant.after_budget") {
    // Landed once: one more send is a duplicate and moves neither the wallet nor the budgets.
    const landed = [await checks.fingerprint(user), await budgetsBefore()];
    const again = await sendEvents(body);
    const after = [await checks.fingerprint(user), await budgetsBefore()];
    if (again.status !== 200 || JSON.stringify(after) !== JSON.stringify(landed))
      checks.fail(
        "replay_changed_nothing",
        `event ${eventId} sent again after its grant landed: ${again.status}\nbefore=${landed.join("\n")}\nafter=${after.join("\n")}`,
      );
  }
}

/**
 * A new event's first send with its wallet aborted inside the grant sync, after the budgets
 * answered and before the grant is recorded (`wallet.grant.after_budget`). The event was
 * recorded before the budgets were asked, so the intake answers 503 and the resend is a
 * duplicate, whose after-write work asks the budgets again and posts the grant. Returns null
 * when it fired; otherwise (the event earns no budgeted reward, so no budget is asked) the
 * first send's answer, which is then the event's one send.
 */
async function grantCrash(
  run: EventsRun,
  point: string,
  user: string,
  body: Record<string, unknown>,
  checks: Checks,
): Promise<Response | null> {
  let first: Response | null = null;
  const fired = await (checks.faultInWallet as NonNullable<Checks["faultInWallet"]>)(
    point,
    user,
    async () => {
      first = await sendEvents(body);
    },
    true,
  );
  const answer = first as Response | null;
  if (!answer) return checks.fail("event_answered", `${body.id} with ${point}: no answer`);
  if (!fired) return answer;
  run.stats.faulted++;
  run.stats.grantCrashes++;
  if (answer.status !== 503)
    checks.fail("event_answered", `${body.id} with ${point}: ${answer.status}, not 503`);
  return null;
}

/** Each budget within its limit, and paying exactly what the oracle says. */
export async function checkBudgets(
  run: EventsRun,
  oracle: EventsOracle,
  users: Iterable<string>,
  checks: Checks,
): Promise<number> {
  let checked = 0;
  const one = async (key: string, want: number, limit: number) => {
    const budget = await budgetOf(key, checks);
    checked += 2;
    if (budget.paid > limit)
      checks.fail("budget_not_exceeded", `${key}: pays ${budget.paid}, limit ${limit}`);
    if (budget.paid !== want)
      checks.fail("oracle_budgets", `${key}: pays ${budget.paid}, oracle ${want}`);
  };
  await one(campaignBudgetKey(run), oracle.campaignBoostMinor(), CAMPAIGN_BUDGET_MINOR);
  for (const user of users)
    await one(userBudgetKey(run, user), oracle.userBoostMinor(user), USER_BUDGET_MINOR);
  return checked;
}

/**
 * The end: every budget again, and the campaign's budget pays exactly what the wallets
 * hold as boosts (Σ boost credits − Σ taken back = budget paid ≤ limit), plus what open
 * chargebacks took and the budget keeps held until they are resolved. Returns the checks made.
 */
export async function settleEvents(
  run: EventsRun,
  oracle: EventsOracle,
  checks: Checks,
): Promise<number> {
  let checked = await checkBudgets(run, oracle, run.users, checks);
  let boosts = 0;
  for (const user of run.users) {
    boosts += await runInDurableObject(env.WALLET.get(env.WALLET.idFromName(user)), (_i, state) =>
      Number(
        state.storage.sql
          .exec(
            `SELECT COALESCE(SUM(posted - taken), 0) AS n FROM event_rewards WHERE rule_id = ?`,
            run.boostRuleId,
          )
          .one().n,
      ),
    );
  }
  const disputed = await boostsHeldByChargebacks(run, oracle.openChargebacks());
  const campaign = await budgetOf(campaignBudgetKey(run), checks);
  checked++;
  if (boosts + disputed !== campaign.paid)
    checks.fail(
      "budget_pays_what_wallets_got",
      `${campaignBudgetKey(run)} pays ${campaign.paid}, wallets hold ${boosts} of boosts and open chargebacks ${disputed}`,
    );
  return checked;
}
