import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sendEvents } from "../../events-client";
import type { EventRollbackAction } from "../generator";
import type { EventsOracle } from "../oracle/events-oracle";
import { budgetsOfUser, checkBudgets, type EventsRun } from "./events";

/**
 * Refunds and chargebacks of the simulation's first-party events (docs/events.md, docs/rules.md
 * "Rollback"), sent signed through the events worker like any event: a refund of part or all of
 * an earlier event's amount, a chargeback, its resolution (won or lost), or one of them sent
 * again. The wallet processes it and asks the boost's budgets before the intake answers, so
 * after each one what the original's rewards still hold and what both budgets pay are compared
 * with the oracle at once.
 */

export interface RollbackStats {
  refunds: number;
  chargebacks: number;
  won: number;
  lost: number;
  resent: number;
}

interface Checks {
  fail: (invariant: string, detail: string) => never;
  fingerprint: (user: string) => Promise<string>;
}

/** What each rule's reward of one event still holds in the wallet (posted − taken). */
function heldFor(user: string, eventId: string): Promise<Record<string, number>> {
  return runInDurableObject(env.WALLET.get(env.WALLET.idFromName(user)), (_i, state) => {
    const held: Record<string, number> = {};
    for (const r of state.storage.sql.exec<{ rule_id: string; held: number }>(
      `SELECT rule_id, posted - taken AS held FROM event_rewards WHERE event_id = ?`,
      eventId,
    ))
      held[r.rule_id] = (held[r.rule_id] ?? 0) + r.held;
    return held;
  });
}

/** Occurrence times only grow, so the newest chargeback of an event is the last one sent. */
let lastOccurredMs = 0;

function bodyOf(action: EventRollbackAction): Record<string, unknown> {
  lastOccurredMs = Math.max(lastOccurredMs + 1, Date.now() - 1_000);
  const { rollback } = action;
  const data: Record<string, unknown> = { originalEventId: action.originalEventId };
  if (rollback.type === "refund.completed") {
    data.amountMinor = rollback.amountMinor;
    data.currency = "INR";
  }
  if (rollback.type === "chargeback.resolved") data.outcome = rollback.outcome;
  return {
    id: action.eventId,
    type: rollback.type,
    userId: action.user,
    occurredAt: new Date(lastOccurredMs).toISOString(),
    data,
  };
}

export async function eventRollbackStep(
  run: EventsRun,
  oracle: EventsOracle,
  action: EventRollbackAction,
  checks: Checks,
): Promise<void> {
  const { user, eventId, originalEventId, rollback } = action;
  run.users.add(user);
  const sent = run.bodies.get(eventId);
  const body = sent ?? bodyOf(action);
  if (!sent) run.bodies.set(eventId, body);
  const before = sent
    ? [await checks.fingerprint(user), await budgetsOfUser(run, user, checks)]
    : null;
  const response = await sendEvents(body);
  const answer = (await response.json().catch(() => null)) as { status?: string } | null;
  const expected = sent ? [200, "duplicate"] : [202, "accepted"];
  if (response.status !== expected[0] || answer?.status !== expected[1])
    checks.fail(
      "event_answered",
      `${rollback.type} ${eventId} (${action.mode}): ${response.status} ${JSON.stringify(answer)}`,
    );
  if (before) {
    run.stats.rollbacks.resent++;
    const after = [await checks.fingerprint(user), await budgetsOfUser(run, user, checks)];
    if (JSON.stringify(after) !== JSON.stringify(before))
      checks.fail(
        "replay_changed_nothing",
        `${rollback.type} ${eventId} sent again, user=${user}\nbefore=${before.join("\n")}\nafter=${after.join("\n")}`,
      );
    return;
  }
  if (rollback.type === "refund.completed") {
    run.stats.rollbacks.refunds++;
    oracle.refunded(eventId, originalEventId, rollback.amountMinor);
  } else if (rollback.type === "chargeback.created") {
    run.stats.rollbacks.chargebacks++;
    oracle.chargedBack(eventId, originalEventId);
  } else {
    run.stats.rollbacks[rollback.outcome === "user_won" ? "won" : "lost"]++;
    oracle.resolved(eventId, originalEventId, rollback.outcome);
  }
  // The budgets first: a release that went missing shows as that.
  await checkBudgets(run, oracle, [user], checks);
  const held = await heldFor(user, originalEventId);
  const have = {
    percentMinor: held[run.percentRuleId] ?? 0,
    boostMinor: held[run.boostRuleId] ?? 0,
  };
  const want = oracle.held(originalEventId);
  if (JSON.stringify(have) !== JSON.stringify(want))
    checks.fail(
      "oracle_event_rewards",
      `${rollback.type} ${eventId} of ${originalEventId} user=${user}: wallet holds ${JSON.stringify(have)}, oracle ${JSON.stringify(want)}`,
    );
}

/**
 * What the open chargebacks took from the boosts and still hold in the budgets: the campaign's
 * budget pays that on top of what the wallets hold.
 */
export async function boostsHeldByChargebacks(
  run: EventsRun,
  openChargebacks: readonly string[],
): Promise<number> {
  let minor = 0;
  for (const user of run.users) {
    minor += await runInDurableObject(env.WALLET.get(env.WALLET.idFromName(user)), (_i, state) => {
      let n = 0;
      for (const cause of openChargebacks)
        n += Number(
          state.storage.sql
            .exec(
              `SELECT COALESCE(SUM(t.amount + t.debt), 0) AS n FROM event_reward_takes t
               JOIN event_rewards r ON r.reward_key = t.reward_key
               WHERE t.cause_event_id = ? AND t.restored_at_ms IS NULL AND r.rule_id = ?`,
              cause,
              run.boostRuleId,
            )
            .one().n,
        );
      return n;
    });
  }
  return minor;
}
