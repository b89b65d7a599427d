import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadDemoData } from "#scripts/demo-data";
import { ensureDevVars, ROOT, readDevVars } from "#scripts/lib/dev-vars";
import { localD1 } from "#scripts/lib/local-d1";
import { NAV_ITEMS } from "#workers/api/src/console/views/nav";
import { activitySql, catalogCopiesSql, PER_COPY } from "./lib/console-data";
import { printTable } from "./lib/table";
import { freshDir, startWranglerDev, type WranglerDev, wranglerVersion } from "./lib/wrangler-dev";

/**
 * `npm run bench:console`: the server time of every console page (the sections of
 * workers/api/src/console/views/nav.ts, so new pages are measured without touching this file,
 * and one user's page) at the demo data size and at 100× it, side by side with the ratio.
 *
 * One `wrangler dev` runs the api worker (console included) on a fresh local state. The demo
 * catalog is loaded through the admin API as `npm run dev` does, a month of activity is added
 * with `wrangler d1 execute --local` (bench/lib/console-data.ts), an admin operator is created
 * with the admin key and signed in through the sign-in form; then each page is fetched
 * BENCH_REPS times one after another (after BENCH_WARMUP untimed fetches) and the median and
 * p95 recorded. Then 99 more copies of the catalog and the activity are added and every page
 * is measured again. `/healthz` is measured beside the pages: the fixed cost of a request to
 * the local runtime, which the page figures include.
 *
 * Environment: BENCH_REPS (40), BENCH_WARMUP (5), BENCH_SCALE (100), BENCH_PORT (8797),
 * BENCH_LOG_LEVEL (wrangler's, default warn).
 */
const REPS = envInt("BENCH_REPS", 40);
const WARMUP = envInt("BENCH_WARMUP", 5);
const SCALE = envInt("BENCH_SCALE", 100);
const PORT = envInt("BENCH_PORT", 8797);
const HOST = "127.0.0.1";
const BASE_URL = `http://${HOST}:${PORT}`;
const PERSIST_DIR = path.join(ROOT, ".wrangler", "console-bench-state");
const LOG_FILE = path.join(ROOT, ".wrangler", "console-bench-wrangler.log");
const SQL_DIR = path.join(ROOT, ".wrangler", "console-bench-sql");
const RESULTS_FILE = path.join(ROOT, "bench", "results", "console-pages.json");
const OPERATOR = { email: "bench-admin@bench.test", password: "bench-console-password-0123" };

/** A demo user (scripts/demo-data.ts): their page is where the wallet's reads are, not the nav's find form. */
const USER_PAGE_ID = "demo-alice";

const PAGES = [
  { label: "(baseline) /healthz", path: "/healthz" },
  ...NAV_ITEMS.map((item) => ({ label: item.label, path: item.href })),
  // A user's page: the user plus ten in-process admin reads at once (wallet ledger,
  // transactions, clicks, claims, destinations, contact, events, points, points lots; payouts).
  { label: `User page (${USER_PAGE_ID})`, path: `/console/users/${USER_PAGE_ID}` },
];

interface Timing {
  status: number;
  medianMs: number;
  p95Ms: number;
  bytes: number;
}

class BenchBroken extends Error {}
let dev: WranglerDev | undefined;

try {
  await main();
} catch (error) {
  const cause = error instanceof Error && error.cause ? ` (${String(error.cause)})` : "";
  console.error(
    `\nbench failed: ${error instanceof Error ? error.message : String(error)}${cause}`,
  );
  if (!(error instanceof BenchBroken) && error instanceof Error && error.stack) {
    console.error(error.stack);
  }
  console.error(`wrangler output: ${path.relative(ROOT, LOG_FILE)}`);
  process.exitCode = 1;
} finally {
  await dev?.stop();
}

async function main(): Promise<void> {
  const busyAtStart = await cpuBusyPercent(1000);
  if (busyAtStart >= 25) {
    console.warn(`Note: the CPUs were ${busyAtStart}% busy before the bench started.`);
  }
  const devBaseUrl = existsSync(path.join(ROOT, ".dev.vars"))
    ? (readDevVars() as Record<string, string | undefined>).REDIRECT_BASE_URL
    : undefined;
  const vars = ensureDevVars(devBaseUrl);
  freshDir(PERSIST_DIR);
  mkdirSync(SQL_DIR, { recursive: true });

  console.log("Applying D1 migrations to a fresh bench database…");
  d1(["migrations", "apply"]);

  console.log(`Starting wrangler dev on ${BASE_URL} (output in ${path.relative(ROOT, LOG_FILE)})…`);
  dev = await startWranglerDev({
    configs: ["wrangler.toml"],
    host: HOST,
    port: PORT,
    persistDir: PERSIST_DIR,
    logFile: LOG_FILE,
    vars: { REDIRECT_BASE_URL: BASE_URL },
    error: (message) => new BenchBroken(message),
  });

  const nowMs = Date.now();
  await loadDemoData(BASE_URL, vars.ADMIN_API_KEY);
  execSql("activity-1x", activitySql(0, 1, nowMs));
  await createOperator(vars.ADMIN_API_KEY);
  const cookie = await signIn();

  console.log(`\nDemo size (1×): ${await rowCounts()}`);
  const base = await measureAll(cookie);

  console.log(`\nAdding ${SCALE - 1} more copies of the catalog and the activity…`);
  execSql("catalog-copies", catalogCopiesSql(1, SCALE));
  execSql("activity-copies", activitySql(1, SCALE, nowMs));
  console.log(`${SCALE}×: ${await rowCounts()}`);
  const scaled = await measureAll(cookie);

  const rows = PAGES.map((p) => {
    const a = base.get(p.path) as Timing;
    const b = scaled.get(p.path) as Timing;
    return {
      page: p.label,
      path: p.path,
      base: a,
      scaled: b,
      ratio: round2(b.medianMs / a.medianMs),
    };
  });
  console.log(`\n${REPS} sequential GETs per page after ${WARMUP} warm-up, milliseconds:`);
  const f = (ms: number) => ms.toFixed(2);
  printTable(
    [
      { header: "Page" },
      { header: "status", align: "right" },
      { header: "1× median", align: "right" },
      { header: "1× p95", align: "right" },
      { header: `${SCALE}× median`, align: "right" },
      { header: `${SCALE}× p95`, align: "right" },
      { header: "ratio", align: "right" },
    ],
    rows.map((r) => [
      r.page,
      String(r.base.status),
      f(r.base.medianMs),
      f(r.base.p95Ms),
      f(r.scaled.medianMs),
      f(r.scaled.p95Ms),
      r.ratio.toFixed(2),
    ]),
  );
  const missing = rows.filter((r) => r.base.status !== 200);
  if (missing.length > 0) {
    console.log(
      `\nNot 200 (not built yet on this branch, or refused): ${missing.map((r) => `${r.path} ${r.base.status}`).join(", ")}`,
    );
  }

  const result = {
    recordedAt: new Date().toISOString(),
    settings: { reps: REPS, warmup: WARMUP, scale: SCALE, perCopy: PER_COPY },
    environment: {
      node: process.version,
      wrangler: wranglerVersion(),
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? "unknown",
      cpuBusyPercentAtStart: busyAtStart,
    },
    pages: rows,
  };
  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nWritten to ${path.relative(ROOT, RESULTS_FILE)}`);
}

async function measureAll(cookie: string): Promise<Map<string, Timing>> {
  const out = new Map<string, Timing>();
  for (const page of PAGES) {
    for (let i = 0; i < WARMUP; i++) await timedGet(page.path, cookie);
    const times: number[] = [];
    let status = 0;
    let bytes = 0;
    for (let i = 0; i < REPS; i++) {
      const t = await timedGet(page.path, cookie);
      times.push(t.ms);
      status = t.status;
      bytes = t.bytes;
    }
    times.sort((a, b) => a - b);
    const timing = {
      status,
      medianMs: round2(percentile(times, 50)),
      p95Ms: round2(percentile(times, 95)),
      bytes,
    };
    out.set(page.path, timing);
    console.log(
      `  ${page.label.padEnd(24)} ${status}  median ${timing.medianMs} ms  p95 ${timing.p95Ms} ms  ${bytes} B`,
    );
  }
  return out;
}

async function timedGet(urlPath: string, cookie: string) {
  const started = performance.now();
  const response = await send(`${BASE_URL}${urlPath}`, {
    headers: { cookie },
    redirect: "manual",
  });
  const body = await response.arrayBuffer();
  return { ms: performance.now() - started, status: response.status, bytes: body.byteLength };
}

/**
 * fetch, once more when a kept-alive connection turns out to be closed: the runtime closes
 * idle connections while `wrangler d1 execute` runs, and the request never reached it.
 */
async function send(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = error instanceof Error ? String(error.cause ?? "") : "";
    if (!/other side closed|ECONNRESET/.test(cause)) throw error;
    return fetch(url, init);
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

async function createOperator(adminKey: string): Promise<void> {
  const response = await send(`${BASE_URL}/admin/v1/operators`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ ...OPERATOR, displayName: "Bench admin", role: "admin" }),
  });
  if (response.status !== 201) {
    throw new BenchBroken(`operator not created: ${response.status} ${await response.text()}`);
  }
}

/** Signs in through the form, as a browser: the form's CSRF token and its cookie, then the post. */
async function signIn(): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (response: Response) => {
    // Node 20 has getSetCookie; the type library in use lags.
    for (const line of (
      response.headers as unknown as { getSetCookie(): string[] }
    ).getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair?.indexOf("=") ?? -1;
      if (pair && eq > 0) jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  };
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const form = await send(`${BASE_URL}/console/sign-in`, { redirect: "manual" });
  keep(form);
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
  const body = new URLSearchParams({ ...OPERATOR, _csrf: token });
  const response = await send(`${BASE_URL}/console/sign-in`, {
    method: "POST",
    headers: { cookie: cookieHeader(), "content-type": "application/x-www-form-urlencoded" },
    body: body.toString(),
    redirect: "manual",
  });
  await response.arrayBuffer();
  if (response.status !== 303) throw new BenchBroken(`sign-in answered ${response.status}`);
  keep(response);
  const check = await send(`${BASE_URL}/console`, {
    headers: { cookie: cookieHeader() },
    redirect: "manual",
  });
  await check.arrayBuffer();
  if (check.status !== 200)
    throw new BenchBroken(`signed in, but /console answered ${check.status}`);
  return cookieHeader();
}

function d1(args: string[], extra: string[] = []): string {
  const run = localD1(args, PERSIST_DIR, { encoding: "utf8" }, extra);
  if (run.status !== 0) {
    throw new BenchBroken(`wrangler d1 ${args.join(" ")} failed:\n${run.stdout}${run.stderr}`);
  }
  return String(run.stdout);
}

function execSql(name: string, sql: string): void {
  if (!sql.trim()) return;
  const file = path.join(SQL_DIR, `${name}.sql`);
  writeFileSync(file, sql);
  d1(["execute"], ["--file", file]);
}

async function rowCounts(): Promise<string> {
  const tables = [
    "offers",
    "users",
    "transactions",
    "click_rollups",
    "payouts",
    "received_postbacks",
  ];
  const select = tables.map((t) => `(SELECT COUNT(*) FROM ${t}) AS ${t}`).join(", ");
  const out = d1(["execute"], ["--command", `SELECT ${select}`, "--json"]);
  const parsed = JSON.parse(out.slice(out.indexOf("["))) as Array<{
    results: Array<Record<string, number>>;
  }>;
  const counts = parsed[0]?.results[0] ?? {};
  return tables.map((t) => `${counts[t] ?? "?"} ${t}`).join(", ");
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
  const value = raw ? Number(raw) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

// Declarations, not consts: main() runs at the top, before a const here would be initialised.
function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
