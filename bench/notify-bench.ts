import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "#scripts/lib/dev-vars";
import { localD1 } from "#scripts/lib/local-d1";
import { mintUserToken } from "#scripts/lib/user-token";
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
 * per second; the fastest second seen by the poller. The operator's send window is opened to
 * the whole day first, so the promotional consumer delivers the campaign while it fans out
 * (whatever the hour the bench runs at) instead of deferring it.
 *
 * The transactional queue's latency: at a steady BENCH_PROBE_RATE a second, a fresh member asks
 * for a step-up code (`POST /v1/me/step-up`): the wallet writes the critical `step_up_code`
 * event with the challenge and flushes it onto boomerang-notify-transactional, whose consumer
 * routes it to the dev outbox. First for BENCH_IDLE_SECONDS with nothing else running (the
 * baseline), then from the send's creation until it completes. Each probe's latency is from
 * the bench sending the request to the outbox row's `created_at_ms` (the channel's hand-over,
 * read back from the D1 file); printed p50 / p95 / max idle and during the fan-out, and the
 * ratio during / idle.
 *
 * Environment: BENCH_RECIPIENTS (100000), BENCH_OPTIN_EVERY (2), BENCH_PORT (8799),
 * BENCH_PROBE_RATE (4 a second), BENCH_IDLE_SECONDS (10), BENCH_LOG_LEVEL. Writes bench/results/notify-latest.json.
 */
const RECIPIENTS = envInt("BENCH_RECIPIENTS", 100_000);
const OPTIN_EVERY = envInt("BENCH_OPTIN_EVERY", 2);
const PORT = envInt("BENCH_PORT", 8799);
const ADMIN_KEY = "bench-notify-admin-key-0123456789abcdef";
const STATE = ".wrangler/bench-notify-state";
const RESULTS_FILE = path.join(ROOT, "bench", "results", "notify-latest.json");
const TIMEOUT_MS = 30 * 60_000;
const PROBE_RATE = envInt("BENCH_PROBE_RATE", 4);
const IDLE_SECONDS = envInt("BENCH_IDLE_SECONDS", 10);
const USER_JWT_SECRET = "bench-notify-user-jwt-secret-0123456789abcdef";
/** How long the probes' codes may take to reach the outbox once the fan-out is over. */
const PROBE_DRAIN_MS = 180_000;

type Phase = "idle" | "fanout";

interface Probe {
  phase: Phase;
  userId: string;
  startMs: number;
  challengeId: string | null;
  error: string | null;
}

/**
 * Steady step-up requests, one fresh member each (a member may hold only a few open codes an
 * hour), tagged with the phase they started in; not awaited one by one, so a slow answer does
 * not slow the rate.
 */
class Prober {
  readonly probes: Probe[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private n = 0;
  phase: Phase = "idle";

  constructor(private readonly baseUrl: string) {}

  start(): void {
    this.timer = setInterval(() => this.fire(), 1000 / PROBE_RATE);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all(this.inFlight);
  }

  private fire(): void {
    this.n++;
    const probe: Probe = {
      phase: this.phase,
      userId: `lat-${String(this.n).padStart(5, "0")}`,
      startMs: Date.now(),
      challengeId: null,
      error: null,
    };
    this.probes.push(probe);
    const run = (async () => {
      try {
        const nowSec = Math.floor(probe.startMs / 1000);
        const token = await mintUserToken(USER_JWT_SECRET, {
          userId: probe.userId,
          ttlSec: 600,
          nowSec,
        });
        const response = await fetch(`${this.baseUrl}/v1/me/step-up`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
        });
        if (response.status !== 201) {
          probe.error = `${response.status} ${(await response.text()).slice(0, 200)}`;
          return;
        }
        probe.challengeId = ((await response.json()) as { challengeId: string }).challengeId;
      } catch (error) {
        probe.error = error instanceof Error ? error.message : String(error);
      }
    })();
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }
}

interface LatencyStats {
  probes: number;
  delivered: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** Pure: nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function statsOf(probes: readonly Probe[], deliveredAt: Map<string, number>): LatencyStats {
  const latencies = probes
    .flatMap((p) => {
      const at = p.challengeId ? deliveredAt.get(p.challengeId) : undefined;
      return at === undefined ? [] : [at - p.startMs];
    })
    .sort((a, b) => a - b);
  return {
    probes: probes.length,
    delivered: latencies.length,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    maxMs: latencies.at(-1) ?? Number.NaN,
  };
}

/** When each probe's code reached the dev outbox (ms), read from the D1 file. */
function deliveredAtOf(file: string): Map<string, number> {
  const out = sqlite(
    file,
    "SELECT id || '|' || MIN(created_at_ms) FROM notification_outbox WHERE kind = 'step_up_code' AND user_id LIKE 'lat-%' GROUP BY id;",
  );
  const map = new Map<string, number>();
  for (const line of out.split("\n")) {
    const [id, at] = line.split("|");
    if (id && at) map.set(id, Number(at));
  }
  return map;
}

function describeStats(s: LatencyStats): string {
  return `p50 ${s.p50Ms} ms, p95 ${s.p95Ms} ms, max ${s.maxMs} ms (${s.delivered}/${s.probes} delivered)`;
}

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
    vars: { ADMIN_API_KEY: ADMIN_KEY, NOTIFY_CHANNEL: "outbox", USER_JWT_SECRET },
  });
  try {
    const headers = { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" };
    await openSendWindow(dev.baseUrl, headers);
    const prober = new Prober(dev.baseUrl);
    prober.start();
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    prober.phase = "fanout";
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
    await prober.stop();
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
    // Every probe's code reaches the outbox (the promotional consumer may still be busy).
    const issued = prober.probes.filter((p) => p.challengeId !== null);
    const drainDeadline = Date.now() + PROBE_DRAIN_MS;
    let deliveredAt = deliveredAtOf(file);
    while (
      issued.some((p) => !deliveredAt.has(p.challengeId as string)) &&
      Date.now() < drainDeadline
    ) {
      await new Promise((r) => setTimeout(r, 1000));
      deliveredAt = deliveredAtOf(file);
    }
    const failedProbes = prober.probes.filter((p) => p.error !== null);
    const idle = statsOf(
      prober.probes.filter((p) => p.phase === "idle"),
      deliveredAt,
    );
    const during = statsOf(
      prober.probes.filter((p) => p.phase === "fanout"),
      deliveredAt,
    );
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
      transactionalLatency: {
        probeRatePerSecond: PROBE_RATE,
        idleSeconds: IDLE_SECONDS,
        idle,
        duringFanout: during,
        ratioP50: Number((during.p50Ms / idle.p50Ms).toFixed(2)),
        ratioP95: Number((during.p95Ms / idle.p95Ms).toFixed(2)),
        ratioMax: Number((during.maxMs / idle.maxMs).toFixed(2)),
        refused: failedProbes.length,
        firstRefusal: failedProbes[0]?.error ?? null,
      },
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
    const t = result.transactionalLatency;
    console.log(
      `  transactional latency (step-up code: request → dev outbox, ${PROBE_RATE}/s):\n    idle (${IDLE_SECONDS} s before):   ${describeStats(idle)}\n    during the fan-out: ${describeStats(during)}\n    ratio during / idle: p50 ×${t.ratioP50}, p95 ×${t.ratioP95}, max ×${t.ratioMax}`,
    );
    if (failedProbes.length > 0) {
      console.log(`  ${failedProbes.length} step-up requests refused, first: ${t.firstRefusal}`);
    }
    mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await dev.stop();
  }
}

/**
 * The operator's promotional send window opened to the whole day (`sendWindow: null`), the
 * other settings kept: the campaign is delivered while it fans out, at any hour.
 */
async function openSendWindow(baseUrl: string, headers: Record<string, string>): Promise<void> {
  const url = `${baseUrl}/admin/v1/notification-settings`;
  const current = (await (await fetch(url, { headers })).json()) as Record<string, unknown>;
  const { caps, digest, defaultTimeZone, defaultLocale } = current;
  const saved = await fetch(url, {
    method: "PUT",
    headers,
    body: JSON.stringify({ sendWindow: null, caps, digest, defaultTimeZone, defaultLocale }),
  });
  if (saved.status !== 200) throw new Error(`settings: ${saved.status} ${await saved.text()}`);
}

try {
  await main();
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
  process.exitCode = 1;
}
