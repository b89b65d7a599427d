import type {
  ConversionEvent,
  WalletDurableObject,
  WalletEnv,
} from "#durable-objects/wallet/index";
import type { ApiEnv } from "#shared/env";
import { observationMessage, type RiskObservationMessage } from "#shared/fraud/observation-message";
import type { Observation } from "#shared/fraud/risk-contract";
import { FRAUD_GROUP, FRAUD_STARTER_RULES } from "#shared/fraud/starter-rules";
import { propagateLiveRuleSet } from "#shared/rules/live-rule-set";
import { validateRuleSet } from "#shared/rules/rule-schema";
import { consumeRiskObservations } from "#workers/api/src/features/fraud/consumer";
import { conversionObservation, reportObservations } from "#workers/api/src/features/fraud/index";
import { walletOf } from "#workers/api/src/wallet-client";

export { BudgetDurableObject } from "#durable-objects/budget/index";
export { CampaignBudgetDurableObject } from "#durable-objects/campaign-budget/index";
export { RiskDurableObject } from "#durable-objects/risk/index";
export { WalletDurableObject } from "#durable-objects/wallet/index";

/**
 * Benchmark only (`npm run bench:fraud`): what scoring adds to a postback's way to the wallet.
 *
 * - **off**: the wallet's `applyConversion` (the postback consumer's call, `walletOf`) — a new
 *   order credited as pending cashback — and nothing else.
 * - **on**: the same call, then what the platform does for scoring with it: the postback
 *   consumer's `conversionObservation` sent to the risk queue (`reportObservations`), and the
 *   risk consumer's real code on that message (`consumeRiskObservations`: identity links,
 *   sharing facts, the user's risk object's `assess` under the published fraud starter rules,
 *   the wallet's `applyAssessment` when there are effects). The message is handed to the
 *   consumer here rather than through the local queue broker, so the figures compare the work,
 *   not the broker's delivery delay.
 * - **assess**: "on" without the send to the queue, to tell the local queue broker's share
 *   (which runs in the same workerd here) from scoring's own.
 *
 * `POST /setup` publishes the starter rules (the live rule set in CONFIG_KV, as a publish
 * leaves it; the risk object reads it memory → KV → D1). `POST /clicks?run=R&mode=M&from&to`
 * records one click in each wallet `R-M-<i>`. `POST /phase?run=R&mode=off|on|assess&wallets=W&tag=T&
 * from=0&count=200&concurrency=1` runs the calls (call i on wallet i % W, order `R:T:i`) and
 * answers the count, the elapsed time and each call's latency, measured in workerd (every call
 * is I/O, so `Date.now()` advances across it).
 */

type BenchEnv = WalletEnv & {
  WALLET: DurableObjectNamespace<WalletDurableObject>;
  RISK_OBSERVATIONS: Queue<RiskObservationMessage>;
};
/** `assess`: "on" without the queue send (the local broker's share told apart). */
type Mode = "off" | "on" | "assess";

const SALE_MINOR = 10_000;
const CLICK_TERMS = { basis: "sale", defaultRateBps: 500, categoryRates: {} } as const;
const CLICK_AGE_MS = 120_000;
/** When a sale happens after its click: most minutes later; a stuffed one within seconds. */
const SALE_AFTER_CLICK_MS = 90_000;
const QUICK_SALE_MS = 1_000;

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const url = new URL(request.url);
    const q = (name: string) => url.searchParams.get(name) ?? "";
    const n = (name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
    if (url.pathname === "/healthz") return new Response("ok");
    if (url.pathname === "/setup") {
      const validated = validateRuleSet({
        version: 1,
        timeZone: "UTC",
        groups: [FRAUD_GROUP],
        rules: FRAUD_STARTER_RULES,
      });
      if (!validated.ok) return Response.json(validated.issues, { status: 500 });
      await propagateLiveRuleSet(env, { version: 1, ruleSet: validated.ruleSet });
      return Response.json({ rules: validated.ruleSet.rules.length });
    }
    if (url.pathname === "/clicks") {
      const clickedAtMs = Date.now() - CLICK_AGE_MS;
      const users: string[] = [];
      for (let i = n("from", 0); i < n("to", 0); i++) users.push(`${q("run")}-${q("mode")}-${i}`);
      await inParallel(users, 16, Number.POSITIVE_INFINITY, (userId) =>
        walletOf(env, userId).recordClicks(userId, [
          {
            clickId: `clk_${userId}`,
            offerId: "bench-offer",
            merchantId: "bench-shop",
            networkId: "bench-net",
            clickedAtMs,
            currency: "INR",
            terms: CLICK_TERMS,
            returnWindowDays: 30,
          },
        ]),
      );
      return Response.json({ wallets: users.length, clickedAtMs });
    }
    if (url.pathname !== "/phase") return new Response("not found", { status: 404 });

    const mode = q("mode") as Mode;
    if (mode !== "off" && mode !== "on" && mode !== "assess")
      return new Response("unknown mode", { status: 400 });
    const wallets = n("wallets", 1);
    const from = n("from", 0);
    const riskBatch = Math.max(1, n("riskBatch", 1));
    const clickedAtMs = n("clickedAtMs", Date.now() - CLICK_AGE_MS);
    // Sales seconds after their click (the stuffing pattern a rule judges), per 100 postbacks.
    const quickSalePct = Math.min(100, Math.max(0, n("quickSalePct", 5)));
    const indexes = Array.from({ length: n("count", 100) }, (_, i) => from + i);
    // Groups of `riskBatch` postbacks, handed to the risk consumer together (as its queue would).
    const groups: number[][] = [];
    for (let k = 0; k < indexes.length; k += riskBatch)
      groups.push(indexes.slice(k, k + riskBatch));
    const latenciesMs: number[] = [];
    const failures: string[] = [];
    const steps = new StepTimes();
    const started = Date.now();
    const taken = await inParallel(groups, 1, n("maxMs", 3_000), async (group) => {
      const groupStarted = Date.now();
      const scored: ScoredPostback[] = [];
      const walletMs: number[] = [];
      await inParallel(group, n("concurrency", 1), Number.POSITIVE_INFINITY, async (i) => {
        const userId = `${q("run")}-${mode}-${i % wallets}`;
        const key = `${q("run")}:${q("tag")}:${i}`;
        const callStarted = Date.now();
        const quick = i % 100 < quickSalePct;
        const outcome = await postback(env, mode, userId, key, clickedAtMs, quick, steps).catch(
          (error: unknown) => `threw: ${error instanceof Error ? error.message : String(error)}`,
        );
        walletMs.push(Date.now() - callStarted);
        if (typeof outcome !== "string") scored.push(outcome);
        else if (outcome !== "created" && failures.length < 5) failures.push(`${key}: ${outcome}`);
      });
      // "on": the batch's observations in one send after its wallet writes, as the postback
      // consumer sends them (apply-conversion.ts → its consumer's one `sendBatch`).
      if (mode === "on" && scored.length > 0) {
        await steps.time("0 queue: one send per batch (postback consumer)", () =>
          reportObservations(
            env as unknown as ApiEnv,
            scored.map((p) => p.observation),
          ),
        );
      }
      let consumerMs = 0;
      if (mode !== "off" && scored.length > 0) {
        const consumerStarted = Date.now();
        const problem = await consume(env, scored).catch(
          (error: unknown) => `threw: ${error instanceof Error ? error.message : String(error)}`,
        );
        consumerMs = Date.now() - consumerStarted;
        steps.add("consumer (whole call)", consumerMs);
        if (problem !== null && failures.length < 5) failures.push(`group ${group[0]}: ${problem}`);
      }
      // Each postback's latency: its wallet write (and send), plus its share of the consumer call.
      for (const ms of walletMs) latenciesMs.push(ms + consumerMs / Math.max(1, scored.length));
      steps.add("group (wallet writes + consumer)", Date.now() - groupStarted);
    });
    const count = groups.slice(0, taken).reduce((sum, g) => sum + g.length, 0);
    return Response.json({
      count,
      elapsedMs: Date.now() - started,
      latenciesMs,
      failures,
      steps: steps.toJSON(),
    });
  },
};

/** A credited postback whose observation the risk consumer is to score. */
interface ScoredPostback {
  key: string;
  observation: Observation;
}

/** Σ ms and calls per named step (workerd's clock: only I/O advances it). */
class StepTimes {
  private readonly totals = new Map<string, { ms: number; calls: number }>();
  add(step: string, ms: number): void {
    const t = this.totals.get(step) ?? { ms: 0, calls: 0 };
    t.ms += ms;
    t.calls += 1;
    this.totals.set(step, t);
  }
  async time<T>(step: string, work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await work();
    } finally {
      this.add(step, Date.now() - started);
    }
  }
  toJSON(): Record<string, { ms: number; calls: number }> {
    return Object.fromEntries(this.totals);
  }
}

const messageOf = (p: ScoredPostback, acked: Set<string>): Message<RiskObservationMessage> =>
  ({
    id: `msg_${p.key}`,
    timestamp: new Date(),
    attempts: 1,
    body: observationMessage(p.observation),
    ack: () => {
      acked.add(p.key);
    },
    retry: () => {},
  }) as unknown as Message<RiskObservationMessage>;

/** The risk consumer's real code on the group, one batch; null when every message was acked. */
async function consume(env: BenchEnv, scored: readonly ScoredPostback[]): Promise<string | null> {
  const acked = new Set<string>();
  await consumeRiskObservations(
    {
      queue: "boomerang-risk",
      messages: scored.map((p) => messageOf(p, acked)),
      ackAll: () => {},
      retryAll: () => {},
    } as unknown as MessageBatch<RiskObservationMessage>,
    env as unknown as ApiEnv,
  );
  return acked.size === scored.length ? null : `scoring acked ${acked.size} of ${scored.length}`;
}

/**
 * One postback's conversion to the wallet, the sale 90 s after its click (`quick`: 1 s after).
 * Answers the wallet's outcome, or the observation to score once the wallet credited it (the
 * group sends them to the risk queue together).
 */
async function postback(
  env: BenchEnv,
  mode: Mode,
  userId: string,
  key: string,
  clickedAtMs: number,
  quick: boolean,
  steps: StepTimes,
): Promise<string | ScoredPostback> {
  const occurredAtMs = clickedAtMs + (quick ? QUICK_SALE_MS : SALE_AFTER_CLICK_MS);
  const event: ConversionEvent = {
    txnId: `txn_${key}`,
    postbackId: `pb_${key}`,
    networkId: "bench-net",
    orderId: key,
    userId,
    offerId: "bench-offer",
    clickId: `clk_${userId}`,
    clickAtSec: Math.floor(clickedAtMs / 1000),
    status: "pending",
    currency: "INR",
    saleAmountMinor: SALE_MINOR,
    commissionMinor: SALE_MINOR / 10,
    category: null,
    lineItems: null,
    occurredAtMs,
    updatedAtMs: occurredAtMs,
    receivedAtMs: Date.now(),
  };
  const result = await steps.time("0 wallet: applyConversion", () =>
    walletOf(env, userId).applyConversion(event),
  );
  if (result.reason !== null) return `${result.outcome}: ${result.reason}`;
  if (result.outcome !== "created") return result.outcome;
  if (mode === "off") return result.outcome;
  return { key, observation: conversionObservation(event) };
}

/**
 * Runs `work` over `items` with at most `concurrency` in flight; stops starting new calls once
 * `maxMs` have passed; answers how many were started (all finished): items[0..taken).
 */
async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  maxMs: number,
  work: (item: T) => Promise<unknown>,
): Promise<number> {
  const started = Date.now();
  let next = 0;
  const lane = async () => {
    while (next < items.length && Date.now() - started < maxMs) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
  return next;
}
