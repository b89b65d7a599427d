import { termsBoundIssue } from "#shared/config/click-message-bounds";
import { refreshCachedConfig } from "#shared/config/config-store";
import type { ApiEnv, ConfigBindings } from "#shared/env";
import { AppError } from "#shared/http/errors";
import { newId } from "#shared/ids";
import { feedRateCeilingBps } from "#shared/networks/core/feed-review-options";
import { ReportError } from "#shared/networks/core/report-error";
import { feedUrlOf, fetchGenericOfferFeed } from "#shared/networks/feeds/generic-feed";
import { adapterFor } from "#shared/networks/registry";
import type { NetworkSettings, OfferFeed, ReportFetch } from "#shared/networks/types";
import { createLogger, errorFields } from "#shared/observability/logger";
import { runInBatches } from "../../db/batch";
import {
  activeNetworks,
  emptyCounts,
  MAX_NETWORK_RECORDS,
  networkById,
  offerIdsOfNetwork,
  planFeedSync,
  saveNetworkHealth,
} from "../catalog/index";
import { catalogWriteStatements, reindexOffers } from "../discovery/search-index";
import {
  type BreakerPolicy,
  breakerGate,
  CLOSED_BREAKER,
  DEFAULT_BREAKER_POLICY,
  nextBreakerState,
} from "./circuit-breaker";
import {
  finishRun,
  finishRunStatement,
  healthRow,
  lastRun,
  type NetworkHealthRecord,
  readNetworkHealth,
  runCountsStatement,
  type SyncRun,
  type SyncTrigger,
  startRun,
} from "./store";

const log = createLogger({ worker: "api", feature: "sync" });

/**
 * Merchant sync: pulls a network's offer feed and makes the catalog match it.
 *
 * - Idempotent. Records are keyed by ids derived from the network's own (feed-ids.ts), and a
 *   record is written only when a field the feed owns differs, so an identical feed writes
 *   nothing to D1 and refreshes no cached config.
 * - Never deletes. Offers and merchants of the network that left the feed are deactivated
 *   (clicks and transactions keep pointing at them); one that comes back is reactivated.
 * - The feed owns merchant name, landing URL and active flag, and offer title, currency,
 *   rates, return window, active flag and `networkOfferRef`. What feeds do not carry
 *   (description, schedule, excluded categories, rate policy, cap, confirmation policy) stays
 *   as the operator set it.
 * - The operator outranks the feed: a merchant or offer switched off through the admin API
 *   stays off, and rates above the network's `maxFeedRateBps` are held for review
 *   (held_feed_changes; GET /admin/v1/networks/{id}/held-feed-changes) instead of applied.
 * - Whole or nothing. The feed is validated before anything is written; a bad feed fails the
 *   run and counts as a failure of the network.
 * - Circuit breaker per network (circuit-breaker.ts). Feed failures open it; while it is
 *   open the network's offers are hidden (their cached configs say inactive) and the cron
 *   leaves the network alone until the cool-down ends, then probes.
 *
 * Every run that calls the network is recorded in `sync_runs`; time comes in as `nowMs`.
 */

/** Bounds: statements per D1 batch, offers per config refresh, networks per cron. */
const STATEMENTS_PER_BATCH = 200;
const REFRESH_CHUNK = 100;
const MAX_NETWORKS_PER_CRON = 500;
const MAX_ERROR_CHARS = 1_000;

export type SyncOutcome =
  | { kind: "ran"; run: SyncRun }
  | { kind: "skipped"; networkId: string; retryAtMs: number | null };

export interface SyncOptions {
  /** How to reach the network: global `fetch` in production, a function in tests. */
  fetcher: ReportFetch;
  nowMs: number;
  trigger: SyncTrigger;
  policy?: BreakerPolicy;
}

/**
 * Syncs one network now. A scheduled run (`trigger: "cron"`) is skipped while the breaker is
 * open and cooling down; an operator's run always calls the network and, when the breaker is
 * not closed, is its probe. Throws `not_found` for an unknown network and `conflict` for one
 * without a `feedUrl`; every other failure is recorded in the returned run.
 *
 * @example
 * const outcome = await syncNetwork(env, "sandbox", {
 *   fetcher: (r) => fetch(r),
 *   nowMs: Date.now(),
 *   trigger: "admin",
 * });
 */
export async function syncNetwork(
  env: ApiEnv,
  networkId: string,
  options: SyncOptions,
): Promise<SyncOutcome> {
  const { nowMs, trigger } = options;
  // Run times follow the injected clock; the duration is real.
  const wallStartMs = Date.now();
  const finishedAt = () => nowMs + Math.max(0, Date.now() - wallStartMs);
  const policy = options.policy ?? DEFAULT_BREAKER_POLICY;
  const network = await networkById(env, networkId);
  if (!network) throw new AppError("not_found", `network ${networkId} not found`);
  let feedUrl: string | null;
  try {
    feedUrl = feedUrlOf(network.options);
  } catch (error) {
    throw new AppError("conflict", `network ${networkId}: ${(error as Error).message}`);
  }
  if (feedUrl === null) {
    throw new AppError(
      "conflict",
      `network ${networkId} has no options.feedUrl; set one to sync its merchants`,
    );
  }

  const health = await readNetworkHealth(env.DB, networkId);
  const gate = breakerGate(health.breaker, nowMs);
  if (trigger === "cron" && gate === "skip") {
    return { kind: "skipped", networkId, retryAtMs: health.breaker.retryAtMs };
  }
  const probe = health.breaker.state === "open";
  const previous = await lastRun(env, networkId);
  const run: SyncRun = {
    id: newId("run", nowMs),
    networkId,
    trigger,
    probe,
    status: "running",
    offers: emptyCounts(),
    merchants: emptyCounts(),
    offersHeld: 0,
    breakerState: null,
    error: null,
    startedAtMs: nowMs,
    finishedAtMs: null,
  };
  await startRun(env, run);

  const settings: NetworkSettings = {
    networkId,
    postbackSecret: network.postbackSecret,
    options: network.options,
    reportApiToken: network.reportApiToken,
  };
  const adapter = adapterFor(network.postbackFormat);
  let feed: OfferFeed;
  try {
    feed = adapter?.fetchOfferFeed
      ? await adapter.fetchOfferFeed(options.fetcher, settings)
      : await fetchGenericOfferFeed(options.fetcher, settings);
    refuseOversizedTerms(feed);
  } catch (error) {
    return failOnFeed(env, run, health, error, nowMs, finishedAt(), policy);
  }

  let breakerAfter = health.breaker.state;
  try {
    const plan = await planFeedSync(env, networkId, feed, nowMs, {
      ceilingBps: feedRateCeilingBps(network.options),
      runId: run.id,
    });
    run.offers = plan.offers;
    run.merchants = plan.merchants;
    run.offersHeld = plan.held;
    // The counts go first, in the same batch as the first changes: a run that stops after
    // writing anything is then visibly not "succeeded", and the next run refreshes every
    // config of the network instead of trusting that these were refreshed.
    await runInBatches(
      env.DB,
      [runCountsStatement(env.DB, run), ...plan.statements],
      STATEMENTS_PER_BATCH,
    );

    // Close before refreshing: loadOfferConfig reads the breaker from D1.
    const closed = healthRow(
      networkId,
      CLOSED_BREAKER,
      { ...health, lastSuccessAtMs: nowMs },
      nowMs,
    );
    await runInBatches(env.DB, [
      saveNetworkHealth(env.DB, closed),
      // A probe that closes the breaker shows the network's offers again.
      ...(probe
        ? catalogWriteStatements(env.DB, [{ kind: "network_visibility", networkId }], nowMs)
        : []),
    ]);
    breakerAfter = "closed";

    // Normally only what changed. Everything after a probe (the breaker hid every offer) and
    // after a run that did not succeed (it may have written D1 and stopped before KV; a run
    // that failed on the feed costs one needless full refresh on recovery, which is cheap).
    const refreshAll = probe || (previous !== null && previous.status !== "succeeded");
    const refreshIds = refreshAll
      ? await networkOfferIds(env, networkId)
      : [...plan.changedOfferIds];
    await refreshOffers(env, refreshIds);
    // A run that stopped part-way may have written offers without their search documents.
    if (previous !== null && previous.status !== "succeeded") {
      await reindexOffers(env.DB, refreshIds, nowMs);
    }

    run.status = "succeeded";
  } catch (error) {
    // Not the network's fault (our writes, or a feed that collides with other records): the
    // breaker is not counted against it. The next run refreshes every config (`refreshAll`).
    log.error("sync.run_failed", { networkId, runId: run.id, ...errorFields(error) });
    run.status = "failed";
    run.error = errorText(error);
  }
  run.breakerState = breakerAfter;
  run.finishedAtMs = finishedAt();
  await finishRun(env, run);
  return { kind: "ran", run };
}

/**
 * The cron entry: syncs every active network that has a `feedUrl`, one at a time (each is
 * bounded; a slow network delays the others rather than multiplying load). A network that
 * throws is logged and does not stop the rest.
 */
export async function runMerchantSyncs(
  env: ApiEnv,
  options: Omit<SyncOptions, "trigger">,
): Promise<{ networks: number; succeeded: number; failed: number; skipped: number }> {
  const rows = await activeNetworks(env, MAX_NETWORKS_PER_CRON);
  const report = { networks: 0, succeeded: 0, failed: 0, skipped: 0 };
  for (const row of rows) {
    if (typeof row.options?.feedUrl !== "string") continue;
    report.networks++;
    try {
      const outcome = await syncNetwork(env, row.id, { ...options, trigger: "cron" });
      if (outcome.kind === "skipped") report.skipped++;
      else if (outcome.run.status === "succeeded") report.succeeded++;
      else report.failed++;
    } catch (error) {
      report.failed++;
      log.error("sync.network_failed", { networkId: row.id, ...errorFields(error) });
    }
  }
  return report;
}

// ---- failure ---------------------------------------------------------------------------------

async function failOnFeed(
  env: ApiEnv,
  run: SyncRun,
  health: NetworkHealthRecord,
  error: unknown,
  nowMs: number,
  finishedAtMs: number,
  policy: BreakerPolicy,
): Promise<SyncOutcome> {
  const next = nextBreakerState(health.breaker, "failure", nowMs, policy);
  run.status = "failed";
  run.error = errorText(error);
  run.breakerState = next.state;
  run.finishedAtMs = finishedAtMs;
  const row = healthRow(
    run.networkId,
    next,
    { ...health, lastFailureAtMs: nowMs, lastError: run.error },
    nowMs,
  );
  const opened = health.breaker.state === "closed" && next.state === "open";
  // The breaker and the run's outcome commit together (and, when it opens, the retirement of
  // cached catalog pages that still show the network's offers).
  await runInBatches(env.DB, [
    saveNetworkHealth(env.DB, row),
    finishRunStatement(env.DB, run),
    ...(opened
      ? catalogWriteStatements(
          env.DB,
          [{ kind: "network_visibility", networkId: run.networkId }],
          nowMs,
        )
      : []),
  ]);
  if (opened) {
    log.error("sync.breaker_opened", {
      networkId: run.networkId,
      retryAtMs: next.retryAtMs,
    });
    try {
      await refreshOffers(env, await networkOfferIds(env, run.networkId));
    } catch (refreshError) {
      // The probe after the cool-down refreshes every config of the network again.
      log.error("sync.breaker_refresh_failed", {
        networkId: run.networkId,
        ...errorFields(refreshError),
      });
    }
  }
  return { kind: "ran", run };
}

// ---- D1 and KV helpers -----------------------------------------------------------------------

function networkOfferIds(env: ConfigBindings, networkId: string): Promise<string[]> {
  return offerIdsOfNetwork(env, networkId, MAX_NETWORK_RECORDS);
}

async function refreshOffers(env: ConfigBindings, offerIds: string[]): Promise<void> {
  for (let i = 0; i < offerIds.length; i += REFRESH_CHUNK) {
    await refreshCachedConfig(env, {
      offerIds: offerIds.slice(i, i + REFRESH_CHUNK),
      networkIds: [],
    });
  }
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, MAX_ERROR_CHARS);
}

/**
 * A feed offer whose terms exceed the bound the admin API enforces (click-message-bounds.ts)
 * would make every click on it too large to queue: the feed is malformed, and like any bad
 * feed it fails the run whole rather than being applied in part.
 */
function refuseOversizedTerms(feed: OfferFeed): void {
  for (const merchant of feed.merchants) {
    for (const offer of merchant.offers) {
      const issue = termsBoundIssue(offer.terms);
      if (issue) {
        throw new ReportError(
          "malformed",
          `feed offer ${merchant.id}/${offer.id}: ${issue.message}`,
        );
      }
    }
  }
}
