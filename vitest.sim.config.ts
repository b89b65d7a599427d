import { defineConfig } from "vitest/config";
import base from "./vitest.config";

/**
 * `npm run sim` (scripts/sim.ts): the deterministic simulation at scale, with the test suite's
 * pool and bindings (vitest.config.ts) but only test/sim/sim-run.sim.ts, and the run's seed,
 * length and options compiled in from SIM_* variables.
 */
export default defineConfig(async (configEnv) => {
  const resolved = await base(configEnv);
  const int = (name: string, fallback: number) => {
    const value = Number(process.env[name] ?? fallback);
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be an integer`);
    return value;
  };
  const options = {
    seed: int("SIM_SEED", 1),
    events: int("SIM_EVENTS", 1_000),
    faults: process.env.SIM_FAULTS !== "0",
    networkClockAheadMs: int("SIM_CLOCK_AHEAD_MS", 0),
    progressEvery: int("SIM_PROGRESS_EVERY", 1_000),
  };
  return {
    ...resolved,
    define: { ...resolved.define, __SIM_OPTIONS__: JSON.stringify(options) },
    test: {
      ...resolved.test,
      include: ["test/sim/sim-run.sim.ts"],
      testTimeout: 24 * 3_600_000,
    },
  };
});
