import type { ApiEnv } from "#shared/env";
import type { RiskObservationMessage } from "#shared/fraud/observation-message";
import { drainingUnreadBody } from "#shared/http/drain-body";
import { secretBearingFetcher } from "#shared/http/secure-url";
import type { ClicksQueueMessage, LedgerQueueMessage, PostbackMessage } from "#shared/messages";
import type { PromoFanoutMessage } from "#shared/notify/fanout";
import { createLogger, errorFields, type LogFields } from "#shared/observability/logger";
import type { PayoutDispatchMessage, WalletAuditMessage } from "#shared/payouts/types";
import { baseQueueName } from "#shared/queues/shards";
import { createApp } from "./app";
import { runAlerts } from "./features/alerts/index";
import { refreshDirty, refreshRecent } from "./features/analytics/index";
import { consumeClicks } from "./features/clicks/index";
import { runConfirmationBackstop } from "./features/confirmation/index";
import { consumePostbacks } from "./features/conversions/index";
import { indexUnindexedOffers } from "./features/discovery/index";
import {
  consumeRiskObservations,
  refreshReturnRates,
  sweepObservationOutbox,
} from "./features/fraud/index";
import { consumeLedgerEvents } from "./features/ledger/index";
import { runPointsBackstop } from "./features/loyalty/index";
import {
  consumeNotificationDeadLetters,
  consumeNotifications,
  type NotifyQueueMessage,
  sweepLostDigestFlushes,
  sweepUnopenedPushes,
} from "./features/notifications/index";
import {
  consumePayoutDeadLetters,
  consumePayoutDispatch,
  consumeWalletAudits,
  payoutProcessorFor,
  payoutProcessorOrNone,
  runPayoutReconciliation,
} from "./features/payouts/index";
import { consumePromoFanout } from "./features/promotions/index";
import { runScheduledReconciliations } from "./features/reconciliation/index";
import { pruneReferralClicks } from "./features/referrals/index";
import { postbackRetentionOf, runPostbackRetention } from "./features/retention/index";
import { sweepRiskUnavailable } from "./features/risk-holds/index";
import { runMerchantSyncs } from "./features/sync/index";

export { BudgetDurableObject } from "#durable-objects/budget/index";
export { CampaignBudgetDurableObject } from "#durable-objects/campaign-budget/index";
export { RiskDurableObject } from "#durable-objects/risk/index";
export { WalletDurableObject } from "./wallet-client";

const log = createLogger({ worker: "api" });

const app = createApp();

/** Queue names as configured in wrangler.toml; each consumer is idempotent. */
export const QUEUES = {
  clicks: "boomerang-clicks",
  postbacks: "boomerang-postbacks",
  ledgerEvents: "boomerang-ledger-events",
  walletAudits: "boomerang-wallet-audits",
  payouts: "boomerang-payouts",
  notices: "boomerang-notices",
  payoutsDeadLetter: "boomerang-payouts-dlq",
  noticesDeadLetter: "boomerang-notices-dlq",
  notifyTransactional: "boomerang-notify-transactional",
  notifyTransactionalDeadLetter: "boomerang-notify-transactional-dlq",
  notifyPromotional: "boomerang-notify-promotional",
  notifyPromotionalDeadLetter: "boomerang-notify-promotional-dlq",
  riskObservations: "boomerang-risk",
  notifyFanout: "boomerang-notify-fanout",
} as const;

/** Cron expressions as configured in wrangler.toml `[triggers]`, one job each. */
export const CRONS = {
  /** Confirmation backstop; wallet alarms do the timely work. */
  confirmationBackstop: "*/10 * * * *",
  /** Merchant sync of every network with a feed, hourly. */
  merchantSync: "0 * * * *",
  /** Report reconciliation of every network with a report API, daily. */
  reconciliation: "30 3 * * *",
  /** Payout reconciliation against the processor's report, then one audit per wallet, daily. */
  payoutReconciliation: "0 4 * * *",
  /**
   * Received postbacks: expired rows deleted, old bodies archived to R2; referral clicks past
   * every attribution window deleted (both bounded per run).
   */
  postbackRetention: "*/15 * * * *",
} as const;

type CronJob = (env: ApiEnv, scheduledTimeMs: number) => Promise<void>;

/** Offers without a search document indexed per hourly run. */
const SEARCH_BACKFILL_PER_RUN = 5_000;

/** A cron job's report: counts only, logged as the job's event. */
type CronReport = LogFields;

/** The ten-minute upkeep jobs, in order. */
async function tenMinuteUpkeep(env: ApiEnv, nowMs: number): Promise<void> {
  log.info("cron.confirmation_backstop", { ...(await runConfirmationBackstop(env, nowMs)) });
  // The loyalty program's backstop on the same hourly beat (features/loyalty/backstop.ts).
  log.info("cron.points_backstop", { ...(await runPointsBackstop(env, nowMs)) });
  // Redemptions held while scoring was down, oldest first across users (docs/fraud.md).
  log.info("cron.risk_sweep", { ...(await sweepRiskUnavailable(env)) });
  // Observations the click and postback consumers kept while the risk queue was down,
  // re-sent oldest first in bounded batches (docs/fraud.md "Fail-safe").
  log.info("cron.risk_observation_outbox", { ...(await sweepObservationOutbox(env)) });
  // Digests whose flush message was lost get it again (docs/notifications.md "Digests").
  log.info("cron.digest_sweep", { ...(await sweepLostDigestFlushes(env, nowMs)) });
  // Transactional pushes not opened in time go out by e-mail (docs/notifications.md "Receipts").
  log.info("cron.push_escalation", { ...(await sweepUnopenedPushes(env, nowMs)) });
}

/**
 * Analytics rollups of the days and signup weeks projection batches marked dirty, recomputed
 * (docs/analytics.md "When"); a marker re-marked meanwhile stays for the next run. Its own
 * step: an upkeep job that failed before it must not leave the console's figures stale.
 */
async function analyticsUpkeep(env: ApiEnv, nowMs: number): Promise<void> {
  try {
    log.info("cron.analytics_dirty", { ...(await refreshDirty(env, nowMs)) });
  } catch (error) {
    log.error("cron.analytics_dirty_failed", errorFields(error));
  }
}

const CRON_JOBS: ReadonlyMap<string, CronJob> = new Map<string, CronJob>([
  [
    CRONS.confirmationBackstop,
    async (env, nowMs) => {
      try {
        await tenMinuteUpkeep(env, nowMs);
      } finally {
        await analyticsUpkeep(env, nowMs);
        // Operator alerts over the platform's signals, last on the beat so they see this
        // run's sweeps, and even when one of them failed (docs/alerts.md).
        log.info("cron.alerts", {
          ...(await runAlerts(env, nowMs, { fetcher: secretBearingFetcher(env) })),
        });
      }
    },
  ],
  [
    CRONS.merchantSync,
    async (env, nowMs) => {
      log.info(
        "cron.merchant_sync",
        await runMerchantSyncs(env, { fetcher: secretBearingFetcher(env), nowMs }),
      );
      // Offers written before the search index existed get their documents, a bounded few
      // thousand an hour (docs/discovery.md).
      log.info("cron.search_backfill", {
        indexed: await indexUnindexedOffers(env.DB, SEARCH_BACKFILL_PER_RUN, nowMs),
      });
      // Return rates per merchant and category over 90 days, hourly (docs/fraud.md "Return abuse").
      log.info("cron.return_rates", { ...(await refreshReturnRates(env, nowMs)) });
      // Analytics rollups of today and yesterday and the last two signup weeks, recomputed: a
      // repair beside the ten-minute refresh of dirty days (docs/analytics.md "When").
      log.info("cron.analytics_recent", {
        ...(await refreshRecent(env, nowMs, { days: 2, weeks: 2 })),
      });
    },
  ],
  [
    CRONS.reconciliation,
    async (env, nowMs) => {
      log.info(
        "cron.reconciliation",
        await runScheduledReconciliations(env, secretBearingFetcher(env), nowMs),
      );
      // Analytics rollups of the last 35 days and a year of signup weeks, daily
      // (docs/analytics.md "Rollups").
      log.info("cron.analytics_backfill", {
        ...(await refreshRecent(env, nowMs, { days: 35, weeks: 53 })),
      });
    },
  ],
  [
    CRONS.payoutReconciliation,
    async (env, nowMs) => {
      const summary = await runPayoutReconciliation(env, payoutProcessorOrNone(env), { nowMs });
      const report: CronReport = {
        runId: summary.runId,
        status: summary.status,
        checkedPayouts: summary.checkedPayouts,
        discrepancies: summary.discrepancies,
        walletsQueued: summary.walletsQueued,
        error: summary.error,
      };
      log.info("cron.payout_reconciliation", report);
    },
  ],
  [
    CRONS.postbackRetention,
    async (env, nowMs) => {
      log.info("cron.postback_retention", {
        ...(await runPostbackRetention(env, postbackRetentionOf(env), nowMs)),
      });
      // Referral clicks past every attribution window, on the same beat (docs/referrals.md).
      log.info("cron.referral_click_retention", { ...(await pruneReferralClicks(env, nowMs)) });
    },
  ],
]);

/**
 * The jobs for one scheduled event. A trigger without a cron expression (`wrangler dev`'s
 * `/cdn-cgi/handler/scheduled` without `?cron=`) runs every job; an unknown expression runs
 * none and says so, rather than guessing.
 */
function cronJobsFor(cron: string): CronJob[] {
  if (cron === "") return [...CRON_JOBS.values()];
  const job = CRON_JOBS.get(cron);
  if (!job) {
    log.error("cron.unknown_expression", { cron });
    return [];
  }
  return [job];
}

/**
 * The scheduled time in ms. The platform's trigger gives a number; an event handed on through a
 * service binding's `scheduled({ scheduledTime: Date })` (the dev gateway, dev/gateway/index.ts)
 * arrives with the Date itself, which D1 refuses to bind: every cron job failed under
 * `wrangler dev` until this. Both become ms here.
 */
function scheduledTimeMs(controller: Pick<ScheduledController, "scheduledTime">): number {
  const time = controller.scheduledTime as number | Date;
  const ms = typeof time === "number" ? time : time.getTime();
  return Number.isFinite(ms) ? ms : Date.now();
}

export default {
  // A body answered unread (a 401, a 413 refused on its Content-Length) is read out, so a
  // keep-alive connection survives (shared/http/drain-body.ts).
  fetch: drainingUnreadBody(app.fetch),

  async queue(batch, env, _ctx) {
    // A sharded family's queues (`boomerang-clicks-2`, …) share shard 0's consumer
    // (shared/queues/shards.ts, docs/scaling.md "Queue shards").
    switch (baseQueueName(batch.queue)) {
      case QUEUES.clicks:
        return consumeClicks(batch as MessageBatch<ClicksQueueMessage>, env);
      case QUEUES.postbacks:
        return consumePostbacks(batch as MessageBatch<PostbackMessage>, env);
      case QUEUES.ledgerEvents:
        return consumeLedgerEvents(batch as MessageBatch<LedgerQueueMessage>, env);
      case QUEUES.walletAudits:
        return consumeWalletAudits(batch as MessageBatch<WalletAuditMessage>, env);
      case QUEUES.payouts:
        return consumePayoutDispatch(
          batch as MessageBatch<PayoutDispatchMessage>,
          env,
          payoutProcessorFor(env),
        );
      // Old wallet notices go through the notification router, translated (docs/notifications.md).
      case QUEUES.notices:
      case QUEUES.notifyTransactional:
      case QUEUES.notifyPromotional:
        return consumeNotifications(batch as MessageBatch<NotifyQueueMessage>, env);
      case QUEUES.noticesDeadLetter:
      case QUEUES.notifyTransactionalDeadLetter:
      case QUEUES.notifyPromotionalDeadLetter:
        return consumeNotificationDeadLetters(batch as MessageBatch<NotifyQueueMessage>, env);
      case QUEUES.payoutsDeadLetter:
        return consumePayoutDeadLetters(batch as MessageBatch<PayoutDispatchMessage>, env);
      case QUEUES.notifyFanout:
        return consumePromoFanout(batch as MessageBatch<PromoFanoutMessage>, env);
      case QUEUES.riskObservations:
        return consumeRiskObservations(batch as MessageBatch<RiskObservationMessage>, env);
      default:
        // Unknown queue: leave the messages for their dead-letter queue rather than drop them.
        throw new Error(`no consumer for queue ${batch.queue}`);
    }
  },

  async scheduled(controller, env, ctx) {
    const nowMs = scheduledTimeMs(controller);
    for (const job of cronJobsFor(controller.cron)) {
      ctx.waitUntil(
        job(env, nowMs).catch((error) =>
          log.error("cron.job_failed", { cron: controller.cron, ...errorFields(error) }),
        ),
      );
    }
  },
} satisfies ExportedHandler<ApiEnv, unknown>;
