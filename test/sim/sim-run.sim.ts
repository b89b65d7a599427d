import { expect, it } from "vitest";
import { runSimulation } from "./runner";

/** Compiled in by vitest.sim.config.ts from `npm run sim -- …` (scripts/sim.ts). */
declare const __SIM_OPTIONS__: {
  seed: number;
  events: number;
  faults: boolean;
  networkClockAheadMs: number;
  progressEvery: number;
};

/** The runner silences console while it runs (quiet); progress goes out through this one. */
const print = console.log.bind(console);

it(`simulation seed=${__SIM_OPTIONS__.seed} events=${__SIM_OPTIONS__.events}`, async () => {
  const options = __SIM_OPTIONS__;
  console.log(`sim start ${JSON.stringify(options)}`);
  const result = await runSimulation({
    ...options,
    quiet: true,
    progress: print,
  });
  const seconds = result.elapsedMs / 1000;
  console.log(
    `SIM OK seed=${result.seed} events=${result.events} seconds=${seconds.toFixed(1)} events_per_s=${(result.events / seconds).toFixed(1)} ${JSON.stringify(result)}`,
  );
  expect(result.events).toBe(options.events);
});
