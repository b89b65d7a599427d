import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { build } from "esbuild";
import { Miniflare } from "miniflare";

/**
 * `npm run bench:scale`: the sharded path at N = 1, 2 and 4 queue shards and user databases
 * (docs/scaling.md "Scale bench"). One local runtime (Miniflare's workerd) per N runs
 * bench/scale/worker.ts: a POST per message picks its postbacks shard by key
 * (shared/queues/shards.ts), the consumer writes two balance rows per message into the
 * user's D1 database through shared/db/router.ts. Prints accepted/s, settled/s, CPU ms per
 * settled message and how busy the runtime's cores were, then names what stopped the growth.
 *
 * Options (env): SCALE_MESSAGES (default 4000), SCALE_CONCURRENCY (32), SCALE_NS ("1,2,4"),
 * SCALE_BATCH (consumer max_batch_size, 50 as the postbacks consumer).
 * Run it alone: `flock /tmp/runtime.lock npm run bench:scale`.
 */
const MESSAGES = Number(process.env.SCALE_MESSAGES ?? 4_000);
const CONCURRENCY = Number(process.env.SCALE_CONCURRENCY ?? 32);
const BATCH = Number(process.env.SCALE_BATCH ?? 50);
const NS = (process.env.SCALE_NS ?? "1,2,4").split(",").map(Number);
const ROOT = path.resolve(import.meta.dirname, "..");
const TICK_MS = 1000 / 100; // USER_HZ

async function bundle(): Promise<string> {
  const out = await build({
    entryPoints: [path.join(ROOT, "bench/scale/worker.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    write: false,
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    absWorkingDir: ROOT,
  });
  return out.outputFiles[0]?.text ?? "";
}

/** CPU ms of every descendant process of this one (workerd), from /proc. */
function childCpuMs(): number {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(entry), Number(fields[1]));
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {}
  }
  let total = 0;
  for (const [pid, t] of ticks) {
    let p = parent.get(pid);
    while (p && p !== process.pid) p = parent.get(p);
    if (p === process.pid) total += t;
  }
  return total * TICK_MS;
}

function post(agent: http.Agent, url: URL, user: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: url.hostname, port: url.port, method: "POST", path: `/p?user=${user}` },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

async function runAt(script: string, n: number) {
  const shards = Array.from({ length: n }, (_, i) => i);
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: "2026-04-20",
    bindings: { POSTBACK_QUEUE_SHARDS: String(n), USER_DB_SHARDS: String(n) },
    queueProducers: Object.fromEntries(
      shards.map((i) => [
        i === 0 ? "POSTBACKS" : `POSTBACKS_${i}`,
        { queueName: i === 0 ? "p" : `p-${i}` },
      ]),
    ),
    queueConsumers: Object.fromEntries(
      shards.map((i) => [i === 0 ? "p" : `p-${i}`, { maxBatchSize: BATCH, maxBatchTimeout: 1 }]),
    ),
    d1Databases: Object.fromEntries(shards.map((i) => [i === 0 ? "DB" : `USER_DB_${i}`, `db${i}`])),
  });
  try {
    const url = await mf.ready;
    await (await fetch(new URL("/setup", url))).text();
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const cpu0 = childCpuMs();
    const driver0 = process.cpuUsage();
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < MESSAGES) {
          const i = next++;
          const status = await post(agent, url, `u-${n}-${i}`);
          if (status !== 202) throw new Error(`intake answered ${status}`);
        }
      }),
    );
    const acceptedMs = performance.now() - t0;
    let perDb: number[] = [];
    for (;;) {
      perDb = (await (await fetch(new URL("/count", url))).json()) as number[];
      if (perDb.reduce((a, b) => a + b, 0) >= MESSAGES * 2) break;
      if (performance.now() - t0 > 300_000) throw new Error("not settled within 5 minutes");
      await new Promise((r) => setTimeout(r, 50));
    }
    const settledMs = performance.now() - t0;
    const cpuMs = childCpuMs() - cpu0;
    const driver = process.cpuUsage(driver0);
    agent.destroy();
    return {
      n,
      acceptedMs,
      settledMs,
      cpuMs,
      driverCpuMs: (driver.user + driver.system) / 1000,
      perDb,
    };
  } finally {
    await mf.dispose();
  }
}

const script = await bundle();
console.log(
  `scale bench: ${MESSAGES} messages (2 balance rows each), concurrency ${CONCURRENCY}, ${os.cpus().length} cores, load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
console.log("N  accepted/s  settled/s  CPU ms/settled  runtime cores busy  rows per database");
const results = [];
for (const n of NS) {
  const r = await runAt(script, n);
  results.push(r);
  const busy = r.cpuMs / r.settledMs;
  console.log(
    `${String(n).padEnd(2)} ${(MESSAGES / (r.acceptedMs / 1000)).toFixed(0).padStart(10)}  ${(MESSAGES / (r.settledMs / 1000)).toFixed(0).padStart(9)}  ${(r.cpuMs / MESSAGES).toFixed(3).padStart(14)}  ${busy.toFixed(2).padStart(18)}  ${r.perDb.join(" / ")}`,
  );
}
const first = results[0];
const last = results[results.length - 1];
if (first && last) {
  const gain = first.settledMs / last.settledMs;
  const busy = last.cpuMs / last.settledMs;
  const driverBusy = last.driverCpuMs / last.settledMs;
  const cores = os.cpus().length;
  const load = os.loadavg()[0] ?? 0;
  const drainShare = (last.settledMs - last.acceptedMs) / last.settledMs;
  const reasons: string[] = [];
  if (drainShare < 0.2) {
    reasons.push(
      `the consumers kept up (the last message settled ${(last.settledMs - last.acceptedMs).toFixed(0)} ms after the last was accepted), so neither the queue shards nor the D1 writers were the limit: intake was — every request enters the one local runtime`,
    );
  } else {
    reasons.push(
      `the consumers lagged intake by ${(drainShare * 100).toFixed(0)}% of the run: the local queue batch timer and D1 writers of each shard`,
    );
  }
  reasons.push(
    `that runtime is one workerd process (${busy.toFixed(2)} of ${cores} cores busy at N=${last.n}; the load generator ${driverBusy.toFixed(2)})`,
  );
  if (load > cores) {
    reasons.push(`and the machine was shared (load average ${load.toFixed(1)} on ${cores} cores)`);
  }
  console.log(
    `\nN=${last.n} settles ${gain.toFixed(2)}× N=${first.n}'s rate. What stops it growing: ${reasons.join("; ")}. Locally a shard adds a queue and a SQLite file, not a machine; on the platform each queue (5,000 msg/s) and each D1 database (one writer) is its own.`,
  );
}
