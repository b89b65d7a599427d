import type { ApiEnv } from "#shared/env";
import { isLinkKind, withSharingFacts } from "#shared/fraud/identity-links";
import type { RiskObservationMessage } from "#shared/fraud/observation-message";
import { ACTIVITY_KINDS, type Observation } from "#shared/fraud/risk-contract";
import { needsAssessment } from "#shared/fraud/screen";
import type { UserOrderCounts } from "#shared/fraud/user-order-counts";
import { createLogger, errorFields } from "#shared/observability/logger";
import { exponentialBackoff } from "#shared/retry/backoff";
import { type CompiledRuleSet, CompiledRuleSetCache } from "#shared/rules/index";
import { loadLiveRuleSet } from "#shared/rules/live-rule-set";
import { recordScoredPopulation } from "../analytics/index";
import { holderCounts, type LinkRow, recordLinks } from "./identity-store";
import { recordOrdersAndRead } from "./return-store";
import { liveRiskPorts, type RiskPorts } from "./risk-ports";

const log = createLogger({ worker: "api", feature: "fraud" });

/** Published versions compile once per isolate, for the conversion screen. */
const COMPILED_RULE_SETS = new CompiledRuleSetCache();

/** Retry delays: scoring may be down for a while; nothing on a hot path waits for it. */
const RETRY_BASE_SEC = 5;
const RETRY_CAP_SEC = 300;

/**
 * The risk consumer (queue `boomerang-risk`, docs/fraud.md "Signals"):
 * 1. the identifiers of the whole batch go to D1 `risk_identifiers` in one batch (this consumer
 *    is their one writer), and how many users hold each comes back in one bounded read;
 * 2. the batch's orders go to D1 `risk_orders` (return-store.ts), and each user's order counts
 *    come back (user-order-counts.ts), this batch's included;
 * 3. each observation gains the sharing facts (`signal.usersSharingDevice`, …), its order's
 *    merchant and category rates, and the user's counts;
 * 4. each user's observations go to their risk object in order of time (`assess`, idempotent on
 *    the observation id), and the assessment's effects to the wallet (`applyAssessment`) — a
 *    conversion only when a published rule could apply to it (shared/fraud/screen.ts): D1
 *    already counted it, and nothing else reads it from the object.
 * Messages are acked one by one; a user whose object fails has the rest of theirs retried with
 * backoff, without holding up other users. At least once end to end, counted once.
 */
export async function consumeRiskObservations(
  batch: MessageBatch<RiskObservationMessage>,
  env: ApiEnv,
  ports: RiskPorts = liveRiskPorts,
): Promise<void> {
  const valid: Array<Message<RiskObservationMessage>> = [];
  for (const message of batch.messages) {
    if (isObservationMessage(message.body)) valid.push(message);
    else {
      // Nothing a retry could fix: a message no producer of this version sends.
      log.warn("risk.observation_malformed", { messageId: message.id });
      message.ack();
    }
  }
  if (valid.length === 0) return;

  let holders: Map<string, number>;
  let returnFacts: Map<string, Record<string, string | number | boolean>>;
  let orderCounts: Map<string, UserOrderCounts>;
  const nowMs = Date.now();
  try {
    const rows = linkRowsOf(valid.map((m) => m.body.observation));
    await recordLinks(env.DB, rows);
    holders = await holderCounts(env.DB, rows);
    // Return abuse: the batch's orders into D1, their merchant and category rates back.
    // …and each user's counts, this batch's orders included: one D1 round trip.
    ({ facts: returnFacts, counts: orderCounts } = await recordOrdersAndRead(
      env,
      valid.map((m) => m.body.observation),
      nowMs,
    ));
  } catch (error) {
    log.error("risk.batch_store_failed", { observations: valid.length, ...errorFields(error) });
    for (const m of valid) m.retry({ delaySeconds: backoffSec(m.attempts) });
    return;
  }

  // The scored population for the hold rate (docs/analytics.md; never throws), written while
  // the live rules are read rather than as one more serial round trip.
  const [, compiled] = await Promise.all([
    recordScoredPopulation(
      env.DB,
      valid.map((m) => m.body.observation),
      nowMs,
    ),
    liveCompiled(env),
  ]);
  const byUser = new Map<string, Array<Message<RiskObservationMessage>>>();
  for (const m of valid) {
    const list = byUser.get(m.body.observation.userId) ?? [];
    list.push(m);
    byUser.set(m.body.observation.userId, list);
  }
  await Promise.all(
    [...byUser.values()].map(async (messages) => {
      messages.sort((a, b) => a.body.observation.atMs - b.body.observation.atMs);
      for (const [index, message] of messages.entries()) {
        const counts = orderCounts.get(message.body.observation.userId) as UserOrderCounts;
        const observation: Observation = {
          ...withFacts(
            withSharingFacts(message.body.observation, holders),
            returnFacts.get(message.body.observation.observationId),
          ),
          orderCounts: counts,
        };
        // Counted in D1 above; the object only hears of a conversion a rule could judge.
        if (compiled !== undefined && !needsAssessment(observation, compiled, counts, nowMs)) {
          message.ack();
          continue;
        }
        try {
          const assessment = await ports.assess(env, observation);
          await ports.applyAssessment(env, observation, assessment);
          message.ack();
        } catch (error) {
          log.error("risk.assess_failed", {
            observationId: observation.observationId,
            kind: observation.kind,
            ...errorFields(error),
          });
          // This one and the user's later ones, so their order is kept on redelivery.
          for (const rest of messages.slice(index)) {
            rest.retry({ delaySeconds: backoffSec(rest.attempts) });
          }
          return;
        }
      }
    }),
  );
}

/**
 * The live rule set for the screen: null when nothing is published, undefined when it cannot
 * be read (then every observation goes to its object, which reads the rules itself).
 */
async function liveCompiled(env: ApiEnv): Promise<CompiledRuleSet | null | undefined> {
  try {
    const live = await loadLiveRuleSet(env, (p) => {
      p.catch(() => undefined);
    });
    return live ? COMPILED_RULE_SETS.get(live.ruleSet) : null;
  } catch (error) {
    log.warn("risk.rules_unreadable", errorFields(error));
    return undefined;
  }
}

const backoffSec = (attempts: number) =>
  exponentialBackoff(attempts, { base: RETRY_BASE_SEC, cap: RETRY_CAP_SEC });

/** Pure: one D1 row per link identifier an observation carries (other kinds are not links). */
export function linkRowsOf(observations: readonly Observation[]): LinkRow[] {
  const rows: LinkRow[] = [];
  for (const o of observations) {
    for (const [kind, hash] of Object.entries(o.identifiers ?? {})) {
      if (isLinkKind(kind)) rows.push({ kind, hash, userId: o.userId, seenAtMs: o.atMs });
    }
  }
  return rows;
}

/** Pure: the observation with `extra` facts added (nothing to add, the same observation). */
export function withFacts(
  observation: Observation,
  extra: Readonly<Record<string, string | number | boolean>> | undefined,
): Observation {
  if (!extra || Object.keys(extra).length === 0) return observation;
  return { ...observation, facts: { ...observation.facts, ...extra } };
}

function isObservationMessage(body: unknown): body is RiskObservationMessage {
  if (typeof body !== "object" || body === null) return false;
  const { kind, observation } = body as Partial<RiskObservationMessage>;
  return (
    kind === "risk_observation" &&
    typeof observation === "object" &&
    observation !== null &&
    typeof observation.observationId === "string" &&
    typeof observation.userId === "string" &&
    typeof observation.atMs === "number" &&
    (ACTIVITY_KINDS as readonly string[]).includes(observation.kind)
  );
}
