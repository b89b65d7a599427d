import type { BatchItem } from "drizzle-orm/batch";
import { faultPoint } from "#durable-objects/shared/faults";
import type { ApiEnv } from "#shared/env";
import type { LedgerEventMessage, LedgerQueueMessage, UserNoticeMessage } from "#shared/messages";
import { createLogger } from "#shared/observability/logger";
import { isProjectableLedgerMessage, unbundleLedgerEvents } from "#shared/queues/ledger-bundle";
import { runInBatches } from "../../db/batch";
import {
  analyticsAfterLedgerBatch,
  confirmedDaysOfPaidUsers,
  ledgerDirtyStatements,
  pointsMovementStatements,
} from "../analytics/index";
import { claimProjection } from "../claims/index";
import { loyaltyDueProjection } from "../loyalty/index";
import { payoutOwnerStatement, payoutProjection } from "../payouts/index";
import { segmentsProjectionStatements } from "../promotions/index";
import { referralIndexStatement, referralProjection } from "../referral-records/index";
import { riskIdentifierStatements } from "../referral-review/index";
import { riskHoldProjection } from "../risk-holds/index";
import { profileStatement, registerUserStatement, signupTimesOf } from "../users/index";
import { balanceProjections } from "./balances-store";
import { transactionProjection, unattributedRowsReplaced } from "./transactions-store";

const log = createLogger({ worker: "api", feature: "ledger" });

/**
 * How long a message this build cannot project waits before its next delivery: a gradual
 * deploy's newer build takes it meanwhile; after the queue's last retry (max_retries, 20) it
 * is kept in the dead-letter queue, never acknowledged unread.
 */
const UNPROJECTABLE_RETRY_DELAY_S = 300;

/**
 * Projects wallet changes into D1 for the console, analytics and the confirmation
 * backstop. Every write is guarded by a version (transactions, payouts, referrals), an update time
 * (claims), a ledger sequence (balances) or the wallet's own counter (loyalty due times, segments), so redelivered or reordered messages can never
 * move a projection backwards. Each feature builds the statements for its own table.
 */
export async function consumeLedgerEvents(batch: MessageBatch<LedgerQueueMessage>, env: ApiEnv) {
  const projectable: LedgerQueueMessage[] = [];
  for (const message of batch.messages) {
    if (isProjectableLedgerMessage(message.body)) projectable.push(message.body);
    else {
      // A newer build's message (a kind added since): acknowledged unread it would be lost.
      log.warn("ledger.unknown_event_retried", { kind: kindOf(message.body) });
      message.retry({ delaySeconds: UNPROJECTABLE_RETRY_DELAY_S });
    }
  }
  // A bundle (one wallet flush's events of one user) is its events in order; a single event
  // (a message from before bundles, or a flush of one event) is itself.
  const bodies = unbundleLedgerEvents(projectable);
  const statements: BatchItem<"sqlite">[] = [];
  // Routed user tables live in the user databases (shared/db/router.ts): one batch per database.
  const userStatements = new Map<D1Database, BatchItem<"sqlite">[]>();
  // Global index rows (referral → referrer, payout → user) that must commit before the user
  // databases' rows they point to.
  const indexFirst: BatchItem<"sqlite">[] = [];
  const users = new Set<string>();
  const strays: UserNoticeMessage[] = [];
  for (const body of bodies) {
    // Wallet notices left in an outbox from before notices had their own queue: pass them on.
    if ((body as { kind: string }).kind === "notice") {
      strays.push(body as unknown as UserNoticeMessage);
      users.add(body.userId);
      continue;
    }
    users.add(body.userId);
    if (body.kind === "referral") indexFirst.push(referralIndexStatement(env, body.referral));
    // A payout held for review is never dispatched: its owner row is written with its first
    // projection, so every lookup by payout id is one index read (docs/scaling.md "D1 router").
    if (body.kind === "payout") {
      indexFirst.push(
        payoutOwnerStatement(env, body.payout.id, body.userId, body.payout.createdAtMs),
      );
    }
    const routed = userProjection(env, body);
    if (routed) addTo(userStatements, routed);
    statements.push(...projectionStatements(env, body));
  }
  if (strays.length > 0) await env.NOTICES.sendBatch(strays.map((body) => ({ body })));
  const nowMs = Date.now();
  for (const userId of users) addTo(userStatements, registerUserStatement(env, userId, nowMs));
  const signupMsOf = await signupTimes(env, bodies, users, nowMs);
  // Whole batch in one D1 transaction per database; a failure retries the batch, which is
  // safe (every projection is guarded). At one user database the balances join the global
  // batch, as before. The other user databases commit first: the global batch carries the
  // dirty marks, and a mark the rollup cron could read before the rows it describes (a new
  // user's signup) would be cleared with those rows missing from the refresh.
  const sameDb = userStatements.get(env.DB) ?? [];
  userStatements.delete(env.DB);
  // The indexes before any other database's referral and payout rows (such a row is never
  // without its index row; an index row alone is skipped by readers and completed by the
  // retry). With none on another database they join the global batch: one transaction.
  if (indexFirst.length > 0 && userStatements.size > 0) await runInBatches(env.DB, indexFirst);
  else sameDb.unshift(...indexFirst);
  await Promise.all([...userStatements].map(([db, upserts]) => runInBatches(db, upserts)));
  // Last in the global batch: the touched days and signup weeks marked dirty for the
  // ten-minute cron's rollup refresh (docs/analytics.md "When"). The paid users' confirmed
  // days are read after their payouts commit (on the global database, by the batch itself):
  // read earlier, a conversion a concurrent batch confirms in between could lose its mark.
  const otherDbsPaidDays = await confirmedDaysOfPaidUsers(env, bodies);
  // The projected orders' rows recorded without a user, where any exist (read now, after
  // the user databases hold the orders).
  statements.push(...(await unattributedRowsReplaced(env, projectedTransactions(bodies))));
  statements.push(...ledgerDirtyStatements(env, bodies, nowMs, signupMsOf, otherDbsPaidDays));
  await runInBatches(env.DB, [...sameDb, ...statements]);
  faultPoint("ledger_events.after_write"); // test/sim: projected, but the batch is retried
  // After the projections: the funnel's Analytics Engine data points (never throws).
  analyticsAfterLedgerBatch(env, bodies);
}

/**
 * When each user of the batch registered, for their signup week's dirty mark: the stored time
 * (read from the users' databases before the batch), else what this batch registers them with
 * (the first sign-up's time, else now). A concurrent batch registering the same user first
 * marks its own week; this one then marks one week too many, which only costs a refresh.
 */
async function signupTimes(
  env: ApiEnv,
  bodies: readonly LedgerEventMessage[],
  users: ReadonlySet<string>,
  nowMs: number,
): Promise<(userId: string) => number> {
  const stored = await signupTimesOf(env, [...users]);
  for (const body of bodies) {
    if (body.kind === "profile" && !stored.has(body.userId)) {
      stored.set(body.userId, body.signedUpAtMs);
    }
  }
  return (userId) => stored.get(userId) ?? nowMs;
}

function kindOf(body: unknown): string {
  const kind = (body as { kind?: unknown } | null)?.kind;
  return typeof kind === "string" ? kind.slice(0, 40) : typeof kind;
}

function projectedTransactions(bodies: readonly LedgerEventMessage[]) {
  return bodies.flatMap((b) =>
    b.kind === "transaction" ? [{ userId: b.userId, txnId: b.txn.id }] : [],
  );
}

function addTo(
  perDb: Map<D1Database, BatchItem<"sqlite">[]>,
  routed: { db: D1Database; statements: BatchItem<"sqlite">[] },
) {
  perDb.set(routed.db, [...(perDb.get(routed.db) ?? []), ...routed.statements]);
}

/**
 * The projections of routed user tables (shared/db/placement.ts `ROUTED`): on the user's
 * database, each from its table's store. Null for the rest, which stay in the global batch.
 */
function userProjection(
  env: ApiEnv,
  body: LedgerEventMessage,
): { db: D1Database; statements: BatchItem<"sqlite">[] } | null {
  switch (body.kind) {
    case "transaction":
      return transactionProjection(env, body.userId, body.txn);
    case "balances":
      return balanceProjections(env, body);
    case "loyalty_due":
      return loyaltyDueProjection(env, body);
    case "claim":
      return claimProjection(env, body.userId, body.claim);
    case "risk_hold":
      return riskHoldProjection(env, body.userId, body.hold);
    case "profile":
      return profileStatement(env, body.userId, body.displayName, body.signedUpAtMs);
    case "segments":
      return segmentsProjectionStatements(env, body, Date.now());
    case "payout":
      return payoutProjection(env, body.userId, body.payout);
    case "referral":
      // The referee's database (their wallet sends the referral), whoever referred them.
      return referralProjection(env, body.referral);
    default:
      return null;
  }
}

/** The global batch's statements for `body`; a routed table's share is in `userProjection`. */
function projectionStatements(env: ApiEnv, body: LedgerEventMessage): BatchItem<"sqlite">[] {
  const db = env.DB;
  switch (body.kind) {
    case "transaction":
    // The order's row without a user, if any: `unattributedRowsReplaced`, for the batch.
    case "balances":
    case "loyalty_due":
    case "claim":
    case "risk_hold":
    case "profile":
    case "segments":
    case "payout":
    case "referral":
      // Routed to the user's database by the caller (userProjection).
      return [];
    case "risk_identifiers":
      return riskIdentifierStatements(db, body);
    case "points_movement":
      return pointsMovementStatements(db, body);
    default: {
      // tsc refuses this line if a kind is not handled; at runtime an unknown kind never gets
      // here (consumeLedgerEvents retries it first).
      const unknown: never = body;
      return unknown;
    }
  }
}
