import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { it } from "vitest";
import apiWorker from "#workers/api/src/index";
import { runSimulation } from "./runner";

/** Compiled in by vitest.sim-probe.config.ts. */
declare const __SIM_PROBE__: { windows: number; eventsPerWindow: number };

/**
 * Tells a slowdown of the test runtime from one of the product: between windows of simulated
 * events it times the same cheap operations (an RPC to one fixed wallet, a `runInDurableObject`
 * doing `SELECT 1`, a D1 `SELECT 1`, a direct call of the api's `fetch` on /healthz). If these
 * slow down as the run goes on, the runtime is what grows, not a query or the runner (the row
 * counts of the D1 tables are printed beside them). docs/testing.md records what it showed.
 */
const print = console.log.bind(console);
const REPEAT = 50;

async function meanMs(name: string, op: () => Promise<unknown>): Promise<string> {
  const t0 = performance.now();
  for (let i = 0; i < REPEAT; i++) await op();
  return `${name}=${((performance.now() - t0) / REPEAT).toFixed(2)}ms`;
}

async function probe(label: string) {
  const wallet = env.WALLET.get(env.WALLET.idFromName("sim-probe-fixed"));
  const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as never;
  const times = [
    await meanMs("rpc", () => wallet.getSegments()),
    await meanMs("runInDO", () =>
      runInDurableObject(wallet, (_i, state) => state.storage.sql.exec("SELECT 1").toArray()),
    ),
    await meanMs("d1", () => env.DB.prepare("SELECT 1").first()),
    await meanMs("fetch", async () => {
      const request = new Request("https://api.test/healthz") as never;
      await (await apiWorker.fetch(request, env as never, ctx)).text();
    }),
  ];
  const { results } = await env.DB.prepare(
    `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
       AND name NOT LIKE '_cf%' AND name NOT LIKE 'd1_%'`,
  ).all<{ name: string }>();
  const rows: string[] = [];
  for (const { name } of results) {
    const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM "${name}"`).first<{ n: number }>();
    if (row && row.n > 0) rows.push(`${name}:${row.n}`);
  }
  print(`PROBE ${label} ${times.join(" ")} rows ${rows.join(" ")}`);
}

it("runtime probe", async () => {
  await probe("start");
  for (let w = 0; w < __SIM_PROBE__.windows; w++) {
    const result = await runSimulation({
      seed: 5 + w,
      events: __SIM_PROBE__.eventsPerWindow,
      faults: false,
      quiet: true,
    });
    print(`WINDOW ${w} seconds=${(result.elapsedMs / 1000).toFixed(1)}`);
    await probe(`after ${(w + 1) * __SIM_PROBE__.eventsPerWindow} events`);
  }
});
