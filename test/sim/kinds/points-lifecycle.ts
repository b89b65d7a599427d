import { sendEvents } from "../../events-client";
import { walletStub } from "../../helpers";
import { asAdmin, asUser } from "../../payout-helpers";
import { runWalletDue } from "../due-run";
import {
  type PointsLotsOracle,
  VOUCHER_CODES,
  VOUCHER_COST_POINTS,
} from "../oracle/points-lots-oracle";
import type { PointsLifeAction } from "./points-lifecycle-plan";

/**
 * The points lifecycle in the simulation (docs/loyalty.md), for members of its own: purchases
 * sent signed through the events worker earn pending points through the run's purchase rule
 * (published with the program's other rules, kinds/points.ts); a `purchase.confirmed` activates
 * them; refunds take their share back as new entries, as points debt when it was spent; vouchers
 * are bought from the run's code pool through the member API (replayed with the same key now
 * and then); and a member's clock is moved past every lot's expiry mid-run, by the wallet's due
 * run as of then (the alarm's work), which activates what is pending and expires what is left.
 * After every step the member's points, by place, are the oracle's.
 */

/** How far ahead an expiry step runs the wallet's due work: past every lot's week. */
export const EXPIRE_AHEAD_DAYS = 9;
const DAY_MS = 86_400_000;

export interface PointsLifeRun {
  poolId: string;
  users: Set<string>;
  codes: Set<string>;
  stats: {
    purchases: number;
    confirmed: number;
    refunds: number;
    /** Refunds that found points already spent: the rest became points debt. */
    refundsIntoDebt: number;
    vouchers: number;
    voucherRefused: number;
    voucherPoolEmpty: number;
    voucherReplayed: number;
    /** Mid-run expiry steps and the points they expired. */
    expiries: number;
    expiredPoints: number;
  };
}

interface Checks {
  fail: (invariant: string, detail: string) => never;
}

/** The run's voucher pool, made through the admin API as an operator would. */
export async function setupPointsLifecycle(runTag: string): Promise<PointsLifeRun> {
  const poolId = `sim-pts-${runTag}`;
  const made = await asAdmin("/admin/v1/loyalty/voucher-pools", "POST", {
    id: poolId,
    name: "simulation voucher",
    pointsCost: VOUCHER_COST_POINTS,
  });
  if (made.status !== 201) throw new Error(`sim: voucher pool ${made.status} ${await made.text()}`);
  const codes = Array.from({ length: VOUCHER_CODES }, (_, i) => `${poolId}-C${i}`);
  const added = await asAdmin(`/admin/v1/loyalty/voucher-pools/${poolId}/codes`, "POST", {
    codes,
  });
  if (added.status !== 200 && added.status !== 201)
    throw new Error(`sim: voucher codes ${added.status} ${await added.text()}`);
  return {
    poolId,
    users: new Set(),
    codes: new Set(),
    stats: {
      purchases: 0,
      confirmed: 0,
      refunds: 0,
      refundsIntoDebt: 0,
      vouchers: 0,
      voucherRefused: 0,
      voucherPoolEmpty: 0,
      voucherReplayed: 0,
      expiries: 0,
      expiredPoints: 0,
    },
  };
}

/** One lifecycle step, then the member's points compared with the oracle. */
export async function pointsLifeStep(
  run: PointsLifeRun,
  oracle: PointsLotsOracle,
  action: PointsLifeAction,
  checks: Checks,
): Promise<void> {
  const { user } = action;
  run.users.add(user);
  switch (action.op) {
    case "purchase":
      await sendAccepted(checks, action.eventId, user, "purchase.completed", {
        orderId: `order-${action.eventId}`,
        amountMinor: action.amountMinor,
        currency: "INR",
      });
      oracle.purchase(user, action.eventId, action.amountMinor);
      run.stats.purchases++;
      break;
    case "confirm":
      await sendAccepted(checks, action.eventId, user, "purchase.confirmed", {
        originalEventId: action.originalEventId,
      });
      oracle.confirm(action.originalEventId);
      run.stats.confirmed++;
      break;
    case "refund": {
      await sendAccepted(checks, action.eventId, user, "refund.completed", {
        originalEventId: action.originalEventId,
        amountMinor: action.amountMinor,
        currency: "INR",
      });
      const taken = oracle.refund(action.originalEventId, action.amountMinor);
      run.stats.refunds++;
      if (taken.debt > 0) run.stats.refundsIntoDebt++;
      break;
    }
    case "voucher":
      await voucherStep(run, oracle, action, checks);
      break;
    case "expire": {
      const report = await runWalletDue(user, Date.now() + EXPIRE_AHEAD_DAYS * DAY_MS);
      const want = oracle.expire(user);
      run.stats.expiries++;
      run.stats.expiredPoints += want;
      if (report.expiredPoints !== want)
        checks.fail(
          "oracle_points_expired",
          `user=${user} the due run expired ${report.expiredPoints}, oracle ${want}`,
        );
      break;
    }
  }
  await comparePoints(user, oracle, checks, "oracle_points_lots");
}

async function sendAccepted(
  checks: Checks,
  eventId: string,
  userId: string,
  type: string,
  data: Record<string, unknown>,
): Promise<void> {
  const response = await sendEvents({
    id: eventId,
    type,
    userId,
    occurredAt: new Date(Date.now() - 1_000).toISOString(),
    data,
  });
  const answer = (await response.json().catch(() => null)) as { status?: string } | null;
  if (response.status !== 202 || answer?.status !== "accepted")
    checks.fail(
      "event_answered",
      `${type} ${eventId}: ${response.status} ${JSON.stringify(answer)}`,
    );
}

/**
 * A voucher from the run's pool. Accepted (201): a code no one else got; the same key again
 * answers 200 with the same redemption and code. Refused: the oracle's reason, nothing spent.
 */
async function voucherStep(
  run: PointsLifeRun,
  oracle: PointsLotsOracle,
  action: Extract<PointsLifeAction, { op: "voucher" }>,
  checks: Checks,
): Promise<void> {
  const send = () =>
    asUser(action.user, "/v1/me/points/redemptions", {
      body: { kind: "voucher", poolId: run.poolId },
      headers: { "idempotency-key": action.key },
    });
  const response = await send();
  const body = (await response.json().catch(() => null)) as {
    id?: string;
    code?: string;
    voucher?: { code: string } | null;
  } | null;
  const want = oracle.voucher(action.user, action.key);
  run.stats.vouchers++;
  const got = response.status === 201 ? "created" : response.status === 409 ? body?.code : null;
  if (got !== want)
    checks.fail(
      "oracle_voucher",
      `user=${action.user} key=${action.key}: ${response.status} ${JSON.stringify(body)}, oracle ${want}`,
    );
  if (want === "insufficient_points") run.stats.voucherRefused++;
  if (want === "voucher_pool_empty") run.stats.voucherPoolEmpty++;
  if (want !== "created") return;
  const code = body?.voucher?.code ?? "";
  if (run.codes.has(code)) checks.fail("voucher_code_once", `${code} handed out twice`);
  run.codes.add(code);
  if (!action.replay) return;
  run.stats.voucherReplayed++;
  const again = await send();
  const same = (await again.json().catch(() => null)) as typeof body;
  if (again.status !== 200 || same?.id !== body?.id || same?.voucher?.code !== code)
    checks.fail(
      "points_replay_same_redemption",
      `key ${action.key}: ${again.status} ${JSON.stringify(same)}, first ${JSON.stringify(body)}`,
    );
}

/** The member's points by place (and their debt) equal the oracle's, and each lot adds up. */
async function comparePoints(
  user: string,
  oracle: PointsLotsOracle,
  checks: Checks,
  invariant: string,
): Promise<void> {
  const b = await walletStub(user).getPointsBalance();
  const got = {
    active: b.activePoints,
    pending: b.pendingPoints,
    spent: b.spentPoints,
    expired: b.expiredPoints,
    reversed: b.reversedPoints,
    debt: b.debtPoints,
  };
  const want = oracle.expected(user);
  if (JSON.stringify(got) !== JSON.stringify(want))
    checks.fail(
      invariant,
      `user=${user} wallet=${JSON.stringify(got)} oracle=${JSON.stringify(want)}`,
    );
}

/**
 * The end (after the cron backstop of kinds/points.ts ran past every lot's expiry): each
 * member's due run as of then changes nothing more, every point left has expired as the oracle
 * says, and the pool has issued exactly the oracle's vouchers. Returns the checks made.
 */
export async function settlePointsLifecycle(
  run: PointsLifeRun,
  oracle: PointsLotsOracle,
  checks: Checks,
): Promise<number> {
  let checked = 0;
  for (const user of oracle.users()) {
    await runWalletDue(user, Date.now() + EXPIRE_AHEAD_DAYS * DAY_MS);
    oracle.expire(user);
    await comparePoints(user, oracle, checks, "oracle_points_lots_expired");
    checked++;
  }
  const pool = await asAdmin(`/admin/v1/loyalty/voucher-pools/${run.poolId}`);
  const counts = ((await pool.json()) as { codes?: { issued: number } }).codes;
  checked++;
  if (counts?.issued !== oracle.vouchersIssued())
    checks.fail(
      "oracle_voucher_pool",
      `${run.poolId} issued ${counts?.issued}, oracle ${oracle.vouchersIssued()}`,
    );
  return checked;
}
