import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEMO_NETWORK_ID, DEMO_NETWORK_SECRET } from "#scripts/demo-data";
import { ROOT } from "#scripts/lib/dev-vars";
import { mapBounded } from "#shared/async/map-bounded";
import type { NetworkConfig } from "#shared/config/offer-config";
import { networkConfigKey } from "#shared/config/offer-config";
import { signPostback } from "#shared/postback/signature";
import { groupCpuByRole } from "./lib/cpu";
import { startMiniflareRuntime } from "./lib/miniflare-runtime";
import {
  type CpuProfile,
  inspectorPortOf,
  inspectorTargets,
  startProfiles,
  summarize,
} from "./lib/profile";
import { printTable } from "./lib/table";
import { envInt, fmtLoad } from "./lib/util";

/**
 * `npm run bench:intake` (docs/benchmarks.md "Postback intake alone"): the postback worker's
 * intake against a bare POST route, both in ONE Miniflare runtime (as
 * `npm run bench:pipeline` runs them: the deploy bundles, Miniflare's router), with the
 * postbacks queue consumed by a worker that only acknowledges, so what is measured is the
 * intake and its queue send, not the api's consumer competing for the same cores.
 *
 * Targets, in rounds that alternate their order (BENCH_ROUNDS × BENCH_REQUESTS each,
 * BENCH_CONCURRENCY in flight, every request signed before timing): `bare` (reads the body,
 * answers 202), `intake` (the real postback worker), and `stage 0..4` (bench/variants/
 * postback-stages: the intake cut into stages, each the one before plus one more step), and
 * `stage 4 nk` (stage 4 from a bundle without esbuild's keep-names).
 * For each: answers/s, and the runtime's CPU ms per answer (workerd, and Miniflare's Node
 * side which relays the workers' log lines). `BENCH_PROFILE=1` (Node 20: with
 * NODE_OPTIONS=--experimental-websocket) also profiles every isolate during the intake rounds
 * and prints each one's busy ms per request and top functions. BENCH_TARGETS picks targets
 * (comma list, default all).
 */
const ROUNDS = envInt("BENCH_ROUNDS", 3);
const REQUESTS = envInt("BENCH_REQUESTS", 400);
const CONCURRENCY = envInt("BENCH_CONCURRENCY", 8);
const PORT = envInt("BENCH_PORT", 8795) + 5;
const PROFILE = process.env.BENCH_PROFILE === "1";
const RESULTS_FILE = path.join(ROOT, "bench", "results", "intake-latest.json");

const STAGES = [0, 1, 2, 3, 4].map((n) => ({
  name: `stage ${n}`,
  path: `/stage/${n}/postback/${DEMO_NETWORK_ID}`,
}));
const ALL_TARGETS = [
  { name: "bare", path: `/bare/postback/${DEMO_NETWORK_ID}` },
  { name: "intake", path: `/postback/${DEMO_NETWORK_ID}` },
  ...STAGES,
  // Stage 4 again from a bundle without esbuild's keep-names: what the __name calls cost.
  { name: "stage 4 nk", path: `/stage-nk/4/postback/${DEMO_NETWORK_ID}` },
];
const picked = process.env.BENCH_TARGETS?.split(",").map((s) => s.trim());
const TARGETS = picked ? ALL_TARGETS.filter((t) => picked.includes(t.name)) : ALL_TARGETS;

const NOOP_CONSUMER = "export default { async queue(batch) { batch.ackAll(); } };";

async function main() {
  const load0 = os.loadavg();
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "boomerang-intake-"));
  const network: NetworkConfig = {
    networkId: DEMO_NETWORK_ID,
    active: true,
    postbackFormat: "generic",
    postbackSecret: DEMO_NETWORK_SECRET,
    options: {},
  };
  const rt = await startMiniflareRuntime({
    port: PORT,
    stateDir,
    inspectorPort: PROFILE ? PORT + 1 : undefined,
    custom: {
      workers: [
        { config: "bench/bare/wrangler.toml", routes: ["*/bare/*"] },
        { config: "workers/postback/wrangler.toml", routes: ["*/postback/*"] },
        { config: "bench/variants/postback-stages/wrangler.toml", routes: ["*/stage/*"] },
        {
          config: "bench/variants/postback-stages/wrangler-no-keep-names.toml",
          routes: ["*/stage-nk/*"],
        },
      ],
      scriptWorkers: [
        {
          name: "bench-noop-consumer",
          script: NOOP_CONSUMER,
          queueConsumers: { "boomerang-postbacks": { maxBatchSize: 100, maxBatchTimeout: 1 } },
        },
      ],
      kvSeed: [
        {
          worker: "boomerang-postback",
          binding: "CONFIG_KV",
          key: networkConfigKey(DEMO_NETWORK_ID),
          value: JSON.stringify(network),
        },
      ],
    },
  });
  try {
    let n = 0;
    const bodies = (count: number) =>
      Promise.all(
        Array.from({ length: count }, async () => {
          const body = JSON.stringify({
            order_id: `intake-${n++}`,
            sub_id: "intake-bench-untrusted",
            status: "pending",
            currency: "INR",
            sale_amount_minor: 100_000,
            commission_minor: 8_000,
            category: null,
            occurred_at: new Date().toISOString(),
          });
          const t = Math.floor(Date.now() / 1000);
          return {
            body,
            signature: await signPostback(DEMO_NETWORK_SECRET, DEMO_NETWORK_ID, body, t),
          };
        }),
      );
    const send = async (target: string, requests: Array<{ body: string; signature: string }>) => {
      await mapBounded(requests, CONCURRENCY, async ({ body, signature }) => {
        const response = await fetch(`${rt.baseUrl}${target}`, {
          method: "POST",
          headers: { "content-type": "application/json", "boomerang-signature": signature },
          body,
        });
        const text = await response.text();
        if (response.status !== 202) throw new Error(`${target} → ${response.status} ${text}`);
      });
    };
    // Warm-up: every target, so every isolate has started and cached its config.
    for (const t of TARGETS) await send(t.path, await bodies(50));

    const rows = new Map(
      TARGETS.map((t) => [t.name, { ms: 0, requests: 0, cpu: {} as Record<string, number> }]),
    );
    const profiles = new Map<string, CpuProfile[][]>();
    const profTargets = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? TARGETS : [...TARGETS].reverse();
      for (const t of order) {
        const requests = await bodies(REQUESTS);
        const profiling = PROFILE
          ? await (async () => {
              const port = await inspectorPortOf(rt.pid);
              const targets = await inspectorTargets(port);
              return { targets, session: await startProfiles(port, targets) };
            })()
          : null;
        const cpu0 = groupCpuByRole(rt.pid);
        const start = performance.now();
        await send(t.path, requests);
        const ms = performance.now() - start;
        const cpu1 = groupCpuByRole(rt.pid);
        if (profiling) {
          const got = await profiling.session.stop();
          const list: CpuProfile[] = [];
          for (const [target, profile] of got) {
            profTargets.set(target, (profTargets.get(target) ?? 0) + 1);
            (profile as CpuProfile & { target?: string }).target = target;
            list.push(profile);
          }
          profiles.set(t.name, [...(profiles.get(t.name) ?? []), list]);
        }
        const row = rows.get(t.name) as {
          ms: number;
          requests: number;
          cpu: Record<string, number>;
        };
        row.ms += ms;
        row.requests += REQUESTS;
        for (const [role, v] of Object.entries(cpu1))
          row.cpu[role] = (row.cpu[role] ?? 0) + v - (cpu0[role] ?? 0);
      }
      process.stdout.write(`  round ${round + 1}/${ROUNDS}\r`);
    }
    const load1 = os.loadavg();
    const bare = rows.get("bare");
    const barePerSecond = bare ? bare.requests / (bare.ms / 1000) : Number.NaN;
    console.log(
      `\nPostback intake alone, one Miniflare runtime, ${ROUNDS} rounds × ${REQUESTS} signed postbacks per target, ${CONCURRENCY} in flight. Load ${fmtLoad(load0)} → ${fmtLoad(load1)}.`,
    );
    const table = TARGETS.map((t) => {
      const row = rows.get(t.name) as { ms: number; requests: number; cpu: Record<string, number> };
      const perSecond = row.requests / (row.ms / 1000);
      const per = (role: string) => (row.cpu[role] ?? 0) / row.requests;
      return {
        target: t.name,
        perSecond,
        vsBare: perSecond / barePerSecond,
        workerdMs: per("workerd"),
        hostMs: per("miniflare host"),
      };
    });
    printTable(
      [
        { header: "Target" },
        { header: "answers/s", align: "right" },
        { header: "vs bare", align: "right" },
        { header: "workerd CPU ms/answer", align: "right" },
        { header: "Miniflare host ms/answer", align: "right" },
      ],
      table.map((r) => [
        r.target,
        r.perSecond.toFixed(0),
        `${r.vsBare.toFixed(2)}×`,
        r.workerdMs.toFixed(2),
        r.hostMs.toFixed(2),
      ]),
    );
    const profileSummary = PROFILE
      ? Object.fromEntries(
          [...profiles].map(([name, rounds]) => [
            name,
            printProfiles(name, rounds, REQUESTS, name === "intake" || name === "bare"),
          ]),
        )
      : undefined;
    mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(
      RESULTS_FILE,
      JSON.stringify(
        {
          at: new Date().toISOString(),
          rounds: ROUNDS,
          requests: REQUESTS,
          concurrency: CONCURRENCY,
          load: [load0, load1],
          table,
          profileSummary,
        },
        null,
        2,
      ),
    );
    const logBytes = statSync(rt.logFile).size;
    console.log(
      `Runtime log: ${(logBytes / 1024).toFixed(0)} KiB. Results: ${path.relative(ROOT, RESULTS_FILE)}`,
    );
    if (process.env.BENCH_KEEP_PROFILES === "1") {
      const dir = path.join(os.tmpdir(), "boomerang-intake-profiles");
      mkdirSync(dir, { recursive: true });
      for (const [name, rounds] of profiles) {
        rounds.flat().forEach((p, i) => {
          const target = (p as { target?: string }).target?.replaceAll(":", "_");
          const file = `${name.replace(" ", "")}-${i}-${target}.cpuprofile`;
          writeFileSync(path.join(dir, file), JSON.stringify(p));
        });
      }
      console.log(`Profiles: ${dir}`);
    }
  } finally {
    await rt.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Each isolate's busy ms per request of one target, and its top self times, over its rounds. */
function printProfiles(
  name: string,
  rounds: CpuProfile[][],
  requestsPerRound: number,
  withTop: boolean,
) {
  const byTarget = new Map<string, { busy: number; self: Map<string, number> }>();
  for (const list of rounds) {
    for (const p of list) {
      const target = (p as { target?: string }).target ?? "?";
      const s = summarize(p);
      const acc = byTarget.get(target) ?? { busy: 0, self: new Map() };
      acc.busy += s.busyMs;
      for (const [k, v] of s.selfMs) acc.self.set(k, (acc.self.get(k) ?? 0) + v);
      byTarget.set(target, acc);
    }
  }
  const requests = rounds.length * requestsPerRound;
  const out: Record<string, { busyMsPerRequest: number; top: Array<[string, number]> }> = {};
  console.log(
    `\nIsolates during the ${name} rounds (busy ms per request; top self ms per request):`,
  );
  for (const [target, acc] of [...byTarget].sort((a, b) => b[1].busy - a[1].busy)) {
    if (acc.busy / requests < 0.005) continue;
    const top = [...acc.self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([k, v]) => [k, v / requests] as [string, number]);
    out[target] = { busyMsPerRequest: acc.busy / requests, top };
    console.log(`  ${target}: ${(acc.busy / requests).toFixed(3)} ms`);
    if (withTop) for (const [k, v] of top) console.log(`      ${v.toFixed(3)}  ${k}`);
  }
  return out;
}

await main();
