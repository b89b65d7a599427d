import { spawnSync } from "node:child_process";
import { mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "#scripts/lib/dev-vars";
import { WRANGLER } from "#scripts/lib/local-d1";
import { printTable, thousands } from "./lib/table";
import {
  freshDir,
  startWranglerDev,
  tailFile,
  type WranglerDev,
  wranglerEnv,
  wranglerVersion,
} from "./lib/wrangler-dev";

/**
 * `npm run bench:fraud`: what scoring adds to a postback's way to the wallet — CPU and time per
 * postback with scoring off and on, side by side in one run (docs/fraud.md "Measured").
 *
 * One `wrangler dev` on a fresh local state runs bench/fraud-worker/, which exports the wallet
 * and risk classes themselves: "off" is the wallet's `applyConversion` (a new order credited as
 * pending cashback); "on" is the same call, then the postback consumer's conversion observation
 * sent to the risk queue and the risk consumer's real code on it (`consumeRiskObservations`:
 * links, sharing facts, the risk object's `assess` under the published fraud starter rules).
 * The calls are made and timed inside workerd. Off and on run in alternating batches (which one
 * goes first alternates too), so the machine's other load falls on both alike.
 *
 * Two readings per mode: the time per postback measured in the worker (every call is I/O, so
 * workerd's clock advances), and the CPU the runtime's processes (wrangler and workerd: the
 * process group, from /proc, Linux only) spent per postback during its batches — the local
 * stand-in for a Worker's CPU time. The ratio on / off is the figure: target ≤ 1.10.
 *
 * The risk consumer is handed BENCH_RISK_BATCH observations per call (default 100, the queue's
 * batch size): the postbacks of a group go to the wallet one by one (each "on" one sent to the
 * risk queue, as the postback consumer does), then the group's messages go to
 * `consumeRiskObservations` as one batch, as the queue delivers them. Postbacks of a group are
 * for distinct users (postback i is wallet i % BENCH_WALLETS), as in the real mix.
 * BENCH_RISK_BATCH=1 is the earlier one-message-per-call reading.
 *
 *
 * Environment: BENCH_ROUNDS (alternating pairs, default 10), BENCH_BATCH (postbacks per batch,
 * 100), BENCH_RISK_BATCH (messages per consumer call, 100), BENCH_WALLETS (wallets per mode,
 * 100), BENCH_CONCURRENCY (1), BENCH_QUICK_SALE_PCT (5), BENCH_PORT (8797), BENCH_LOG_LEVEL (wrangler's,
 * warn). Writes bench/results/fraud-latest.json.
 */
const ROUNDS = envInt("BENCH_ROUNDS", 10);
const BATCH = envInt("BENCH_BATCH", 100);
const WALLETS = envInt("BENCH_WALLETS", 100);
const CONCURRENCY = envInt("BENCH_CONCURRENCY", 1);
const RISK_BATCH = envInt("BENCH_RISK_BATCH", 100);
/** Of every 100 postbacks, how many are sales 1 s after their click (the rest 90 s after). */
const QUICK_SALE_PCT = envInt("BENCH_QUICK_SALE_PCT", 5, 0);
const PORT = envInt("BENCH_PORT", 8797);
const HOST = "127.0.0.1";
const BASE_URL = `http://${HOST}:${PORT}`;
const PERSIST_DIR = path.join(ROOT, ".wrangler", "bench-fraud-state");
const LOG_FILE = path.join(ROOT, ".wrangler", "bench-fraud-wrangler.log");
const RESULTS_FILE = path.join(ROOT, "bench", "results", "fraud-latest.json");
const WARMUP = 100;
const SETUP_BATCH = 50;
const MAX_RESTARTS_PER_BATCH = 3;
const TICKS_PER_SEC = 100; // USER_HZ on Linux
const restarts: string[] = [];

type Mode = "off" | "on" | "assess";
const MODES: readonly Mode[] = ["off", "on", "assess"];

type Steps = Record<string, { ms: number; calls: number }>;

interface Batch {
  count: number;
  elapsedMs: number;
  latenciesMs: number[];
  failures: string[];
  steps: Steps;
}

interface ModeResult {
  mode: Mode;
  postbacks: number;
  /** Σ of the batches' elapsed time, in the worker. */
  elapsedMs: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** CPU of the runtime's process group during this mode's batches, per postback. */
  cpuMsPerPostback: number | null;
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
  console.log(
    `Fraud scoring benchmark: ${ROUNDS} rounds of ${BATCH} postbacks per mode, ${RISK_BATCH} messages per risk consumer call, ${QUICK_SALE_PCT}% of sales 1 s after their click, ${WALLETS} wallets per mode, ${CONCURRENCY} in flight; Node ${process.version}, ${os.cpus().length} CPUs, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  freshDir(PERSIST_DIR);
  console.log(`Starting wrangler dev on ${BASE_URL} (output in ${path.relative(ROOT, LOG_FILE)})…`);
  const log = openSync(LOG_FILE, "w");
  // The risk consumer's D1 tables: the real migrations, on the bench's own database.
  const migrated = spawnSync(
    WRANGLER,
    [
      "d1",
      "migrations",
      "apply",
      "boomerang-bench-fraud",
      "--local",
      "--persist-to",
      PERSIST_DIR,
      "-c",
      "bench/fraud-worker/wrangler.toml",
    ],
    {
      cwd: ROOT,
      stdio: ["ignore", log, log],
      env: wranglerEnv(),
    },
  );
  if (migrated.status !== 0) throw new Error(`D1 migrations failed\n${tailFile(LOG_FILE)}`);
  dev = await startWranglerDev({
    configs: ["bench/fraud-worker/wrangler.toml"],
    host: HOST,
    port: PORT,
    persistDir: PERSIST_DIR,
    logFile: LOG_FILE,
    // After the migrations' output.
    appendLog: true,
  });
  const run = `r${Date.now().toString(36)}`;
  const rules = (await post("/setup")) as { rules: number };
  console.log(`  fraud starter rules published (${rules.rules} rules)`);
  const clickedAtMs = await setUpWallets(run, "off", WALLETS);
  await setUpWallets(run, "on", WALLETS);
  await setUpWallets(run, "assess", WALLETS);

  // Warm-up on both paths (JIT, the first objects of each class).
  for (const mode of MODES) {
    await batch({ run, mode, tag: "warm", from: 0, count: WARMUP }, clickedAtMs);
  }

  const latencies: Record<Mode, number[]> = { off: [], on: [], assess: [] };
  const elapsed: Record<Mode, number> = { off: 0, on: 0, assess: 0 };
  const cpuTicks: Record<Mode, number> = { off: 0, on: 0, assess: 0 };
  const counts: Record<Mode, number> = { off: 0, on: 0, assess: 0 };
  const steps: Record<Mode, Steps> = { off: {}, on: {}, assess: {} };
  let cpuReadable = true;
  for (let round = 0; round < ROUNDS; round++) {
    // Rotated each round, so no mode always follows the same one.
    const order = MODES.map((_, k) => MODES[(k + round) % MODES.length] as Mode);
    for (const mode of order) {
      const before = groupCpuTicks();
      const measured = await batch(
        { run, mode, tag: `r${round}`, from: round * BATCH, count: BATCH },
        clickedAtMs,
      );
      const after = groupCpuTicks();
      if (before === null || after === null) cpuReadable = false;
      else cpuTicks[mode] += after - before;
      elapsed[mode] += measured.elapsedMs;
      counts[mode] += measured.count;
      addSteps(steps[mode], measured.steps);
      for (const ms of measured.latenciesMs) latencies[mode].push(ms);
    }
    process.stdout.write(`  round ${round + 1}/${ROUNDS}\r`);
  }

  const results = MODES.map((mode): ModeResult => {
    const sorted = [...latencies[mode]].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return {
      mode,
      postbacks: counts[mode],
      elapsedMs: elapsed[mode],
      meanMs: elapsed[mode] / Math.max(1, counts[mode]),
      p50Ms: at(0.5),
      p95Ms: at(0.95),
      p99Ms: at(0.99),
      cpuMsPerPostback: cpuReadable
        ? ((cpuTicks[mode] / TICKS_PER_SEC) * 1000) / Math.max(1, counts[mode])
        : null,
    };
  });
  const [off, on, assess] = results as [ModeResult, ModeResult, ModeResult];
  const timeRatio = on.meanMs / Math.max(off.meanMs, 1e-9);
  const cpuRatioOf = (r: ModeResult) =>
    r.cpuMsPerPostback !== null && off.cpuMsPerPostback !== null
      ? r.cpuMsPerPostback / Math.max(off.cpuMsPerPostback, 1e-9)
      : null;
  const cpuRatio = cpuRatioOf(on);
  const assessTimeRatio = assess.meanMs / Math.max(off.meanMs, 1e-9);
  const assessCpuRatio = cpuRatioOf(assess);

  console.log(
    `\nPostback → wallet inside workerd, ${thousands(off.postbacks)} per mode in alternating batches; CPU: the runtime's processes during each mode's batches.`,
  );
  printTable(
    [
      { header: "Scoring" },
      { header: "postbacks", align: "right" },
      { header: "ms / postback", align: "right" },
      { header: "p50 ms", align: "right" },
      { header: "p95 ms", align: "right" },
      { header: "CPU ms / postback", align: "right" },
    ],
    results.map((r) => [
      r.mode === "off"
        ? "off (wallet only)"
        : r.mode === "on"
          ? "on (observe + assess)"
          : "on, without the queue send",
      thousands(r.postbacks),
      r.meanMs.toFixed(2),
      ms(r.p50Ms),
      ms(r.p95Ms),
      r.cpuMsPerPostback === null ? "n/a" : r.cpuMsPerPostback.toFixed(2),
    ]),
  );
  console.log(
    `\nOn / off: time ×${timeRatio.toFixed(2)}${cpuRatio === null ? "" : `, CPU ×${cpuRatio.toFixed(2)}`} (target: scoring adds at most 10%, ×1.10)`,
  );
  console.log(
    `Without the queue send / off: time ×${assessTimeRatio.toFixed(2)}${assessCpuRatio === null ? "" : `, CPU ×${assessCpuRatio.toFixed(2)}`}`,
  );
  for (const mode of ["on", "assess"] as const) {
    if (mode === "assess") continue;
    console.log(
      `\nWhere "${mode}" spends its time (workerd's clock, which only I/O advances; ms per postback):`,
    );
    printTable(
      [
        { header: "Step" },
        { header: "calls", align: "right" },
        { header: "ms / postback", align: "right" },
      ],
      Object.entries(steps[mode])
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([step, t]) => [
          step,
          thousands(t.calls),
          (t.ms / Math.max(1, counts[mode])).toFixed(2),
        ]),
    );
  }
  if (restarts.length > 0) {
    console.log(
      `The runtime restarted mid-batch ${restarts.length} time(s); redone: ${restarts.join(", ")}`,
    );
  }

  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        settings: {
          rounds: ROUNDS,
          batch: BATCH,
          riskBatch: RISK_BATCH,
          quickSalePct: QUICK_SALE_PCT,
          wallets: WALLETS,
          concurrency: CONCURRENCY,
        },
        restarts,
        environment: {
          node: process.version,
          wrangler: wranglerVersion(),
          cpus: os.cpus().length,
          cpuModel: os.cpus()[0]?.model ?? "unknown",
          loadavgAtEnd: os.loadavg(),
        },
        results,
        steps,
        ratio: { time: timeRatio, cpu: cpuRatio },
        ratioWithoutQueueSend: { time: assessTimeRatio, cpu: assessCpuRatio },
      },
      null,
      2,
    )}\n`,
  );
  console.log(`Written to ${path.relative(ROOT, RESULTS_FILE)}`);
}

/** One click in each wallet of the mode; answers when it was clicked. */
async function setUpWallets(run: string, mode: Mode, wallets: number): Promise<number> {
  let clickedAtMs = 0;
  for (let from = 0; from < wallets; from += SETUP_BATCH) {
    const to = Math.min(wallets, from + SETUP_BATCH);
    let answer: { clickedAtMs: number } | null = null;
    for (let attempt = 0; answer === null; attempt++) {
      answer = (await post(
        `/clicks?run=${run}&mode=${mode}&from=${from}&to=${to}`,
        attempt < MAX_RESTARTS_PER_BATCH,
      )) as { clickedAtMs: number } | null;
    }
    clickedAtMs ||= answer.clickedAtMs;
  }
  return clickedAtMs;
}

/** `count` postbacks in one mode, in requests of whatever the worker fits in 3 s. */
async function batch(
  p: { run: string; mode: Mode; tag: string; from: number; count: number },
  clickedAtMs: number,
): Promise<Batch> {
  const total: Batch = { count: 0, elapsedMs: 0, latenciesMs: [], failures: [], steps: {} };
  for (let from = p.from; from < p.from + p.count; ) {
    const count = p.from + p.count - from;
    let answer: Batch | null = null;
    for (let attempt = 0; answer === null; attempt++) {
      const query = `run=${p.run}&mode=${p.mode}&wallets=${WALLETS}&tag=${p.tag}.${attempt}&from=${from}&count=${count}&concurrency=${CONCURRENCY}&riskBatch=${RISK_BATCH}&quickSalePct=${QUICK_SALE_PCT}&clickedAtMs=${clickedAtMs}`;
      answer = (await post(`/phase?${query}`, attempt < MAX_RESTARTS_PER_BATCH)) as Batch | null;
      if (answer === null) restarts.push(`${p.mode} ${p.tag} from ${from}`);
    }
    if (answer.failures.length > 0) {
      throw new Error(
        `${p.mode} ${p.tag}: postbacks did not credit: ${answer.failures.join("; ")}`,
      );
    }
    total.count += answer.count;
    total.elapsedMs += answer.elapsedMs;
    total.latenciesMs.push(...answer.latenciesMs);
    addSteps(total.steps, answer.steps);
    from += answer.count;
  }
  return total;
}

/** Whole milliseconds as they are; a consumer call's share per postback to two places. */
function ms(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

function addSteps(into: Steps, from: Steps): void {
  for (const [step, t] of Object.entries(from)) {
    const sum = into[step] ?? { ms: 0, calls: 0 };
    into[step] = { ms: sum.ms + t.ms, calls: sum.calls + t.calls };
  }
}

/** utime + stime of every process in the runtime's process group (wrangler, workerd), or null. */
function groupCpuTicks(): number | null {
  const pgid = dev?.pid;
  if (pgid === undefined || process.platform !== "linux") return null;
  let ticks = 0;
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      } catch {
        continue; // gone meanwhile
      }
      // Fields after the command's closing parenthesis: state ppid pgrp … utime(14) stime(15).
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
    }
  } catch {
    return null;
  }
  return ticks;
}

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

function envInt(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min)
    throw new Error(`${name} must be an integer of at least ${min}`);
  return value;
}
