import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadDemoData } from "#scripts/demo-data";
import { ensureDevVars, ROOT, readDevVars } from "#scripts/lib/dev-vars";
import { localD1 } from "#scripts/lib/local-d1";
import { linkKeyRing } from "#shared/links/link-keys";
import { signLinkToken } from "#shared/links/link-token";
import { type LoadResult, percentile, runLoad } from "./lib/load";
import {
  freshDir,
  startWranglerDev,
  tailFile,
  type WranglerDev,
  wranglerVersion,
} from "./lib/wrangler-dev";

/**
 * `npm run bench`: redirect throughput and latency beside a bare Hono route that only
 * answers 302, in one local runtime and one run.
 *
 * One `wrangler dev` process runs the bench gateway (bench/gateway), the api worker (wallet
 * Durable Object and queue consumers, so every click is really queued and consumed), the
 * redirect worker and the bare worker (bench/bare). Both targets go client → gateway →
 * service binding → worker, so they take the same hops. After a warm-up of each, rounds
 * alternate redirect, bare, redirect, … at a fixed concurrency; only 302s count.
 *
 * Environment: BENCH_SECONDS (per round and target, default 10), BENCH_ROUNDS (3),
 * BENCH_CONCURRENCY (32), BENCH_WARMUP_SECONDS (5), BENCH_DRAIN_SECONDS (20: how long to
 * wait for the click consumer to catch up), BENCH_PORT (8799), BENCH_LOG_LEVEL (wrangler's,
 * default warn).
 *
 * BENCH_CLICKS, to see where the redirect's time goes (the default is the real thing):
 *   consume  clicks are queued and consumed, as in production (default)
 *   queue    the redirect sends every click, but the api worker runs without queue
 *            consumers (the local queue then accepts each message and keeps none)
 *   off      the redirect worker's app runs with a CLICKS binding that drops every click
 *            (bench/variants/redirect-no-clicks)
 */
const SECONDS = envNumber("BENCH_SECONDS", 10);
const ROUNDS = Math.ceil(envNumber("BENCH_ROUNDS", 3));
const CONCURRENCY = Math.ceil(envNumber("BENCH_CONCURRENCY", 32));
const WARMUP_SECONDS = envNumber("BENCH_WARMUP_SECONDS", 5);
const DRAIN_SECONDS = envNumber("BENCH_DRAIN_SECONDS", 20);
const PORT = envNumber("BENCH_PORT", 8799);
const CLICKS_MODE = clicksMode(process.env.BENCH_CLICKS);
const TARGET_RATIO = 0.85;

const HOST = "127.0.0.1";
const BASE_URL = `http://${HOST}:${PORT}`;
const PERSIST_DIR = path.join(ROOT, ".wrangler", "bench-state");
const LOG_FILE = path.join(ROOT, ".wrangler", "bench-wrangler.log");
const RESULTS_FILE = path.join(ROOT, "bench", "results", "latest.json");

/** The redirect worker each BENCH_CLICKS mode runs. */
const REDIRECT_DIR: Record<ClicksMode, string> = {
  consume: "workers/redirect",
  queue: "workers/redirect",
  off: "bench/variants/redirect-no-clicks",
};

const BENCH_USER = "bench-user";
const BENCH_OFFER = "shopkart-electronics";
/** `BENCH_CAMPAIGNS=off` benches the click path without campaign rules to evaluate. */
const BENCH_CAMPAIGNS =
  process.env.BENCH_CAMPAIGNS === "off"
    ? []
    : [
        { id: "bench-boost", body: { offerId: BENCH_OFFER } },
        { id: "bench-vip-boost", body: { merchantId: "shopkart", userSegment: "vip" } },
      ].map(({ id, body }) => ({
        id,
        body: { name: id, boostRateBps: 100, currency: "INR", budgetMinor: 1_000_000_000, ...body },
      }));
/** The demo network's tracking template with the demo offer filled in. */
const REDIRECT_LOCATION_PREFIX = "https://network.example/click?offer=sk-1001&subid=";

type TargetName = "redirect" | "bare";
interface Target {
  name: TargetName;
  path: string;
}

class BenchBroken extends Error {}

let dev: WranglerDev | undefined;

try {
  await main();
} catch (error) {
  console.error(`\nbench failed: ${error instanceof Error ? error.message : String(error)}`);
  if (!(error instanceof BenchBroken) && error instanceof Error && error.stack) {
    console.error(error.stack);
  }
  console.error(`wrangler output: ${path.relative(ROOT, LOG_FILE)}`);
  process.exitCode = 1;
} finally {
  await dev?.stop();
}

async function main(): Promise<void> {
  // Anything else busy on the machine skews both targets; measured before starting, and
  // recorded beside the figures.
  const busyAtStart = await cpuBusyPercent(1000);
  if (busyAtStart >= 25) {
    console.warn(
      `Note: the CPUs were ${busyAtStart}% busy before the bench started; other work on this machine skews the figures.`,
    );
  }
  // ensureDevVars rewrites .dev.vars; keep the base URL `npm run dev` put there, so the
  // bench does not repoint the dev runtime's links (the bench sets its own with --var).
  const devBaseUrl = existsSync(path.join(ROOT, ".dev.vars"))
    ? (readDevVars() as Record<string, string | undefined>).REDIRECT_BASE_URL
    : undefined;
  const vars = ensureDevVars(devBaseUrl);
  freshDir(PERSIST_DIR);

  console.log("Applying D1 migrations to a fresh bench database…");
  const migrate = localD1(["migrations", "apply"], PERSIST_DIR, { encoding: "utf8" });
  if (migrate.status !== 0) {
    throw new BenchBroken(`D1 migrations failed:\n${migrate.stdout}${migrate.stderr}`);
  }

  console.log(`Starting wrangler dev on ${BASE_URL} (output in ${path.relative(ROOT, LOG_FILE)})…`);
  dev = await startWranglerDev({
    configs: [
      "bench/gateway/wrangler.toml",
      CLICKS_MODE === "queue" ? apiConfigWithoutConsumers() : "wrangler.toml",
      redirectConfigForBench(REDIRECT_DIR[CLICKS_MODE]),
      "bench/bare/wrangler.toml",
    ],
    host: HOST,
    port: PORT,
    persistDir: PERSIST_DIR,
    logFile: LOG_FILE,
    vars: { REDIRECT_BASE_URL: BASE_URL },
    ready: workersReady,
    error: (message) => new BenchBroken(message),
  });

  await loadDemoData(BASE_URL, vars.ADMIN_API_KEY);
  await adminPut(
    `/admin/v1/users/${BENCH_USER}`,
    { displayName: "Bench user" },
    vars.ADMIN_API_KEY,
  );
  // Campaign boosts on the offer, so every click runs the rules engine over its campaign
  // rules (one for everybody, one for a segment the link carries).
  for (const campaign of BENCH_CAMPAIGNS) {
    await adminPut(`/admin/v1/campaigns/${campaign.id}`, campaign.body, vars.ADMIN_API_KEY);
  }
  const token = await signLinkToken(linkKeyRing(vars).current.key, {
    userId: BENCH_USER,
    offerId: BENCH_OFFER,
    expiresAtSec: Math.floor(Date.now() / 1000) + 3600,
    ...(BENCH_CAMPAIGNS.length > 0 ? { segments: ["vip"] } : {}),
  });
  const targets: Record<TargetName, Target> = {
    redirect: { name: "redirect", path: `/c/${token}` },
    // Same token in the path, so both requests are the same size and routed the same way.
    bare: { name: "bare", path: `/bare/${token}` },
  };
  await probe(targets.redirect);
  await probe(targets.bare);
  let clicksSent = 1; // the redirect probe's

  const rounds: Array<{ target: TargetName; round: number; result: LoadResult }> = [];
  console.log(
    `\nWarm-up ${WARMUP_SECONDS} s per target, then ${ROUNDS} rounds × ${SECONDS} s per target, ` +
      `alternating, concurrency ${CONCURRENCY}.`,
  );
  for (const target of [targets.redirect, targets.bare]) {
    const warm = await load(target, WARMUP_SECONDS);
    assertClean(target, warm, "warm-up");
    if (target.name === "redirect") clicksSent += warm.ok;
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const target of [targets.redirect, targets.bare]) {
      const result = await load(target, SECONDS);
      rounds.push({ target: target.name, round, result });
      if (target.name === "redirect") clicksSent += result.ok;
      console.log(`  round ${round}/${ROUNDS} ${target.name.padEnd(8)} ${formatRound(result)}`);
    }
  }

  const summary = {
    redirect: summarize(rounds.filter((r) => r.target === "redirect").map((r) => r.result)),
    bare: summarize(rounds.filter((r) => r.target === "bare").map((r) => r.result)),
  };
  const ratio = summary.redirect.requestsPerSec / summary.bare.requestsPerSec;
  const meetsTarget = ratio >= TARGET_RATIO;

  if (CLICKS_MODE === "off") clicksSent = 0;
  let drain: { consumed: number; seconds: number } | null = null;
  if (CLICKS_MODE === "consume") {
    console.log(`\nClicks sent: ${clicksSent}. Waiting up to ${DRAIN_SECONDS} s for the consumer…`);
    drain = await waitForClicksConsumed(clicksSent);
  }

  console.log(`
target     req/s     p50 ms   p99 ms   302s      non-302  errors
${row("redirect", summary.redirect)}
${row("bare", summary.bare)}

ratio redirect/bare (throughput): ${ratio.toFixed(3)}  target ≥ ${TARGET_RATIO}: ${meetsTarget ? "met" : "NOT MET"}
${clicksLine(clicksSent, drain)}`);

  const result = {
    recordedAt: new Date().toISOString(),
    settings: {
      secondsPerRound: SECONDS,
      rounds: ROUNDS,
      concurrency: CONCURRENCY,
      warmupSeconds: WARMUP_SECONDS,
    },
    environment: {
      node: process.version,
      wrangler: wranglerVersion(),
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? "unknown",
      platform: `${os.platform()} ${os.release()}`,
      cpuBusyPercentAtStart: busyAtStart,
    },
    redirect: summary.redirect,
    bare: summary.bare,
    ratio: round3(ratio),
    targetRatio: TARGET_RATIO,
    meetsTarget,
    clicks: {
      mode: CLICKS_MODE,
      sent: clicksSent,
      consumed: drain?.consumed ?? null,
      waitedSeconds: drain ? round3(drain.seconds) : null,
    },
    rounds: rounds.map(({ target, round, result }) => ({
      target,
      round,
      ...summarize([result]),
    })),
  };
  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nWritten to ${path.relative(ROOT, RESULTS_FILE)}`);

  // Printed and recorded first, so a broken run still shows what it saw.
  for (const { target, round, result } of rounds) {
    assertClean(targets[target], result, `round ${round}`);
  }
}

function load(target: Target, seconds: number): Promise<LoadResult> {
  return runLoad({
    host: HOST,
    port: PORT,
    path: target.path,
    concurrency: CONCURRENCY,
    durationMs: seconds * 1000,
  });
}

/** Every response must be a 302: anything else means the numbers measure something else. */
function assertClean(target: Target, result: LoadResult, phase: string): void {
  const non302 = Object.entries(result.non302);
  if (non302.length === 0 && result.errors === 0) return;
  throw new BenchBroken(
    `${target.name} ${phase}: ${result.ok} × 302, other statuses ${JSON.stringify(
      result.non302,
    )}, ${result.errors} errors${result.firstError ? ` (first: ${result.firstError})` : ""}\n${tailFile(LOG_FILE)}`,
  );
}

/** One request by hand, to check the target answers what the bench expects. */
async function probe(target: Target): Promise<void> {
  const response = await fetch(`${BASE_URL}${target.path}`, { redirect: "manual" });
  await response.arrayBuffer();
  const location = response.headers.get("location") ?? "";
  const expectedPrefix =
    target.name === "redirect" ? REDIRECT_LOCATION_PREFIX : "https://network.example/click?";
  if (response.status !== 302 || !location.startsWith(expectedPrefix)) {
    throw new BenchBroken(
      `${target.name} probe: expected 302 to ${expectedPrefix}…, got ${response.status} ${location}\n${tailFile(LOG_FILE)}`,
    );
  }
}

interface Summary {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  non302: number;
  errors: number;
}

function summarize(results: LoadResult[]): Summary {
  const ok = results.reduce((n, r) => n + r.ok, 0);
  const elapsedMs = results.reduce((n, r) => n + r.elapsedMs, 0);
  const all = new Float64Array(ok);
  let offset = 0;
  for (const r of results) {
    all.set(r.latenciesMs, offset);
    offset += r.latenciesMs.length;
  }
  all.sort();
  return {
    requestsPerSec: round1((ok / elapsedMs) * 1000),
    p50Ms: round2(percentile(all, 0.5)),
    p99Ms: round2(percentile(all, 0.99)),
    ok,
    non302: results.reduce(
      (n, r) => n + Object.values(r.non302).reduce((m, count) => m + count, 0),
      0,
    ),
    errors: results.reduce((n, r) => n + r.errors, 0),
  };
}

function formatRound(result: LoadResult): string {
  const s = summarize([result]);
  const problems =
    s.non302 || s.errors
      ? `  non-302 ${JSON.stringify(result.non302)} errors ${s.errors}${result.firstError ? ` (${result.firstError})` : ""}`
      : "";
  return `${s.requestsPerSec.toFixed(1).padStart(8)} req/s  p50 ${s.p50Ms.toFixed(2)} ms  p99 ${s.p99Ms.toFixed(2)} ms${problems}`;
}

function row(name: string, s: Summary): string {
  return [
    name.padEnd(10),
    s.requestsPerSec.toFixed(1).padEnd(9),
    s.p50Ms.toFixed(2).padEnd(8),
    s.p99Ms.toFixed(2).padEnd(8),
    String(s.ok).padEnd(9),
    String(s.non302).padEnd(8),
    String(s.errors),
  ].join(" ");
}

/** The api (200), the redirect worker (its own 400 page for a bad token) and the bare target. */
async function workersReady(baseUrl: string): Promise<boolean> {
  const [api, redirect, bare] = await Promise.all(
    ["/healthz", "/c/healthz-probe", "/bare/healthz-probe"].map((p) =>
      fetch(`${baseUrl}${p}`, { redirect: "manual" }),
    ),
  );
  return Boolean(api?.ok && redirect?.status === 400 && bare?.status === 302);
}

async function adminPut(urlPath: string, body: unknown, adminKey: string): Promise<void> {
  const response = await fetch(`${BASE_URL}${urlPath}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw new BenchBroken(`PUT ${urlPath}: ${response.status} ${await response.text()}`);
  }
}

/**
 * Polls the click roll-ups in D1 (written by the clicks consumer after the wallet object
 * stored each click) until they account for every click sent, or the drain time runs out.
 */
async function waitForClicksConsumed(sent: number): Promise<{ consumed: number; seconds: number }> {
  const start = Date.now();
  let consumed = 0;
  for (;;) {
    consumed = countRolledUpClicks();
    const seconds = (Date.now() - start) / 1000;
    if (consumed >= sent || seconds >= DRAIN_SECONDS) return { consumed, seconds };
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function countRolledUpClicks(): number {
  const query = localD1(["execute"], PERSIST_DIR, { encoding: "utf8" }, [
    "--json",
    "--command",
    // Repeats from one client within the dedupe window are stored once and counted apart.
    "SELECT COALESCE(SUM(clicks + repeat_clicks), 0) AS n FROM click_rollups",
  ]);
  if (query.status !== 0) throw new BenchBroken(`counting clicks failed: ${query.stderr}`);
  const parsed = JSON.parse(String(query.stdout)) as Array<{ results: Array<{ n: number }> }>;
  return parsed[0]?.results[0]?.n ?? 0;
}

type ClicksMode = "consume" | "queue" | "off";

function clicksMode(raw: string | undefined): ClicksMode {
  if (raw === undefined || raw === "") return "consume";
  if (raw === "consume" || raw === "queue" || raw === "off") return raw;
  console.error(`BENCH_CLICKS must be consume, queue or off, got ${JSON.stringify(raw)}`);
  process.exit(2);
}

function clicksLine(sent: number, drain: { consumed: number; seconds: number } | null): string {
  if (CLICKS_MODE === "off") return "clicks: dropped by the redirect (BENCH_CLICKS=off)";
  if (!drain) return `clicks sent: ${sent}, no consumer (BENCH_CLICKS=queue)`;
  const backlog = drain.consumed < sent ? ", backlog remaining" : "";
  return `clicks consumed: ${drain.consumed} of ${sent} (${drain.seconds.toFixed(1)} s after the load${backlog})`;
}

/**
 * The api worker's config without its [[queues.consumers]] blocks (BENCH_CLICKS=queue).
 * Returns its path from ROOT.
 */
function apiConfigWithoutConsumers(): string {
  return benchCopyOfConfig(".", "bench-api-no-consumers", (toml) => {
    const edited = toml.replace(/^\[\[queues\.consumers\]\]\n(?:[^[\n].*\n)*/gm, "");
    if (edited.includes("queues.consumers")) throw new BenchBroken("could not drop the consumers");
    return edited;
  });
}

/**
 * The redirect worker's config with its rate limits raised out of reach: the bench sends every
 * request with one link from one address, which the real limits would refuse after 30. The
 * limiter calls themselves stay on the measured path. Returns its path from ROOT.
 */
function redirectConfigForBench(redirectDir: string): string {
  return benchCopyOfConfig(redirectDir, "bench-redirect", (toml) => {
    const edited = toml.replace(
      /simple = \{ limit = \d+, period = (\d+) \}/g,
      "simple = { limit = 1000000000, period = $1 }",
    );
    if (!edited.includes("limit = 1000000000")) throw new BenchBroken("could not raise the limits");
    return edited;
  });
}

/**
 * A bench-only copy of `<workerDir>/wrangler.toml` under .wrangler/<name>/, edited by `edit`,
 * with its `main` and `migrations_dir` rebased and the local secrets beside it (wrangler reads
 * .dev.vars next to the config). Returns its path from ROOT.
 */
function benchCopyOfConfig(
  workerDir: string,
  name: string,
  edit: (toml: string) => string,
): string {
  const dir = path.join(ROOT, ".wrangler", name);
  const rebase = (p: string) => path.relative(dir, path.join(ROOT, workerDir, p));
  mkdirSync(dir, { recursive: true });
  const toml = edit(readFileSync(path.join(ROOT, workerDir, "wrangler.toml"), "utf8"))
    .replace(/^main = "(.*)"$/m, (_, p: string) => `main = "${rebase(p)}"`)
    .replace(/^migrations_dir = "(.*)"$/m, (_, p: string) => `migrations_dir = "${rebase(p)}"`);
  writeFileSync(path.join(dir, "wrangler.toml"), toml);
  copyFileSync(path.join(ROOT, ".dev.vars"), path.join(dir, ".dev.vars"));
  return path.relative(ROOT, path.join(dir, "wrangler.toml"));
}

/** Share of all CPUs' time not idle over the next `ms`, in percent. */
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

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
