import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "#scripts/lib/dev-vars";
import { printTable, thousands } from "./lib/table";
import { freshDir, startWranglerDev, type WranglerDev, wranglerVersion } from "./lib/wrangler-dev";

/**
 * `npm run bench:points`: loyalty points earned and redeemed through the real wallet Durable
 * Object (SQLite storage, its outbox and alarm), operations a second and latency per call, for
 * one hot wallet and for the same operations spread over 1,000 wallets; beside them, in the
 * same run, the same number of a plain cashback credit (a new conversion credited as pending
 * cashback) as the reference the points path is read against.
 *
 * One `wrangler dev` on a fresh local state runs bench/points-worker/, which exports the wallet
 * class itself and calls its RPC methods (earnPoints, redeemPointsForCashback, applyConversion)
 * through the WALLET binding as the api worker does (`walletOf`). The calls are made and timed
 * inside workerd, so no HTTP hop is in the figures; this script only asks for each batch and
 * collects what the worker measured. Before timing, every wallet gets one click (untimed): that
 * creates the objects and gives the reference conversions a click to bind to.
 *
 * Per scope (one hot wallet; BENCH_WALLETS wallets) and per mode (one call at a time;
 * BENCH_CONCURRENCY in flight): BENCH_OPS earns (distinct keys, 100 points each), then
 * BENCH_OPS redemptions (distinct keys, 20 points for 10 minor units each), then BENCH_OPS
 * reference credits. A wallet serialises its calls, so on the hot wallet concurrency only
 * queues them; across wallets the objects work side by side (locally all on one workerd).
 *
 * Environment: BENCH_OPS (per phase, default 1,000), BENCH_WALLETS (1,000), BENCH_CONCURRENCY
 * (16), BENCH_BATCH (most calls per request to the bench worker, 1,000; each request also stops
 * starting calls after 3 s), BENCH_PORT (8794),
 * BENCH_LOG_LEVEL (wrangler's, default warn). Writes bench/results/points-latest.json.
 */
const OPS = envInt("BENCH_OPS", 1_000);
const WALLETS = envInt("BENCH_WALLETS", 1_000);
const CONCURRENCY = envInt("BENCH_CONCURRENCY", 16);
const BATCH = envInt("BENCH_BATCH", 1_000);
const PORT = envInt("BENCH_PORT", 8794);
const HOST = "127.0.0.1";
const BASE_URL = `http://${HOST}:${PORT}`;
const PERSIST_DIR = path.join(ROOT, ".wrangler", "bench-points-state");
const LOG_FILE = path.join(ROOT, ".wrangler", "bench-points-wrangler.log");
const RESULTS_FILE = path.join(ROOT, "bench", "results", "points-latest.json");
/**
 * Wallets set up per request (16 at a time inside the worker). Requests are kept to a few
 * seconds (so is each timed batch, in the worker): wrangler's local proxy sometimes cuts a
 * request short on this machine (a 503, "restarted mid-request", with no reload in its log),
 * more often the longer the request, and a short one costs little to redo.
 */
const SETUP_BATCH = 50;
/** Untimed calls of each operation before the first timed phase (JIT, first objects). */
const WARMUP_OPS = 100;
/** Runtime restarts tolerated per batch before the run fails. */
const MAX_RESTARTS_PER_BATCH = 3;
/** Batches redone after a runtime restart, for the results. */
const restarts: string[] = [];

type Op = "earn" | "redeem" | "credit";
const OPS_IN_ORDER: ReadonlyArray<{ op: Op; label: string }> = [
  { op: "earn", label: "earnPoints" },
  { op: "redeem", label: "redeemPointsForCashback" },
  { op: "credit", label: "reference: cashback credit" },
];

interface Batch {
  count: number;
  elapsedMs: number;
  latenciesMs: number[];
  failures: string[];
}

interface Phase {
  scope: string;
  wallets: number;
  concurrency: number;
  op: Op;
  count: number;
  /** Σ of the batches' elapsed time, measured in the worker. */
  elapsedMs: number;
  /** Wall time of the phase seen from here (adds the requests to the bench worker). */
  wallMs: number;
  opsPerSec: number;
  meanMs: number;
  /** Per call, whole milliseconds (workerd's clock). */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

let dev: WranglerDev | undefined;

try {
  await main();
} catch (error) {
  console.error(
    `\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  console.error(`wrangler output: ${path.relative(ROOT, LOG_FILE)}`);
  process.exitCode = 1;
} finally {
  await dev?.stop();
}

async function main(): Promise<void> {
  const busyAtStart = await cpuBusyPercent(1_000);
  console.log(
    `Points benchmark: ${thousands(OPS)} calls per phase, ${thousands(WALLETS)} wallets, ${CONCURRENCY} in flight; Node ${process.version}, ${os.cpus().length} CPUs, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  if (busyAtStart >= 25) {
    console.warn(
      `Note: the CPUs were ${busyAtStart}% busy before the bench started; compare ratios, not absolute figures.`,
    );
  }
  freshDir(PERSIST_DIR);
  console.log(`Starting wrangler dev on ${BASE_URL} (output in ${path.relative(ROOT, LOG_FILE)})…`);
  dev = await startWranglerDev({
    configs: ["bench/points-worker/wrangler.toml"],
    host: HOST,
    port: PORT,
    persistDir: PERSIST_DIR,
    logFile: LOG_FILE,
    readyTimeoutMs: 90_000,
  });
  const run = `r${Date.now().toString(36)}`;
  const started = performance.now();

  // Warm-up on wallets of their own: compiles the paths and the worker's code.
  const warm = await setUp(run, "warm", 16);
  for (const { op } of OPS_IN_ORDER) {
    await phase({ run, scope: "warm", wallets: 16, concurrency: 4, op, count: WARMUP_OPS }, warm);
  }

  const phases: Phase[] = [];
  for (const scope of [
    { name: "hot", label: "one hot wallet", wallets: 1 },
    { name: "many", label: `${thousands(WALLETS)} wallets`, wallets: WALLETS },
  ]) {
    const setupStarted = performance.now();
    const clickedAtMs = await setUp(run, scope.name, scope.wallets);
    console.log(
      `\n${scope.label}: set up in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s (one click each, creating the objects)`,
    );
    for (const concurrency of [1, CONCURRENCY]) {
      for (const { op, label } of OPS_IN_ORDER) {
        const measured = await phase(
          { run, scope: scope.name, wallets: scope.wallets, concurrency, op, count: OPS },
          clickedAtMs,
        );
        phases.push(measured);
        console.log(
          `  ${`${concurrency} in flight`.padEnd(13)} ${label.padEnd(27)} ${thousands(measured.opsPerSec).padStart(6)} ops/s  p50 ${measured.p50Ms} ms  p95 ${measured.p95Ms} ms`,
        );
      }
    }
  }
  const totalSec = (performance.now() - started) / 1000;

  console.log(
    `\nCalls inside workerd, ${thousands(OPS)} per row; latency per call in whole milliseconds; "× reference" is the reference's ops/s over the row's: how many times a plain cashback credit's time the call takes.`,
  );
  printTable(
    [
      { header: "Wallets" },
      { header: "In flight", align: "right" },
      { header: "Operation" },
      { header: "ops/s", align: "right" },
      { header: "mean ms", align: "right" },
      { header: "p50 ms", align: "right" },
      { header: "p95 ms", align: "right" },
      { header: "× reference", align: "right" },
    ],
    phases.map((p) => {
      const reference = phases.find(
        (r) => r.scope === p.scope && r.concurrency === p.concurrency && r.op === "credit",
      ) as Phase;
      return [
        p.wallets === 1 ? "1 (hot)" : thousands(p.wallets),
        String(p.concurrency),
        OPS_IN_ORDER.find((o) => o.op === p.op)?.label ?? p.op,
        thousands(p.opsPerSec),
        p.meanMs.toFixed(2),
        String(p.p50Ms),
        String(p.p95Ms),
        `${(reference.opsPerSec / p.opsPerSec).toFixed(2)}×`,
      ];
    }),
  );
  console.log(`\nTimed phases and set-up took ${totalSec.toFixed(0)} s.`);
  if (restarts.length > 0) {
    console.log(
      `The runtime restarted mid-batch ${restarts.length} time(s); those batches were redone with fresh keys (${restarts.join(", ")}).`,
    );
  }

  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        settings: { ops: OPS, wallets: WALLETS, concurrency: CONCURRENCY, batch: BATCH },
        restarts,
        environment: {
          node: process.version,
          wrangler: wranglerVersion(),
          cpus: os.cpus().length,
          cpuModel: os.cpus()[0]?.model ?? "unknown",
          cpuBusyPercentAtStart: busyAtStart,
          loadavgAtEnd: os.loadavg(),
        },
        phases,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`Written to ${path.relative(ROOT, RESULTS_FILE)}`);
}

/** One click in each wallet of the scope (creates the objects); answers when it was clicked. */
async function setUp(run: string, scope: string, wallets: number): Promise<number> {
  let clickedAtMs = 0;
  for (let from = 0; from < wallets; from += SETUP_BATCH) {
    const to = Math.min(wallets, from + SETUP_BATCH);
    // Recording the same click again changes nothing, so a cut-short set-up is simply redone.
    let answer: { clickedAtMs: number } | null = null;
    for (let attempt = 0; answer === null; attempt++) {
      answer = (await post(
        `/setup?run=${run}&scope=${scope}&from=${from}&to=${to}`,
        attempt < MAX_RESTARTS_PER_BATCH,
      )) as { clickedAtMs: number } | null;
    }
    clickedAtMs ||= answer.clickedAtMs;
  }
  return clickedAtMs;
}

/** `count` calls of `op` in batches; fails the run on any call that did not do the work. */
async function phase(
  p: { run: string; scope: string; wallets: number; concurrency: number; op: Op; count: number },
  clickedAtMs: number,
): Promise<Phase> {
  const tag = `${p.scope}-${p.concurrency}-${p.op}`;
  const latencies: number[] = [];
  let elapsedMs = 0;
  const wallStarted = performance.now();
  for (let from = 0; from < p.count; ) {
    const count = Math.min(BATCH, p.count - from);
    let batch: Batch | null = null;
    for (let attempt = 0; batch === null; attempt++) {
      // A fresh tag per attempt, so a batch the runtime cut short is redone with fresh keys
      // (timed from its start) rather than replayed as cheaper `exists` answers.
      const query = `run=${p.run}&scope=${p.scope}&wallets=${p.wallets}&op=${p.op}&tag=${tag}.${attempt}&from=${from}&count=${count}&concurrency=${p.concurrency}&clickedAtMs=${clickedAtMs}`;
      batch = (await post(`/phase?${query}`, attempt < MAX_RESTARTS_PER_BATCH)) as Batch | null;
      if (batch === null) restarts.push(`${tag} from ${from}`);
    }
    if (batch.failures.length > 0) {
      throw new Error(
        `${tag}, batch from ${from}: calls did not do the work: ${batch.failures.join("; ")}`,
      );
    }
    elapsedMs += batch.elapsedMs;
    from += batch.count;
    for (const ms of batch.latenciesMs) latencies.push(ms);
  }
  const wallMs = performance.now() - wallStarted;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    scope: p.scope,
    wallets: p.wallets,
    concurrency: p.concurrency,
    op: p.op,
    count: p.count,
    elapsedMs,
    wallMs: Math.round(wallMs),
    opsPerSec: (p.count / Math.max(elapsedMs, 1)) * 1000,
    meanMs: latencies.reduce((sum, ms) => sum + ms, 0) / Math.max(latencies.length, 1),
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    p99Ms: at(0.99),
  };
}

/**
 * One request to the bench worker. A 503 is wrangler's proxy saying the runtime was reloaded
 * mid-request (it happens on this shared machine without any change to the bench's files):
 * answers null when `mayRetry`, so the caller redoes the batch.
 */
async function post(urlPath: string, mayRetry = false): Promise<unknown> {
  const response = await fetch(`${BASE_URL}${urlPath}`, { method: "POST" });
  const text = await response.text();
  if (response.status === 503 && mayRetry) {
    console.warn(`  (the runtime restarted mid-request; redoing ${urlPath.split("?")[0]})`);
    await new Promise((r) => setTimeout(r, 1_000));
    return null;
  }
  if (!response.ok) throw new Error(`POST ${urlPath}: ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

async function cpuBusyPercent(ms: number): Promise<number> {
  const sample = () =>
    os.cpus().reduce(
      (acc, { times }) => {
        const total = times.user + times.nice + times.sys + times.irq + times.idle;
        return { total: acc.total + total, idle: acc.idle + times.idle };
      },
      { total: 0, idle: 0 },
    );
  const before = sample();
  await new Promise((r) => setTimeout(r, ms));
  const after = sample();
  const total = after.total - before.total;
  return total > 0 ? Math.round((100 * (total - (after.idle - before.idle))) / total) : 0;
}

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer`);
  return value;
}
