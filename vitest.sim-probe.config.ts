import { defineConfig } from "vitest/config";
import { envInt, longRunConfig } from "./vitest.long-run";

/**
 * The simulation's runtime probe (test/sim/runtime-probe.sim.ts, docs/testing.md "What slowed
 * long runs"): `SIM_PROBE_WINDOWS=3 npx vitest run -c vitest.sim-probe.config.ts`, with
 * `SIM_STOCK_POOL=1` for the pool as installed instead of the patched copy.
 */
export default defineConfig((configEnv) =>
  longRunConfig(configEnv, {
    defineName: "__SIM_PROBE__",
    options: { windows: envInt("SIM_PROBE_WINDOWS", 3), eventsPerWindow: 1_000 },
    patchedPool: process.env.SIM_STOCK_POOL !== "1",
    include: ["test/sim/runtime-probe.sim.ts"],
  }),
);
