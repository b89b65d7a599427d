import { defineConfig } from "vitest/config";
import { envInt, longRunConfig } from "./vitest.long-run";

/**
 * `npm run sim` (scripts/sim.ts): the deterministic simulation at scale, only
 * test/sim/sim-run.sim.ts, with the run's seed, length and options from SIM_* variables.
 */
export default defineConfig((configEnv) =>
  longRunConfig(configEnv, {
    defineName: "__SIM_OPTIONS__",
    options: {
      seed: envInt("SIM_SEED", 1),
      events: envInt("SIM_EVENTS", 1_000),
      faults: process.env.SIM_FAULTS !== "0",
      networkClockAheadMs: envInt("SIM_CLOCK_AHEAD_MS", 0),
      progressEvery: envInt("SIM_PROGRESS_EVERY", 1_000),
    },
    // Without it a run slows quadratically (scripts/vitest-pool-patch.ts); SIM_STOCK_POOL=1 runs
    // the stock pool, to compare.
    patchedPool: process.env.SIM_STOCK_POOL !== "1",
    include: ["test/sim/sim-run.sim.ts"],
  }),
);
