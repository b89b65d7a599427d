import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "#scripts/lib/dev-vars";
import { localD1 } from "#scripts/lib/local-d1";
import { freshDir, startWranglerDev, wranglerVersion } from "./lib/wrangler-dev";

/**
 * `npm run bench:notify`: a promotional send to BENCH_RECIPIENTS (100,000) members on a local
 * `wrangler dev` of the api worker (bench/lib/wrangler-dev.ts), fresh state, the real queues
 * (boomerang-notify-fanout's consumer runs in the runtime; boomerang-notify-promotional keeps
 * the events, as its consumer is the notification pipeline's).
 *
 * The members and the segment are seeded straight into the local D1 file with the sqlite3 CLI
 * (one recursive statement each, not 100,000 HTTP calls): users `bench-000001`…, all in segment
 * `bench`, every BENCH_OPTIN_EVERY-th (2) opted in to promotional messages. Then one
 * `POST /admin/v1/notifications/promotions` starts the send, and the bench polls the send's
 * progress (`GET …/{id}`) every 250 ms until it completes.
 *
 * Printed: members fanned out per second (read, opt-in checked, and for the opted-in an event
 * put on the promotional queue), from the send's own start and end times, and events enqueued
 * per second; the fastest second seen by the poller. The transactional queue's latency during
 * the fan-out needs the notification pipeline's consumer of boomerang-notify-transactional;
 * until it is wired this bench says so and measures the fan-out alone.
 *
 * Environment: BENCH_RECIPIENTS (100000), BENCH_OPTIN_EVERY (2), BENCH_PORT (8799),
 * BENCH_LOG_LEVEL. Writes bench/results/notify-latest.json.
 */
const RECIPIENTS = envInt("BENCH_RECIPIENTS", 100_000);
const OPTIN_EVERY = envInt("BENCH_OPTIN_EVERY", 2);
const PORT = envInt("BENCH_PORT", 8799);
const ADMIN_KEY = "bench-notify-admin-key-0123456789abcdef";
const STATE = ".wrangler/bench-notify-state";
const RESULTS_FILE = path.join(ROOT, "bench", "results", "notify-latest.json");
const TIMEOUT_MS = 30 * 60_000;

interface Send {
  id: string;
  status: string;
  audience: number;
  enqueued: number;
  skipped: number;
  startedAt: string | null;
  endedAt: string | null;
}

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

function sqlite(file: string, statement: string): string {
  const out = spawnSync("sqlite3", [file, statement], { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`sqlite3 failed: ${out.stderr}`);
  return out.stdout.trim();
}

function d1FileOf(persistDir: string): string {
  const dir = path.join(persistDir, "v3", "d1", "miniflare-D1DatabaseObject");
  for (const f of readdirSync(dir)) {
    if (!f.endsWith(".sqlite") || f === "metadata.sqlite") continue;
    const file = path.join(dir, f);
    if (sqlite(file, "SELECT count(*) FROM sqlite_master WHERE name = 'promo_sends';") === "1") {
      return file;
    }
  }
  throw new Error(`no D1 file with a promo_sends table under ${dir}`);
}

function seed(file: string): number {
  const prefs = JSON.stringify({ promotionalOptIn: true }).replaceAll("'", "''");
  sqlite(
    file,
    `BEGIN;
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${RECIPIENTS})
     INSERT INTO users (id, display_name, created_at_ms) SELECT printf('bench-%06d', i), NULL, 0 FROM n;
     INSERT INTO member_segments (segment, user_id) SELECT 'bench', id FROM users WHERE id LIKE 'bench-%';
     INSERT INTO member_segment_versions (user_id, version, updated_at_ms) SELECT id, 1, 0 FROM users WHERE id LIKE 'bench-%';
     INSERT INTO notification_preferences (user_id, prefs, updated_at_ms)
       SELECT id, '${prefs}', 0 FROM users
       WHERE id LIKE 'bench-%' AND CAST(substr(id, 7) AS INTEGER) % ${OPTIN_EVERY} = 0;
     COMMIT;`,
  );
  return Number(
    sqlite(
      file,
      "SELECT count(*) FROM notification_preferences WHERE json_extract(prefs, '$.promotionalOptIn') = 1;",
    ),
  );
}

async function main(): Promise<void> {
  console.log(
    `Promotional send to ${RECIPIENTS.toLocaleString("en")} members (every ${OPTIN_EVERY}. opted in); Node ${process.version}, wrangler ${wranglerVersion()}, ${os.cpus().length} CPUs, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const persistDir = freshDir(STATE);
  const applied = localD1(["migrations", "apply"], persistDir, { encoding: "utf8" });
  if (applied.status !== 0) throw new Error(`migrations failed: ${applied.stderr}`);
  const file = d1FileOf(persistDir);
  const seedStart = performance.now();
  const optedIn = seed(file);
  console.log(
    `  seeded ${RECIPIENTS.toLocaleString("en")} members, ${optedIn.toLocaleString("en")} opted in, in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
  );

  const dev = await startWranglerDev({
    configs: ["wrangler.toml"],
    host: "127.0.0.1",
    port: PORT,
    persistDir,
    logFile: ".wrangler/bench-notify-wrangler.log",
    vars: { ADMIN_API_KEY: ADMIN_KEY, NOTIFY_CHANNEL: "outbox" },
  });
  try {
    const headers = { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" };
    const created = await fetch(`${dev.baseUrl}/admin/v1/notifications/promotions`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        segment: "bench",
        headline: "Flash sale",
        body: "Double cashback on everything until midnight",
        url: "https://shop.example/flash",
      }),
    });
    if (created.status !== 201)
      throw new Error(`create: ${created.status} ${await created.text()}`);
    const { id } = (await created.json()) as Send;
    const samples: Array<{ atMs: number; passed: number }> = [];
    const deadline = Date.now() + TIMEOUT_MS;
    let send: Send | null = null;
    while (Date.now() < deadline) {
      const response = await fetch(`${dev.baseUrl}/admin/v1/notifications/promotions/${id}`, {
        headers,
      });
      send = (await response.json()) as Send;
      samples.push({ atMs: Date.now(), passed: send.enqueued + send.skipped });
      if (send.status === "completed") break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (send?.status !== "completed" || !send.startedAt || !send.endedAt) {
      throw new Error(`the send did not complete: ${JSON.stringify(send)}\n${dev.tailLog()}`);
    }
    const seconds = (Date.parse(send.endedAt) - Date.parse(send.startedAt)) / 1000;
    const passed = send.enqueued + send.skipped;
    let peak = 0;
    for (const [i, s] of samples.entries()) {
      const earlier = samples.slice(0, i).findLast((p) => s.atMs - p.atMs >= 1000);
      if (earlier)
        peak = Math.max(peak, ((s.passed - earlier.passed) * 1000) / (s.atMs - earlier.atMs));
    }
    const queued = Number(
      sqlite(file, "SELECT count(*) FROM promo_sends WHERE status = 'completed';"),
    );
    const result = {
      recipients: RECIPIENTS,
      optedIn,
      enqueued: send.enqueued,
      skipped: send.skipped,
      seconds,
      membersPerSecond: Math.round(passed / seconds),
      eventsPerSecond: Math.round(send.enqueued / seconds),
      peakMembersPerSecond: Math.round(peak),
      transactionalLatency: "not measured: boomerang-notify-transactional has no consumer yet",
      completedSends: queued,
      node: process.version,
      wrangler: wranglerVersion(),
      cpus: os.cpus().length,
      at: new Date().toISOString(),
    };
    if (send.enqueued !== optedIn) {
      throw new Error(`enqueued ${send.enqueued}, expected ${optedIn} opted-in members`);
    }
    console.log(
      `  fan-out: ${passed.toLocaleString("en")} members in ${seconds.toFixed(1)} s → ${result.membersPerSecond.toLocaleString("en")} members/s, ${result.eventsPerSecond.toLocaleString("en")} events/s enqueued (peak second ${result.peakMembersPerSecond.toLocaleString("en")} members/s)`,
    );
    console.log(`  transactional latency during the fan-out: ${result.transactionalLatency}`);
    mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await dev.stop();
  }
}

try {
  await main();
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
  process.exitCode = 1;
}
