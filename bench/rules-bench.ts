import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "#scripts/lib/dev-vars";
import { compileRuleSet } from "#shared/rules/compile";
import { evaluate } from "#shared/rules/evaluate";
import { localParts } from "#shared/rules/local-time";
import { type RuleSet, validateRuleSet } from "#shared/rules/rule-schema";
import { jreEngines, jreMatched, jsonLogicMatched, jsonLogicRules } from "./lib/rules-competitors";
import {
  BENCH_NOW_MS,
  BENCH_TIME_ZONE,
  type BenchEvent,
  benchEvents,
  benchRuleSet,
} from "./lib/rules-fixture";
import { printTable, thousands } from "./lib/table";
import { startWranglerDev, type WranglerDev, wranglerVersion } from "./lib/wrangler-dev";

/**
 * `npm run bench:rules`: rule evaluation by Boomerang's engine (shared/rules/) beside
 * json-rules-engine and json-logic-js, evaluating the same rules on the same events, at 100
 * and 1,000 active rules, in one run; then Boomerang's engine inside workerd.
 *
 * Part 1 (Node, the same V8 as workerd): the rule sets and events come from
 * bench/lib/rules-fixture.ts (deterministic). Before timing, every event is evaluated by all
 * three and the set of matching rules must be identical (Boomerang's: the rules its trace
 * reports applied or outranked). Then each engine evaluates the event stream for
 * BENCH_SECONDS after a warm-up; throughput is events a second. Boomerang's timing is its
 * full `evaluate` (conditions, schedules, stacking, effect values, multipliers, budget keys,
 * local time), the others' only their condition matching.
 *
 * Part 2 (workerd): one `wrangler dev` runs bench/rules-worker/, which compiles the same
 * 1,000-rule set and evaluates the same events in a loop. Inside workerd `Date.now()` only
 * advances across I/O, so the worker reads it after an awaited timer before and after the
 * loop; the bench also times the request from outside with 0 and with N evaluations and
 * takes the difference. Both give CPU time per event (the loop does no I/O).
 *
 * Environment: BENCH_SECONDS (per engine and size, default 3), BENCH_EVENTS (2,000),
 * BENCH_SIZES ("100,1000"), BENCH_WORKERD ("1"; "0" skips part 2), BENCH_PORT (8796).
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const EVENT_COUNT = Number(process.env.BENCH_EVENTS ?? 2_000);
const SIZES = (process.env.BENCH_SIZES ?? "100,1000").split(",").map(Number);
const WORKERD = process.env.BENCH_WORKERD !== "0";
const PORT = Number(process.env.BENCH_PORT ?? 8796);
const BASE_URL = `http://127.0.0.1:${PORT}`;
const LOG_FILE = path.join(ROOT, ".wrangler", "bench-rules-wrangler.log");
const RESULTS_FILE = path.join(ROOT, "bench", "results", "rules-latest.json");

interface Throughput {
  eventsPerSec: number;
  usPerEvent: number;
}

let dev: WranglerDev | undefined;

try {
  await main();
} catch (error) {
  console.error(
    `\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exitCode = 1;
} finally {
  await dev?.stop();
}

async function main(): Promise<void> {
  const events = benchEvents(EVENT_COUNT);
  console.log(
    `Rules benchmark: ${EVENT_COUNT} events, ${SECONDS}s per engine and size, Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}\n`,
  );
  const sizes: Record<string, unknown>[] = [];
  for (const size of SIZES) sizes.push(await compare(size, events));

  const local = localTimeCost();
  console.log(
    `\nLocal time per event: Intl formatToParts ${local.formatToPartsUs.toFixed(2)} µs, cached offset (local-time.ts) ${local.cachedUs.toFixed(3)} µs (${(local.formatToPartsUs / local.cachedUs).toFixed(0)}×)`,
  );

  let workerd: Record<string, unknown> | undefined;
  if (WORKERD) workerd = await inWorkerd();

  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(), seconds: SECONDS, events: EVENT_COUNT, sizes, localTime: local, workerd }, null, 2)}\n`,
  );
  console.log(`\nWritten to ${path.relative(ROOT, RESULTS_FILE)}`);
}

function ruleSetOf(size: number): RuleSet {
  const result = validateRuleSet(benchRuleSet(size));
  if (!result.ok)
    throw new Error(`the bench rule set is invalid: ${JSON.stringify(result.issues.slice(0, 3))}`);
  return result.ruleSet;
}

async function compare(size: number, events: BenchEvent[]): Promise<Record<string, unknown>> {
  const ruleSet = ruleSetOf(size);
  const compileStarted = performance.now();
  const compiled = compileRuleSet(ruleSet);
  const compileMs = performance.now() - compileStarted;
  const engines = jreEngines(ruleSet);
  const logic = jsonLogicRules(ruleSet);

  // Same rules, same meaning: every event must match the same rules in all three.
  let matches = 0;
  let applied = 0;
  for (const event of events) {
    const traced = evaluate(compiled, event.flat, { nowMs: BENCH_NOW_MS, trace: true });
    applied += traced.applied.length;
    const ours = (traced.trace?.rules ?? [])
      .filter((r) => r.outcome === "applied" || r.outcome === "outranked")
      .map((r) => r.ruleId)
      .sort();
    const jre = (await jreMatched(engines, event)).sort();
    const jl = jsonLogicMatched(logic, event).sort();
    if (ours.join() !== jre.join() || ours.join() !== jl.join()) {
      throw new Error(
        `engines disagree on ${event.flat["event.id"]}: ours [${ours}] jre [${jre}] json-logic [${jl}]`,
      );
    }
    matches += ours.length;
  }
  const reached = events.reduce(
    (sum, e) =>
      sum + (compiled.byEventType.get(e.type)?.reduce((s, g) => s + g.rules.length, 0) ?? 0),
    0,
  );
  console.log(
    `${size} active rules (compiled in ${compileMs.toFixed(1)} ms): per event on average ${(reached / events.length).toFixed(0)} rules listen, ${(matches / events.length).toFixed(2)} match, ${(applied / events.length).toFixed(2)} effects apply; all three engines agree on every event.`,
  );

  const ours = await time(events, (event) => {
    evaluate(compiled, event.flat, { nowMs: BENCH_NOW_MS });
  });
  const oursTraced = await time(events, (event) => {
    evaluate(compiled, event.flat, { nowMs: BENCH_NOW_MS, trace: true });
  });
  const jre = await time(events, (event) => jreMatched(engines, event), true);
  const jl = await time(events, (event) => {
    jsonLogicMatched(logic, event);
  });
  const row = (name: string, t: Throughput) => [
    name,
    thousands(t.eventsPerSec),
    t.usPerEvent.toFixed(2),
  ];
  printTable(
    [
      { header: "Engine" },
      { header: "events/s", align: "right" },
      { header: "µs/event", align: "right" },
    ],
    [
      row("boomerang (evaluate, no trace)", ours),
      row("boomerang (evaluate with trace)", oursTraced),
      row("json-rules-engine (dot-path)", jre),
      row("json-logic-js", jl),
    ],
    "  ",
  );
  const vsJre = ours.eventsPerSec / jre.eventsPerSec;
  const vsJl = ours.eventsPerSec / jl.eventsPerSec;
  console.log(
    `  ratio: ${vsJre.toFixed(1)}× json-rules-engine (target ≥ 10×) ${vsJre >= 10 ? "✓" : "✗"}, ${vsJl.toFixed(1)}× json-logic-js (target ≥ 2×) ${vsJl >= 2 ? "✓" : "✗"}\n`,
  );
  return {
    size,
    compileMs,
    ours,
    oursTraced,
    jsonRulesEngine: jre,
    jsonLogic: jl,
    ratioVsJsonRulesEngine: vsJre,
    ratioVsJsonLogic: vsJl,
  };
}

/** Evaluates the event stream round robin for SECONDS after a one-second warm-up. */
async function time(
  events: BenchEvent[],
  run: (event: BenchEvent) => unknown,
  isAsync = false,
): Promise<Throughput> {
  const once = async (seconds: number) => {
    let count = 0;
    const started = performance.now();
    const until = started + seconds * 1000;
    let now = started;
    while (now < until) {
      // Check the clock every 100 events, not every event.
      for (let i = 0; i < 100; i++) {
        const event = events[count % events.length] as BenchEvent;
        if (isAsync) await run(event);
        else run(event);
        count++;
      }
      now = performance.now();
    }
    return { count, ms: now - started };
  };
  await once(1);
  const { count, ms } = await once(SECONDS);
  return { eventsPerSec: (count / ms) * 1000, usPerEvent: (ms * 1000) / count };
}

function localTimeCost(): { formatToPartsUs: number; cachedUs: number } {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: BENCH_TIME_ZONE,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  const n = 100_000;
  const instants = Array.from({ length: 1_000 }, (_, i) => BENCH_NOW_MS - i * 600_000);
  let started = performance.now();
  for (let i = 0; i < n; i++) format.formatToParts(instants[i % 1_000]);
  const formatToPartsUs = ((performance.now() - started) * 1000) / n;
  for (const at of instants) localParts(at, BENCH_TIME_ZONE); // fill the hour cache
  started = performance.now();
  for (let i = 0; i < n * 10; i++) localParts(instants[i % 1_000] as number, BENCH_TIME_ZONE);
  const cachedUs = ((performance.now() - started) * 1000) / (n * 10);
  return { formatToPartsUs, cachedUs };
}

// ---------- part 2: workerd ----------

interface WorkerRun {
  iterations: number;
  rules: number;
  insideMs: number;
}

async function inWorkerd(): Promise<Record<string, unknown>> {
  console.log(
    `\nStarting wrangler dev for bench/rules-worker on ${BASE_URL} (output in ${path.relative(ROOT, LOG_FILE)})…`,
  );
  dev = await startWranglerDev({
    configs: ["bench/rules-worker/wrangler.toml"],
    host: "127.0.0.1",
    port: PORT,
    logFile: LOG_FILE,
    logLevel: "warn",
    readyTimeoutMs: 90_000,
  });
  const results: Record<string, unknown>[] = [];
  for (const size of SIZES) {
    const iterations = size >= 1_000 ? 20_000 : 100_000;
    await run(size, iterations); // warm-up: compile, JIT
    const base = await wall(size, 0);
    const samples: { inside: number; outside: number }[] = [];
    for (let round = 0; round < 5; round++) {
      const started = performance.now();
      const result = await run(size, iterations);
      const outside = performance.now() - started - base;
      samples.push({ inside: result.insideMs, outside });
    }
    const median = (xs: number[]) =>
      [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const insideUs = (median(samples.map((s) => s.inside)) * 1000) / iterations;
    const outsideUs = (median(samples.map((s) => s.outside)) * 1000) / iterations;
    console.log(
      `workerd, ${size} active rules: ${insideUs.toFixed(2)} µs per event (Date.now() across awaited timers), ${outsideUs.toFixed(2)} µs (request time with ${iterations.toLocaleString("en-US")} evaluations minus with none); target < 1,000 µs ${Math.max(insideUs, outsideUs) < 1_000 ? "✓" : "✗"}`,
    );
    results.push({
      size,
      iterations,
      insideUsPerEvent: insideUs,
      outsideUsPerEvent: outsideUs,
      samples,
    });
  }
  return { wrangler: wranglerVersion(), results };
}

async function run(size: number, iterations: number): Promise<WorkerRun> {
  const response = await fetch(
    `${BASE_URL}/run?rules=${size}&iterations=${iterations}&events=${EVENT_COUNT}`,
  );
  if (!response.ok) throw new Error(`worker answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as WorkerRun;
}

async function wall(size: number, iterations: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await run(size, iterations);
    times.push(performance.now() - started);
  }
  return [...times].sort((a, b) => a - b)[2] as number;
}
