import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { adminClient, ok } from "#client/index";
import type { MiniflareRuntime } from "./lib/miniflare-runtime";
import { formatTable } from "./lib/table";
import { envInt, fmtLoad } from "./lib/util";
import { OFFER } from "./scale/product-load";
import { runSession, type SessionResult } from "./scale/session";

/**
 * `npm run bench:budget` (docs/scaling.md "Budget parts"): boosted conversions against one
 * campaign whose budget is one object (k = 1) and split into parts (k = 4, `budgetParts`), in
 * one run. Per round and k, a fresh runtime of the product's workers (bench/scale/session.ts)
 * with a campaign boosting the demo offer by 2% and a budget far above what the run spends;
 * the clicks carry the boost, and each signed postback's conversion reserves its boost from
 * the campaign's budget (the wallet's boost sync → the budget's part `shardOf(user, k)` or
 * the one object). Settled when every conversion's pending cashback is in D1 and the budget
 * counts a reservation for every conversion. Prints grants/s per k (boosted conversions
 * settled per second, from the first postback sent), CPU ms per grant, and the ratio; rounds
 * alternate which k goes first.
 *
 * Environment: BUDGET_ORDERS (200), BUDGET_USERS (32), BUDGET_CONCURRENCY (16),
 * BUDGET_ROUNDS (1), BUDGET_PORT (8851). Run it alone: `flock /tmp/runtime.lock npm run
 * bench:budget`.
 */
const ORDERS = envInt("BUDGET_ORDERS", 200);
const USERS = envInt("BUDGET_USERS", 32);
const CONCURRENCY = envInt("BUDGET_CONCURRENCY", 16);
const ROUNDS = envInt("BUDGET_ROUNDS", 1);
const PORT = envInt("BUDGET_PORT", 8851);
const KS = [1, 4] as const;
const CAMPAIGN = "bench-boost";
const BOOST_BPS = 200;

function admin(rt: MiniflareRuntime) {
  return adminClient({ baseUrl: rt.baseUrl }, rt.secrets.ADMIN_API_KEY);
}

async function budget(rt: MiniflareRuntime) {
  return ok(
    await admin(rt).GET("/admin/v1/campaigns/{id}/budget", {
      params: { path: { id: CAMPAIGN } },
    }),
  );
}

const bundleRoot = mkdtempSync(path.join(os.tmpdir(), "boomerang-budget-bundles-"));
const results: Array<{ k: number; round: number; session: SessionResult; parts: number }> = [];
console.log(
  `budget bench: ${ORDERS} boosted conversions per k, ${USERS} users, concurrency ${CONCURRENCY}, ${ROUNDS} round(s); Node ${process.version}, ${os.cpus().length} cores, load ${fmtLoad(os.loadavg())}`,
);
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const k of round % 2 === 0 ? KS : [...KS].reverse()) {
      let parts = 0;
      const session = await runSession({
        port: PORT,
        shards: 1,
        bundleRoot,
        users: USERS,
        orders: ORDERS,
        concurrency: CONCURRENCY,
        setup: async (rt) => {
          ok(
            await admin(rt).PUT("/admin/v1/campaigns/{id}", {
              params: { path: { id: CAMPAIGN } },
              body: {
                name: "Bench boost",
                offerId: OFFER,
                boostRateBps: BOOST_BPS,
                currency: "INR",
                budgetMinor: 1_000_000_000,
                budgetParts: k,
              },
            }),
          );
        },
        conversionsSettled: async (rt, conversions) => {
          const view = await budget(rt);
          parts = view.budgetParts;
          return view.reservations >= conversions;
        },
      });
      results.push({ k, round, session, parts });
      console.log(`  round ${round + 1}, k=${k} done (load ${fmtLoad(os.loadavg())})`);
    }
  }
} finally {
  rmSync(bundleRoot, { recursive: true, force: true });
}

const rateOf = (k: number) => {
  const mine = results.filter((r) => r.k === k).map((r) => r.session.conversions);
  const items = mine.reduce((s, p) => s + p.items, 0);
  const ms = mine.reduce((s, p) => s + p.settledMs, 0);
  const cpu = mine.reduce((s, p) => s + p.cpuMs, 0);
  return { perSecond: items / (ms / 1000), cpuMsPerGrant: cpu / items, busy: cpu / ms };
};
const [one, four] = KS.map(rateOf) as [ReturnType<typeof rateOf>, ReturnType<typeof rateOf>];
console.log(
  `\n${formatTable(
    [
      { header: "k (budgetParts)" },
      { header: "grants/s", align: "right" },
      { header: "CPU ms/grant", align: "right" },
      { header: "runtime cores busy", align: "right" },
    ],
    KS.map((k, i) => {
      const r = i === 0 ? one : four;
      return [String(k), r.perSecond.toFixed(0), r.cpuMsPerGrant.toFixed(2), r.busy.toFixed(2)];
    }),
  ).join("\n")}`,
);
console.log(
  `\nk=4 grants ${(four.perSecond / one.perSecond).toFixed(2)}× k=1's rate (parts reported by the budget: ${[...new Set(results.map((r) => `k=${r.k}→${r.parts}`))].join(", ")}). Locally every budget object, wallet and queue runs in one workerd process, so a part adds an object, not a thread: the ratio shows what the split costs, not the platform's k × one object's rate. load at the end: ${fmtLoad(os.loadavg())}`,
);
