import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { forgetCachedConfig } from "#shared/config/config-store";
import { userDb } from "#shared/db/router";
import { PROGRAM_SETTINGS_KEY } from "#shared/loyalty/live-program-settings";
import { DEFAULT_PROGRAM_SETTINGS } from "#shared/loyalty/program-settings";
import { LIVE_RULE_SET_KEY } from "#shared/rules/live-rule-set";
import { runPointsBackstop } from "#workers/api/src/features/loyalty/index";
import { walletStub } from "../../helpers";
import { asAdmin, asUser } from "../../payout-helpers";
import {
  PENDING_DAYS,
  PURCHASE_POINTS_PER_UNIT,
  PURCHASE_UNIT_MINOR,
} from "../oracle/points-lots-oracle";
import {
  POINTS_MIN_REDEEM,
  POINTS_ORDER_MIN_MINOR,
  POINTS_PER_UNIT,
  POINTS_RATE,
  POINTS_UNIT_MINOR,
  type PointsOracle,
} from "../oracle/points-oracle";
import { publishKindRules } from "./rule-set";

/**
 * Loyalty points in the simulation (docs/loyalty.md): a program and an earn rule set up through
 * the admin API as an operator would, points earned by the wallet's own `cashback.confirmed`
 * events when the network approves a large order, redeemed for cashback through the member API
 * (replayed with the same Idempotency-Key now and then, refused when the points have not
 * arrived yet), and expired at the end by the cron backstop once the program's time has passed
 * every lot's expiry.
 */

/**
 * How long a lot lasts. The end runs the backstop as of `EXPIRE_AHEAD_DAYS` ahead: past every
 * lot's expiry, and short of the offers' 30-day return window (whose end would confirm pending
 * cashback the money oracle keeps pending).
 */
const VALIDITY = "7D";
const EXPIRE_AHEAD_DAYS = 9;
const DAY_MS = 86_400_000;

export interface PointsRun {
  users: Set<string>;
  stats: { redemptions: number; refused: number; replayed: number; expired: number };
}

interface Checks {
  fail: (invariant: string, detail: string) => never;
}

export async function setupPoints(runTag: string): Promise<PointsRun> {
  const settings = structuredClone(DEFAULT_PROGRAM_SETTINGS);
  settings.points.validity = { period: VALIDITY };
  // Event points wait this long (kinds/points-lifecycle.ts); a confirmed order's points, whose
  // source is confirmed already, must not (docs/loyalty.md "Pending points and activation").
  settings.points.pendingDays = PENDING_DAYS;
  settings.points.redemption = {
    cashback: { points: POINTS_RATE.points, amountMinor: POINTS_RATE.amountMinor },
    minPoints: POINTS_MIN_REDEEM,
  };
  // Tiers off: a multiplier for large spenders would make the earn depend on the run's history.
  settings.tiers.enabled = false;
  const saved = await asAdmin("/admin/v1/loyalty/program", "PUT", {
    settings,
    note: "simulation",
  });
  if (saved.status !== 200) throw new Error(`sim: program ${saved.status} ${await saved.text()}`);
  await publishPointsRules(runTag);
  forgetCachedConfig([PROGRAM_SETTINGS_KEY, LIVE_RULE_SET_KEY]);
  return {
    users: new Set(),
    stats: { redemptions: 0, refused: 0, replayed: 0, expired: 0 },
  };
}

/**
 * The program's earn rules, published with the live rule set's others in place of an earlier
 * run's, as an operator would: points for large confirmed orders, and (for the lifecycle's
 * members) for purchases the operator's backend reports.
 */
async function publishPointsRules(runTag: string): Promise<void> {
  await publishKindRules("sim-pts-", (group) => {
    const rule = { priority: 10, group, active: true };
    return [
      {
        ...rule,
        id: `sim-pts-${runTag}-confirmed`,
        name: "a point per rupee of large confirmed orders",
        eventTypes: ["cashback.confirmed"],
        conditions: {
          all: [{ attr: "event.amountMinor", op: "gte", value: POINTS_ORDER_MIN_MINOR }],
        },
        effects: [
          { kind: "points_per_unit", points: POINTS_PER_UNIT, perUnitMinor: POINTS_UNIT_MINOR },
        ],
      },
      {
        ...rule,
        id: `sim-pts-${runTag}-purchase`,
        name: "a point per rupee of a purchase",
        eventTypes: ["purchase.completed"],
        conditions: { all: [] },
        effects: [
          {
            kind: "points_per_unit",
            points: PURCHASE_POINTS_PER_UNIT,
            perUnitMinor: PURCHASE_UNIT_MINOR,
          },
        ],
      },
    ];
  });
}

/**
 * One redemption for cashback. Accepted: the oracle records it, and a replay with the same
 * key answers the same redemption. Refused (the points not delivered yet, or spent): nothing
 * may have been spent.
 */
export async function pointsRedeemStep(
  run: PointsRun,
  oracle: PointsOracle,
  action: { user: string; points: number; key: string; replay: boolean },
  checks: Checks,
): Promise<void> {
  const { user } = action;
  run.users.add(user);
  run.stats.redemptions++;
  const spentBefore = await spendsOf(user);
  const send = () =>
    asUser(user, "/v1/me/points/redemptions", {
      body: { kind: "cashback", points: action.points },
      headers: { "idempotency-key": action.key },
    });
  const response = await send();
  if (response.status === 201) {
    const body = (await response.json()) as { id: string; cashback: { amountMinor: number } };
    oracle.redeemed(user, action.key, action.points);
    if (action.replay) {
      run.stats.replayed++;
      const again = await send();
      const same = again.status === 200 ? ((await again.json()) as { id: string }).id : null;
      if (same !== body.id)
        checks.fail("points_replay_same_redemption", `key ${action.key}: ${again.status} ${same}`);
    }
    return;
  }
  const problem = (await response.json().catch(() => null)) as { code?: string } | null;
  if (response.status !== 409 || problem?.code !== "insufficient_points")
    checks.fail("points_redemption_answered", `${response.status} ${JSON.stringify(problem)}`);
  run.stats.refused++;
  const spentAfter = await spendsOf(user);
  if (spentAfter !== spentBefore)
    checks.fail("failed_op_changed_nothing", `refused points redemption spent: ${spentAfter}`);
}

/**
 * The end (after the drain): every member's points are what the oracle says; then the
 * backstop runs as of a day past every lot's expiry and what was left active expires, spent
 * points staying spent; a redemption after that is refused. Returns the checks made.
 */
export async function settlePoints(
  run: PointsRun,
  oracle: PointsOracle,
  checks: Checks,
  waitMs = 15_000,
): Promise<number> {
  let checked = 0;
  const compare = async (invariant: string, asOfMs: number) => {
    for (const user of oracle.users()) {
      const want = oracle.expected(user);
      const deadline = Date.now() + waitMs;
      for (;;) {
        const b = await walletStub(user).getPointsBalance(asOfMs);
        const got = {
          earned:
            b.activePoints + b.pendingPoints + b.spentPoints + b.expiredPoints + b.reversedPoints,
          active: b.activePoints,
          pending: b.pendingPoints,
          spent: b.spentPoints,
          expired: b.expiredPoints,
        };
        if (JSON.stringify(got) === JSON.stringify(want)) break;
        // The inbox that earns may still be running after a crash (its alarm): wait for it.
        if (Date.now() > deadline)
          checks.fail(
            invariant,
            `user=${user} wallet=${JSON.stringify(got)} oracle=${JSON.stringify(want)}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
      checked++;
    }
  };
  await compare("oracle_points", Date.now());
  // Expiry as the cron does it: the wallets whose projected due time has passed.
  const asOfMs = Date.now() + EXPIRE_AHEAD_DAYS * DAY_MS;
  // The due time reaches D1 through the ledger-events queue, whose batches the run's background
  // faults throw and the runtime redelivers after a delay: wait for it longer than for a wallet.
  for (const user of oracle.users().filter((u) => oracle.expected(u).active > 0)) {
    await waitFor(
      () => dueAtOf(user).then((due) => due !== null && due <= asOfMs),
      Math.max(waitMs, 60_000),
    );
  }
  for (let round = 0; round < 10; round++) {
    const report = await runPointsBackstop(env, asOfMs);
    if (report.failures > 0) checks.fail("points_backstop", JSON.stringify(report));
    run.stats.expired += report.expiredPoints;
    if (report.usersVisited === 0) break;
  }
  oracle.expireAll();
  await compare("oracle_points_expired", asOfMs);
  return checked;
}

/** What the wallet has spent in points, by its spends table (a refusal must add nothing). */
function spendsOf(userId: string): Promise<string> {
  return runInDurableObject(env.WALLET.get(env.WALLET.idFromName(userId)), (_i, state) =>
    JSON.stringify(
      state.storage.sql
        .exec(`SELECT spend_id, points, amount_minor FROM points_spends ORDER BY spend_id`)
        .toArray(),
    ),
  );
}

async function dueAtOf(userId: string): Promise<number | null> {
  const row = await userDb(env, userId)
    .prepare(`SELECT due_at_ms FROM loyalty_due WHERE user_id = ?`)
    .bind(userId)
    .first<{ due_at_ms: number | null }>();
  return row?.due_at_ms ?? null;
}

async function waitFor(test: () => Promise<boolean>, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await test()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}
