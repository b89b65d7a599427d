import { type CompiledRuleSet, compileRuleSet } from "#shared/rules/compile";
import { evaluate } from "#shared/rules/evaluate";
import { validateRuleSet } from "#shared/rules/rule-schema";
import { BENCH_NOW_MS, type BenchEvent, benchEvents, benchRuleSet } from "../lib/rules-fixture";

/**
 * Benchmark only (`npm run bench:rules`): Boomerang's rules engine inside workerd.
 * `GET /run?rules=1000&iterations=20000&events=2000` compiles the bench rule set of that size
 * (once per size, as a published version is compiled once per isolate) and evaluates the
 * bench events round robin `iterations` times, without trace, as the wallet does.
 *
 * Timing: inside workerd `Date.now()` is frozen while code runs and only advances across I/O
 * (a Spectre mitigation), so the loop sits between two awaited timers and the clock is read
 * after each; the difference is the loop's time (the timers add at most a millisecond, spread
 * over thousands of evaluations). The bench also times the request from outside.
 */

const compiled = new Map<number, CompiledRuleSet>();
let events: BenchEvent[] = [];

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") return new Response("ok");
    if (url.pathname !== "/run") return new Response("not found", { status: 404 });
    const size = Number(url.searchParams.get("rules") ?? 1_000);
    const iterations = Number(url.searchParams.get("iterations") ?? 10_000);
    const eventCount = Number(url.searchParams.get("events") ?? 2_000);
    if (events.length !== eventCount) events = benchEvents(eventCount);
    let set = compiled.get(size);
    if (set === undefined) {
      const result = validateRuleSet(benchRuleSet(size));
      if (!result.ok) return Response.json(result.issues.slice(0, 3), { status: 500 });
      set = compileRuleSet(result.ruleSet);
      compiled.set(size, set);
    }
    await tick();
    const started = Date.now();
    let applied = 0;
    for (let i = 0; i < iterations; i++) {
      const event = events[i % events.length] as BenchEvent;
      applied += evaluate(set, event.flat, { nowMs: BENCH_NOW_MS }).applied.length;
    }
    await tick();
    const insideMs = Date.now() - started;
    return Response.json({ rules: size, iterations, insideMs, applied });
  },
};
