import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "#scripts/lib/dev-vars";
import { localD1 } from "#scripts/lib/local-d1";
import { printTable } from "./lib/table";
import { freshDir, startWranglerDev, type WranglerDev, wranglerVersion } from "./lib/wrangler-dev";

/**
 * `npm run bench:catalog`: the public catalog's search and browse queries at 10,000 and
 * 100,000 offers, side by side with unindexed `LIKE` queries over the same rows.
 *
 * What is measured is D1 as the api worker uses it: one `wrangler dev` runs a bench-only
 * worker (bench/catalog-search/) on the api worker's local D1 (the real migrations, the FTS5
 * table included). It seeds a deterministic synthetic catalog through the real write path
 * (catalogWriteStatements, so the documents and the index are built as in production), then
 * times, inside the worker, the real catalog queries (features/discovery/store.ts) and a
 * baseline per query: the same joins, visibility rule, order and page size, filtered by
 * `LIKE '%word%'` (or, for category counts, a json_each scan) instead of the index. Local D1
 * is SQLite in workerd; a deployed D1 adds its network hop to both sides alike.
 *
 * Environment: BENCH_SIZES (default "10000,100000"), BENCH_ITERATIONS (per query and side,
 * default 20), BENCH_PORT (8798).
 */
const SIZES = (process.env.BENCH_SIZES ?? "10000,100000").split(",").map(Number);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20);
const PORT = Number(process.env.BENCH_PORT ?? 8798);
const HOST = "127.0.0.1";
const BASE_URL = `http://${HOST}:${PORT}`;
const PERSIST_DIR = path.join(ROOT, ".wrangler", "bench-catalog-state");
const LOG_FILE = path.join(ROOT, ".wrangler", "bench-catalog-wrangler.log");
const RESULTS_FILE = path.join(ROOT, "bench", "results", "catalog-latest.json");
/** Offers per seeding request (each request writes them in batches of 200). */
const SEED_CHUNK = 2_000;

interface Timing {
  sqlP50Ms: number;
  sqlP95Ms: number;
  wallP50Ms: number;
  wallP95Ms: number;
  rows: number;
}
interface Measurement {
  offers: number;
  iterations: number;
  results: Array<{ name: string; indexed: Timing; baseline: Timing }>;
}

let dev: WranglerDev | undefined;

try {
  await main();
} catch (error) {
  console.error(`\nbench failed: ${error instanceof Error ? error.message : String(error)}`);
  console.error(`wrangler output: ${path.relative(ROOT, LOG_FILE)}`);
  process.exitCode = 1;
} finally {
  await dev?.stop();
}

async function main(): Promise<void> {
  freshDir(PERSIST_DIR);
  console.log("Applying D1 migrations to a fresh bench database…");
  const migrate = localD1(["migrations", "apply"], PERSIST_DIR, { encoding: "utf8" });
  if (migrate.status !== 0)
    throw new Error(`migrations failed:\n${migrate.stdout}${migrate.stderr}`);

  console.log(`Starting wrangler dev on ${BASE_URL}…`);
  dev = await startWranglerDev({
    configs: ["bench/catalog-search/wrangler.toml"],
    host: HOST,
    port: PORT,
    persistDir: PERSIST_DIR,
    logFile: LOG_FILE,
    logLevel: "warn",
    readyTimeoutMs: 90_000,
  });

  const measurements: Measurement[] = [];
  let seeded = 0;
  for (const size of SIZES) {
    const started = Date.now();
    while (seeded < size) {
      const to = Math.min(size, seeded + SEED_CHUNK);
      await call(`/seed?from=${seeded}&to=${to}`, "POST");
      seeded = to;
      process.stdout.write(`\rSeeding: ${seeded.toLocaleString("en")} offers`);
    }
    console.log(` (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    const measured = (await call(`/measure?iterations=${ITERATIONS}`, "GET")) as Measurement;
    measurements.push(measured);
    print(measured);
  }
  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        node: process.version,
        wrangler: wranglerVersion(),
        cpus: os.cpus().length,
        measurements,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nResults: ${path.relative(ROOT, RESULTS_FILE)}`);
}

function print(m: Measurement): void {
  console.log(
    `\n${m.offers.toLocaleString("en")} offers, ${m.iterations} runs per query. SQL: D1's meta.duration, p50 / p95 ms; wall: p50 ms around the call in the worker`,
  );
  const f = (ms: number) => ms.toFixed(2);
  printTable(
    [
      { header: "Query" },
      { header: "index SQL", align: "right" },
      { header: "LIKE SQL", align: "right" },
      { header: "LIKE ÷ index", align: "right" },
      { header: "index wall", align: "right" },
      { header: "LIKE wall", align: "right" },
    ],
    m.results.map((r) => {
      // D1 reports whole milliseconds: a 0 is under 1 ms, and the ratio is then a lower bound.
      const under = r.indexed.sqlP50Ms < 1;
      const ratio = `${under ? "≥ " : ""}${(r.baseline.sqlP50Ms / Math.max(r.indexed.sqlP50Ms, 1)).toFixed(1)}×`;
      return [
        r.name,
        `${f(r.indexed.sqlP50Ms)} / ${f(r.indexed.sqlP95Ms)}`,
        `${f(r.baseline.sqlP50Ms)} / ${f(r.baseline.sqlP95Ms)}`,
        `**${ratio}**`,
        String(r.indexed.wallP50Ms),
        String(r.baseline.wallP50Ms),
      ];
    }),
  );
}

/** One bench request; a runtime restart (503) is retried: seeding is idempotent. */
async function call(urlPath: string, method: "GET" | "POST"): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${BASE_URL}${urlPath}`, { method });
    const text = await response.text();
    if (response.ok) return JSON.parse(text);
    if (response.status !== 503 || attempt >= 3) {
      throw new Error(`${method} ${urlPath}: ${response.status} ${text.slice(0, 500)}`);
    }
    await new Promise((r) => setTimeout(r, 2_000));
  }
}
