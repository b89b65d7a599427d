import {
  type CashbackRate,
  type ConversionEvent,
  DEFAULT_VALIDITY,
  type WalletDurableObject,
  type WalletEnv,
} from "#durable-objects/wallet/index";
import { walletOf } from "#workers/api/src/wallet-client";

export { BudgetDurableObject } from "#durable-objects/budget/index";
export { CampaignBudgetDurableObject } from "#durable-objects/campaign-budget/index";
export { WalletDurableObject } from "#durable-objects/wallet/index";

/**
 * Benchmark only (`npm run bench:points`): loyalty points earned and redeemed through the real
 * wallet Durable Object (SQLite storage, its outbox, its alarm), called over RPC the way the api
 * worker calls it (`walletOf(env, userId)`: the WALLET binding's `idFromName`).
 *
 * `POST /setup?run=R&scope=S&from=0&to=250` records one click in each wallet `R-S-<i>` for i in
 * [from, to): it creates the objects before timing and gives the reference operation (a
 * conversion credited as pending cashback) a click to bind to.
 *
 * `POST /phase?run=R&scope=S&wallets=W&op=earn|redeem|credit&tag=T&from=0&count=500&concurrency=16`
 * runs up to `count` calls, call i on wallet `(from + i) % W` with the distinct key
 * `R:T:<from + i>`, at most `concurrency` in flight, starting no new call after `maxMs` (3,000),
 * and answers how many it made, the elapsed time and each call's latency.
 * Inside workerd `Date.now()` advances only across I/O, and every call here is I/O (an RPC to
 * the object), so the readings are real, in whole milliseconds.
 */

type BenchEnv = WalletEnv & { WALLET: DurableObjectNamespace<WalletDurableObject> };
type Op = "earn" | "redeem" | "credit";

/** Earned per call; a redemption spends a fifth of it, so every redemption finds points. */
const EARN_POINTS = 100;
const REDEEM_POINTS = 20;
/** 100 points buy 50 minor units: a redemption of 20 points credits 10. */
const RATE: CashbackRate = { points: 100, amountMinor: 50, currency: "INR" };
/** The reference credit: a 5% cashback on a sale of 100.00. */
const SALE_MINOR = 10_000;
const CLICK_TERMS = { basis: "sale", defaultRateBps: 500, categoryRates: {} } as const;
/** Clicks are recorded this long before the conversions, well inside attribution. */
const CLICK_AGE_MS = 120_000;

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const url = new URL(request.url);
    const q = (name: string) => url.searchParams.get(name) ?? "";
    const n = (name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
    if (url.pathname === "/healthz") return new Response("ok");
    if (url.pathname === "/setup") {
      const clickedAtMs = Date.now() - CLICK_AGE_MS;
      const users: string[] = [];
      for (let i = n("from", 0); i < n("to", 0); i++) users.push(`${q("run")}-${q("scope")}-${i}`);
      await inParallel(users, 16, Number.POSITIVE_INFINITY, (userId) =>
        walletOf(env, userId).recordClicks(userId, [
          {
            clickId: clickIdOf(userId),
            offerId: "bench-offer",
            merchantId: "bench-shop",
            networkId: "bench-net",
            clickedAtMs,
            currency: RATE.currency,
            terms: CLICK_TERMS,
            returnWindowDays: 30,
          },
        ]),
      );
      return Response.json({ wallets: users.length, clickedAtMs });
    }
    if (url.pathname !== "/phase") return new Response("not found", { status: 404 });

    const op = q("op") as Op;
    if (op !== "earn" && op !== "redeem" && op !== "credit") {
      return new Response(`unknown op ${op}`, { status: 400 });
    }
    const wallets = n("wallets", 1);
    const from = n("from", 0);
    const clickedAtMs = n("clickedAtMs", Date.now() - CLICK_AGE_MS);
    const indexes = Array.from({ length: n("count", 100) }, (_, i) => from + i);
    const maxMs = n("maxMs", 3_000);
    const latenciesMs: number[] = [];
    const failures: string[] = [];
    const started = Date.now();
    const taken = await inParallel(indexes, n("concurrency", 1), maxMs, async (i) => {
      const userId = `${q("run")}-${q("scope")}-${i % wallets}`;
      const key = `${q("run")}:${q("tag")}:${i}`;
      const callStarted = Date.now();
      // A thrown call (a storage error) is a failure like a refused one: the bench reports it.
      const outcome = await call(env, op, userId, key, clickedAtMs).catch(
        (error: unknown) => `threw: ${error instanceof Error ? error.message : String(error)}`,
      );
      latenciesMs.push(Date.now() - callStarted);
      if (outcome !== "created" && failures.length < 5) failures.push(`${key}: ${outcome}`);
    });
    return Response.json({ count: taken, elapsedMs: Date.now() - started, latenciesMs, failures });
  },
};

/** One RPC to the wallet; answers its status (`created` when it did the work). */
async function call(
  env: BenchEnv,
  op: Op,
  userId: string,
  key: string,
  clickedAtMs: number,
): Promise<string> {
  const wallet = walletOf(env, userId);
  if (op === "earn") {
    const result = await wallet.earnPoints(userId, {
      key,
      sourceType: "bench",
      sourceId: key,
      ruleId: "rule_bench",
      ruleVersion: 1,
      points: EARN_POINTS,
      pendingUntilMs: null,
      validity: DEFAULT_VALIDITY,
      nowMs: Date.now(),
    });
    return result.status === "invalid" ? `invalid: ${result.reason}` : result.status;
  }
  if (op === "redeem") {
    const result = await wallet.redeemPointsForCashback(
      userId,
      { key, points: REDEEM_POINTS },
      RATE,
    );
    return result.status === "invalid" ? `invalid: ${result.reason}` : result.status;
  }
  const event: ConversionEvent = {
    txnId: `txn_${key}`,
    postbackId: `pb_${key}`,
    networkId: "bench-net",
    orderId: key,
    userId,
    offerId: "bench-offer",
    clickId: clickIdOf(userId),
    clickAtSec: Math.floor(clickedAtMs / 1000),
    status: "pending",
    currency: RATE.currency,
    saleAmountMinor: SALE_MINOR,
    commissionMinor: SALE_MINOR / 10,
    category: null,
    lineItems: null,
    occurredAtMs: clickedAtMs + 1_000,
    updatedAtMs: clickedAtMs + 1_000,
    receivedAtMs: Date.now(),
  };
  const result = await wallet.applyConversion(event);
  return result.reason === null ? result.outcome : `${result.outcome}: ${result.reason}`;
}

function clickIdOf(userId: string): string {
  return `clk_${userId}`;
}

/**
 * Runs `work` over `items` with at most `concurrency` calls in flight; stops starting new calls
 * once `maxMs` have passed (the local proxy sometimes cuts a request short; short ones cost
 * little to redo), and answers how many were started, all of them finished: items[0..taken).
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
