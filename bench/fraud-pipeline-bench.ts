import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sign } from "hono/jwt";
import { adminClient, ok, userClient } from "#client/index";
import { DEMO_NETWORK_ID, DEMO_NETWORK_SECRET, loadDemoData } from "#scripts/demo-data";
import { ROOT } from "#scripts/lib/dev-vars";
import { type LocalRuntime, startLocalRuntime } from "#scripts/lib/local-runtime";
import { mapBounded } from "#shared/async/map-bounded";
import { signPostback } from "#shared/postback/signature";
import { groupCpuMs } from "./lib/cpu";
import { printTable, thousands } from "./lib/table";
import { envInt, fmtLoad, sleep } from "./lib/util";

/**
 * `npm run bench:fraud:pipeline`: what fraud scoring costs a postback on its whole way to the
 * wallet, side by side in one run (docs/fraud.md "Measured", "The whole postback path").
 *
 * Two isolated local runtimes (scripts/lib/local-runtime.ts: every worker in one `wrangler
 * dev` each, own configs, own state under a temporary folder, own port), the same demo data and
 * the same published rule set (the fraud starter rules, as `npm run scenario:fraud` publishes
 * them) on both; one runs with `FRAUD_SCORING = "off"` (docs/fraud.md "Turning scoring off"),
 * the other with the default ("on"). So the only difference is the switch: on, each credited
 * conversion is sent to the risk queue and the risk consumer links it and has the user's risk
 * object assess it under the starter rules; off, neither happens.
 *
 * Before timing, on both: BENCH_USERS users each get their tracking link (`GET /v1/offers`) and
 * click it (through the redirect worker, a browser's tap headers, one IP per click so none is a
 * repeat) once per postback to come, and the runtimes settle (clicks stored, the "on" side's
 * click observations scored). Then BENCH_ROUNDS rounds; in each, each side gets one batch of
 * BENCH_BATCH signed postbacks for new orders (generic format, as `npm run postback` signs
 * them) at the postback worker's HTTP intake, BENCH_CONCURRENCY in flight, which side goes
 * first alternating. A batch ends when every one of its orders is in D1 as a pending
 * transaction (the wallet credited it and its projection landed; read from the runtime's D1
 * file with the sqlite3 CLI, outside the runtime, every 200 ms) — on the "on" side also in the
 * risk consumer's `risk_orders` (it took the conversion observation) — and the runtime has gone
 * quiet (its CPU back near idle for 0.75 s, at most 10 s: the risk objects' work is counted).
 *
 * Figures per side: wall time per postback (batch start → all credited) and CPU per postback:
 * user + system time of the runtime's process group (wrangler and its workerd, from /proc,
 * Linux only) during that side's batches, with and without its idle rate (measured before the
 * rounds) taken off. The HTTP client, the polling and the other runtime are other processes and
 * are not counted. The ratio on / off of CPU per postback is the figure: target ≤ 1.10.
 *
 * Environment: BENCH_ROUNDS (8), BENCH_BATCH (100), BENCH_USERS (100), BENCH_CONCURRENCY (8),
 * BENCH_PORT (8798; the second runtime takes the next port), BENCH_KEEP=1 keeps the temporary
 * folder (state and wrangler logs). Writes bench/results/fraud-pipeline-latest.json.
 */
const ROUNDS = envInt("BENCH_ROUNDS", 8);
const BATCH = envInt("BENCH_BATCH", 100);
const USERS = envInt("BENCH_USERS", 100);
const CONCURRENCY = envInt("BENCH_CONCURRENCY", 8);
const PORT = envInt("BENCH_PORT", 8798);
const KEEP = process.env.BENCH_KEEP === "1";
/** Untimed postbacks per side first (caches, JIT), clicked like the rest. */
const WARMUP = Math.max(1, Math.min(BATCH, 20));
const OFFER = "stylehub-fashion";
const RESULTS_FILE = path.join(ROOT, "bench", "results", "fraud-pipeline-latest.json");
const POLL_MS = 200;
const REQUEST_TIMEOUT_MS = 20_000;
const QUIET_SAMPLE_MS = 250;
/** Calm samples in a row that make a runtime quiet (0.75 s, most of a queue's 1 s batch wait). */
const QUIET_SAMPLES = 3;
/** How long a batch may take before the run fails (the machine is shared). */
const BATCH_TIMEOUT_MS = 300_000;

const TAP = {
  "user-agent":
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
  "sec-fetch-dest": "document",
  "sec-fetch-mode": "navigate",
  "sec-fetch-site": "cross-site",
  "sec-fetch-user": "?1",
};

type Mode = "on" | "off";

interface Side {
  mode: Mode;
  runtime: LocalRuntime;
  persistDir: string;
  d1File: string;
  /** Sub-IDs not yet used by a postback. */
  subIds: Array<{ user: number; subId: string }>;
  /** The runtime's idle CPU, ms per wall ms. */
  idleRate: number;
  batches: BatchResult[];
}

interface BatchResult {
  round: number;
  postbacks: number;
  wallMs: number;
  /** Batch start → quiet (what the CPU was read over). */
  spanMs: number;
  cpuMs: number;
  polls: number;
}

const sides: Side[] = [];
/** Requests sent again by fetchRetrying. */
let retries = 0;
let stateDir: string | undefined;

async function stopAll(): Promise<void> {
  await Promise.all(sides.map((s) => s.runtime.stop()));
  if (stateDir && !KEEP) rmSync(stateDir, { recursive: true, force: true });
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void stopAll().finally(() => process.exit(130));
  });
}

try {
  await main();
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
  if (stateDir) console.error(`wrangler logs: ${stateDir}/*.log (BENCH_KEEP=1 keeps them)`);
  process.exitCode = 1;
} finally {
  await stopAll();
}

async function main(): Promise<void> {
  const loadStart = os.loadavg();
  stateDir = mkdtempSync(path.join(os.tmpdir(), "boomerang-fraud-pipeline-"));
  console.log(
    `Fraud scoring over the whole postback path: ${ROUNDS} rounds × ${BATCH} postbacks per side, ${USERS} users, ${CONCURRENCY} in flight; Node ${process.version}, ${os.cpus().length} CPUs, load ${loadStart.map((l) => l.toFixed(2)).join(" ")}`,
  );
  const perSide = ROUNDS * BATCH + WARMUP;
  for (const [i, mode] of (["on", "off"] as const).entries()) {
    const port = PORT + i;
    const persistDir = path.join(stateDir, mode, "state");
    console.log(`  starting the "${mode}" runtime on port ${port}…`);
    const runtime = await startLocalRuntime({
      port,
      persistDir,
      isolatedConfigDir: path.join(stateDir, mode, "config"),
      logFile: path.join(stateDir, `${mode}-wrangler.log`),
      tuning: { apiVars: { FRAUD_SCORING: mode } },
    });
    const side: Side = {
      mode,
      runtime,
      persistDir,
      d1File: d1FileOf(persistDir),
      subIds: [],
      idleRate: 0,
      batches: [],
    };
    sides.push(side);
    await loadDemoData(runtime.baseUrl, runtime.secrets.ADMIN_API_KEY);
    await publishStarterRules(runtime);
  }
  for (const side of sides) {
    const t0 = performance.now();
    side.subIds = await clicks(side, perSide);
    console.log(
      `  "${side.mode}": ${thousands(perSide)} clicks in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
  for (const side of sides) {
    await waitForClicksStored(side, perSide);
    await waitQuiet(side, 60_000);
  }
  // Warm-up (untimed), then each runtime's idle CPU.
  for (const side of sides) await batch(side, -1, WARMUP);
  for (const side of sides) await waitQuiet(side, 60_000);
  for (const side of sides) side.idleRate = await idleRate(side, 5);

  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) side.batches.push(await batch(side, round, BATCH));
    process.stdout.write(`  round ${round + 1}/${ROUNDS}\r`);
  }

  const credited = sides.map((s) => creditedCount(s));
  const results = sides.map((s) => summary(s));
  const [on, off] = results as [Summary, Summary];
  const ratio = on.cpuMsPerPostback / off.cpuMsPerPostback;
  const ratioNet = on.cpuNetMsPerPostback / off.cpuNetMsPerPostback;
  // The spread: each round's on / off CPU per postback (the two batches ran back to back).
  const roundRatios =
    sides[0]?.batches.map((b, i) => {
      const offBatch = sides[1]?.batches[i] as BatchResult;
      return b.cpuMs / b.postbacks / (offBatch.cpuMs / offBatch.postbacks);
    }) ?? [];
  const sorted = [...roundRatios].sort((a, b) => a - b);
  const median =
    sorted.length === 0
      ? Number.NaN
      : ((sorted[Math.floor((sorted.length - 1) / 2)] as number) +
          (sorted[Math.ceil((sorted.length - 1) / 2)] as number)) /
        2;
  const loadEnd = os.loadavg();
  console.log(
    `\nSigned postback at the intake → postbacks queue → consumer → wallet credit (and, on, the risk queue and its consumer), ${thousands(on.postbacks)} per side in alternating batches; CPU: each runtime's process group during its batches.`,
  );
  printTable(
    [
      { header: "Scoring" },
      { header: "Postbacks", align: "right" },
      { header: "ms/postback (wall)", align: "right" },
      { header: "CPU ms/postback", align: "right" },
      { header: "CPU ms/postback, idle off", align: "right" },
      { header: "Credited (D1)", align: "right" },
    ],
    results.map((r, i) => [
      r.mode,
      thousands(r.postbacks),
      r.wallMsPerPostback.toFixed(2),
      r.cpuMsPerPostback.toFixed(2),
      r.cpuNetMsPerPostback.toFixed(2),
      thousands(credited[i] as number),
    ]),
  );
  console.log(
    `\nCPU per postback, on / off: ${ratio.toFixed(3)} (idle off: ${ratioNet.toFixed(3)}); target ≤ 1.10: ${ratio <= 1.1 ? "met" : "NOT met"}. Wall on / off: ${(on.wallMsPerPostback / off.wallMsPerPostback).toFixed(3)}.`,
  );
  console.log(
    `Per round (on / off, back to back): median ${median.toFixed(3)}, from ${(sorted[0] ?? Number.NaN).toFixed(3)} to ${(sorted.at(-1) ?? Number.NaN).toFixed(3)}.`,
  );
  console.log(`Load average at the start ${fmtLoad(loadStart)}, at the end ${fmtLoad(loadEnd)}.`);
  if (retries > 0) console.log(`(${retries} requests sent again after a dropped connection)`);
  const same = credited[0] === credited[1];
  if (!same) {
    console.error(`credited transactions differ: on ${credited[0]}, off ${credited[1]}`);
    process.exitCode = 1;
  }
  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify(
      {
        benchmark: "fraud-pipeline",
        ranAt: new Date().toISOString(),
        machine: {
          node: process.version,
          cpus: os.cpus().length,
          loadStart: loadStart.map((l) => Number(l.toFixed(2))),
          loadEnd: loadEnd.map((l) => Number(l.toFixed(2))),
        },
        config: {
          rounds: ROUNDS,
          batch: BATCH,
          users: USERS,
          concurrency: CONCURRENCY,
          warmup: WARMUP,
        },
        sides: results,
        credited: { on: credited[0], off: credited[1], same },
        requestsRetried: retries,
        ratioCpuOnOff: Number(ratio.toFixed(4)),
        ratioCpuNetOnOff: Number(ratioNet.toFixed(4)),
        roundRatiosCpu: roundRatios.map((r) => Number(r.toFixed(4))),
        roundRatioMedian: Number(median.toFixed(4)),
        ratioWallOnOff: Number((on.wallMsPerPostback / off.wallMsPerPostback).toFixed(4)),
        targetMet: ratio <= 1.1,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`Written: ${path.relative(ROOT, RESULTS_FILE)}`);
}

// ---------------------------------------------------------------------------------------------
// Setup

async function publishStarterRules(runtime: LocalRuntime): Promise<void> {
  const admin = adminClient({ baseUrl: runtime.baseUrl }, runtime.secrets.ADMIN_API_KEY);
  ok(await admin.POST("/admin/v1/rules/draft/fraud-starter", {}));
  ok(await admin.POST("/admin/v1/rules/publish", { body: { note: "fraud pipeline bench" } }));
}

/** `count` clicks spread over the users (user u's k-th click from 10.<u>.<k>), their sub-IDs. */
async function clicks(side: Side, count: number): Promise<Side["subIds"]> {
  const { baseUrl, secrets } = side.runtime;
  const links: string[] = [];
  for (let u = 0; u < USERS; u++) {
    const token = await sign(
      { sub: userId(u), exp: Math.floor(Date.now() / 1000) + 3600 },
      secrets.USER_JWT_SECRET,
      "HS256",
    );
    const offers = ok(await userClient({ baseUrl }, token).GET("/v1/offers"));
    const link = offers.items.find((o) => o.id === OFFER)?.trackingUrl;
    if (!link) throw new Error(`offer ${OFFER} not listed`);
    links.push(link);
  }
  const jobs = Array.from({ length: count }, (_, i) => ({
    user: i % USERS,
    k: Math.floor(i / USERS),
  }));
  return mapBounded(jobs, CONCURRENCY, async ({ user, k }) => {
    const response = await fetchRetrying(links[user] as string, {
      redirect: "manual",
      headers: {
        ...TAP,
        "cf-connecting-ip": `10.${user % 250}.${Math.floor(user / 250)}.${(k % 250) + 1}`,
      },
    });
    await response.body?.cancel();
    const location = response.headers.get("location");
    if (response.status !== 302 || !location) throw new Error(`click: ${response.status}`);
    const subId = new URL(location).searchParams.get("subid");
    if (!subId) throw new Error("click: no subid");
    return { user, subId };
  });
}

function userId(u: number): string {
  return `bench-user-${u}`;
}

async function waitForClicksStored(side: Side, count: number): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const stored = Number(query(side, "SELECT coalesce(sum(clicks), 0) FROM click_rollups;"));
    if (stored >= count) return;
    if (Date.now() > deadline) throw new Error(`"${side.mode}": ${stored}/${count} clicks stored`);
    await sleep(1_000);
  }
}

// ---------------------------------------------------------------------------------------------
// One batch

async function batch(side: Side, round: number, size: number): Promise<BatchResult> {
  const taken = side.subIds.splice(0, size);
  if (taken.length < size) throw new Error("out of clicks");
  const prefix = `pb-${side.mode}-${round < 0 ? "w" : round}-`;
  const cpu0 = runtimeCpuMs(side);
  const t0 = performance.now();
  await mapBounded(taken, CONCURRENCY, async ({ subId }, i) => {
    const body = JSON.stringify({
      order_id: `${prefix}${i}`,
      sub_id: subId,
      status: "pending",
      currency: "INR",
      sale_amount_minor: 100_000 + ((i * 7919) % 50_000),
      commission_minor: 8_000,
      category: null,
      occurred_at: new Date().toISOString(),
    });
    const signature = await signPostback(
      DEMO_NETWORK_SECRET,
      DEMO_NETWORK_ID,
      body,
      Math.floor(Date.now() / 1000),
    );
    // A repeat after a dropped connection is the same order: the intake takes it once.
    const response = await fetchRetrying(`${side.runtime.baseUrl}/postback/${DEMO_NETWORK_ID}`, {
      method: "POST",
      headers: { "content-type": "application/json", "boomerang-signature": signature },
      body,
    });
    const text = await response.text();
    if (response.status !== 202 && response.status !== 200) {
      throw new Error(`postback → ${response.status} ${text}`);
    }
  });
  // Settled: every order of the batch credited (pending) and projected to D1.
  let polls = 0;
  const deadline = Date.now() + BATCH_TIMEOUT_MS;
  for (;;) {
    await sleep(POLL_MS);
    polls++;
    const settled = Number(
      query(
        side,
        side.mode === "on"
          ? // Credited, and its conversion observation taken by the risk consumer (its order
            // recorded for return rates; the risk objects' work after it is the quiet wait's).
            `SELECT count(*) FROM transactions t JOIN risk_orders r ON r.order_ref = t.id WHERE t.order_id LIKE '${prefix}%' AND t.status = 'pending';`
          : `SELECT count(*) FROM transactions WHERE order_id LIKE '${prefix}%' AND status = 'pending';`,
      ),
    );
    if (settled >= size) break;
    if (Date.now() > deadline) {
      throw new Error(`"${side.mode}" round ${round}: ${settled}/${size} credited`);
    }
  }
  const wallMs = performance.now() - t0;
  await waitQuiet(side, 10_000);
  const spanMs = performance.now() - t0;
  return { round, postbacks: size, wallMs, spanMs, cpuMs: runtimeCpuMs(side) - cpu0, polls };
}

// ---------------------------------------------------------------------------------------------
// CPU of a runtime: its process group (wrangler and workerd), from /proc

function runtimeCpuMs(side: Side): number {
  return groupCpuMs(side.runtime.process.pid);
}

/** Waits until the runtime's CPU stays near idle for QUIET_SAMPLES samples (or `maxMs` passes). */
async function waitQuiet(side: Side, maxMs: number): Promise<void> {
  // Near idle: twice the measured idle rate, and at least 6% of a CPU (wrangler and workerd's
  // timers alone take about 3% here, and the idle rate is not known before it is measured).
  const threshold = Math.max(QUIET_SAMPLE_MS * 0.06, side.idleRate * QUIET_SAMPLE_MS * 2);
  const deadline = performance.now() + maxMs;
  let calm = 0;
  let last = runtimeCpuMs(side);
  while (calm < QUIET_SAMPLES && performance.now() < deadline) {
    await sleep(QUIET_SAMPLE_MS);
    const now = runtimeCpuMs(side);
    calm = now - last <= threshold ? calm + 1 : 0;
    last = now;
  }
}

/**
 * The runtime's idle CPU, ms per wall ms: the least of `windows` one-second windows, so a
 * stray timer's work (an alarm, a late queue batch) in one of them does not count as idle.
 */
async function idleRate(side: Side, windows: number): Promise<number> {
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < windows; i++) {
    const cpu0 = runtimeCpuMs(side);
    const t0 = performance.now();
    await sleep(1_000);
    least = Math.min(least, (runtimeCpuMs(side) - cpu0) / (performance.now() - t0));
  }
  return least;
}

// ---------------------------------------------------------------------------------------------
// D1, read from the runtime's local file (outside the runtime, so not in its CPU)

function d1FileOf(persistDir: string): string {
  const dir = path.join(persistDir, "v3", "d1", "miniflare-D1DatabaseObject");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  for (const f of files) {
    const file = path.join(dir, f);
    const out = spawnSync(
      "sqlite3",
      ["-readonly", file, "SELECT count(*) FROM sqlite_master WHERE name = 'transactions';"],
      { encoding: "utf8" },
    );
    if (out.stdout?.trim() === "1") return file;
  }
  throw new Error(`no D1 file with a transactions table under ${dir}`);
}

function query(side: Side, sql: string): string {
  const out = spawnSync("sqlite3", ["-readonly", "-cmd", ".timeout 5000", side.d1File, sql], {
    encoding: "utf8",
  });
  if (out.status !== 0) throw new Error(`sqlite3: ${out.stderr}`);
  return out.stdout.trim();
}

function creditedCount(side: Side): number {
  return Number(
    query(
      side,
      "SELECT count(*) FROM transactions WHERE order_id LIKE 'pb-%' AND status = 'pending' AND user_id IS NOT NULL;",
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Summary

interface Summary {
  mode: Mode;
  postbacks: number;
  batches: number;
  wallMsPerPostback: number;
  cpuMsPerPostback: number;
  /** CPU per postback less the runtime's idle rate over the batches' spans. */
  cpuNetMsPerPostback: number;
  idleCpuMsPerSec: number;
  polls: number;
  perBatch: BatchResult[];
}

function summary(side: Side): Summary {
  const sum = (f: (b: BatchResult) => number) => side.batches.reduce((s, b) => s + f(b), 0);
  const postbacks = sum((b) => b.postbacks);
  const cpu = sum((b) => b.cpuMs);
  const span = sum((b) => b.spanMs);
  return {
    mode: side.mode,
    postbacks,
    batches: side.batches.length,
    wallMsPerPostback: sum((b) => b.wallMs) / postbacks,
    cpuMsPerPostback: cpu / postbacks,
    cpuNetMsPerPostback: (cpu - side.idleRate * span) / postbacks,
    idleCpuMsPerSec: Number((side.idleRate * 1000).toFixed(2)),
    polls: sum((b) => b.polls),
    perBatch: side.batches.map((b) => ({
      ...b,
      wallMs: Math.round(b.wallMs),
      spanMs: Math.round(b.spanMs),
      cpuMs: Math.round(b.cpuMs),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers

/**
 * fetch, sent again (up to 5 times, 1 s apart) when the connection drops, no answer comes in
 * REQUEST_TIMEOUT_MS, or wrangler's local proxy answers that the worker restarted mid-request:
 * all three happen on a loaded machine.
 */
async function fetchRetrying(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      // A request wrangler's proxy dropped without an answer would otherwise wait 300 s.
      const response = await fetch(url, {
        ...init,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      if (response.status !== 503 || attempt >= 5) return response;
      const text = await response.clone().text();
      if (!text.includes("restarted mid-request")) return response;
      await response.body?.cancel();
    } catch (error) {
      if (attempt >= 5) throw error;
    }
    retries++;
    await sleep(1_000);
  }
}
